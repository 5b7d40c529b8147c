"""LiteLLM model prefixes (catalog.route_model), model-name families, and the call they resolve to."""

import pytest
from cryptography.fernet import Fernet

from webui import catalog
from webui.core.config import credentials
from webui.core.storage.vault import Vault


@pytest.mark.parametrize("provider, model, expected", [
    ("open_ai", "azure/gpt-4-deployment-name", ("custom", "gpt-4-deployment-name", "gpt-4-deployment-name")),
    ("open_ai", "anthropic/claude-3-opus-20240229", ("anthropic", "claude-3-opus-20240229", None)),
    ("open_ai", "gemini/gemini-1.5-pro", ("gemini", "gemini-1.5-pro", None)),
    ("open_ai", "ollama/llama2", ("ollama", "llama2", None)),
    ("open_ai", "openrouter/meta-llama/llama-3-70b", ("open_router", "meta-llama/llama-3-70b", None)),
    ("open_ai", "openai/gpt-4o", ("open_ai", "gpt-4o", None)),
    ("anthropic", "anthropic/claude-3-haiku", ("anthropic", "claude-3-haiku", None)),  # its own prefix: stripped
    ("custom", "azure/dep", ("custom", "dep", "dep")),
    # Slashes that are model names of their own stay as written.
    ("open_router", "anthropic/claude-3.5-sonnet", ("open_router", "anthropic/claude-3.5-sonnet", None)),
    ("open_router", "openai/gpt-4o-mini", ("open_router", "openai/gpt-4o-mini", None)),
    ("custom", "openai/gpt-oss-20b", ("custom", "openai/gpt-oss-20b", None)),
    ("open_ai", "gpt-4", ("open_ai", "gpt-4", None)),
    ("open_ai", "azure/", ("open_ai", "azure/", None)),
])
def test_route_model(provider, model, expected):
    assert catalog.route_model(provider, model) == expected


@pytest.mark.parametrize("model, provider", [
    ("claude-2", "anthropic"), ("gemini-1.5-pro", "gemini"), ("gpt-4", "open_ai"), ("llama2", "open_ai"),
    ("anthropic/claude-3", "open_ai"), (None, "open_ai"),
])
def test_infer_provider(model, provider):
    assert catalog.infer_provider(model) == provider


@pytest.mark.parametrize("model, variable", [
    ("azure/dep", "AZURE_OPENAI_API_KEY"), ("anthropic/claude-3", "ANTHROPIC_API_KEY"),
    ("gemini/gemini-pro", "GEMINI_API_KEY"), ("openrouter/x/y", "OPENROUTER_API_KEY"), ("ollama/llama2", None),
    ("gpt-4", "OPENAI_API_KEY"),
])
def test_key_env_var_follows_the_route(model, variable):
    assert catalog.key_env_var("open_ai", model) == variable


def test_a_call_uses_the_routed_provider_its_credential_and_else_its_variable():
    vault = Vault(Fernet(Fernet.generate_key()))
    profile = {"id": "p", "name": "p", "provider": "open_ai", "model": "anthropic/claude-3-haiku", "options": {}}
    settings = {"llm_profiles": [profile]}
    call = credentials.resolve_call(settings, profile, vault, {"ANTHROPIC_API_KEY": "sk-ant-env", "OPENAI_API_KEY": "x"})
    assert (call.profile["provider"], call.profile["model"], call.api_key) == ("anthropic", "claude-3-haiku", "sk-ant-env")
    assert profile["model"] == "anthropic/claude-3-haiku"  # the stored profile keeps the model as written
    credentials.apply(settings, "anthropic", {"api_key": "sk-ant-stored"}, vault)
    assert credentials.resolve_call(settings, profile, vault, {"ANTHROPIC_API_KEY": "sk-ant-env"}).api_key == \
        "sk-ant-stored"
    azure = dict(profile, model="azure/dep", base_url="https://res.openai.azure.com")
    call = credentials.resolve_call(settings, azure, vault, {"AZURE_OPENAI_API_KEY": "az-key"})
    assert (call.profile["provider"], call.profile["model"], call.profile["options"]["azure"], call.api_key) == \
        ("custom", "dep", True, "az-key")


@pytest.mark.parametrize("provider, model, fits", [
    ("anthropic", "gpt-4o-mini", False), ("anthropic", "claude-3-opus", True), ("open_ai", "gpt-4o", True),
    ("open_router", "gpt-4o", False), ("open_router", "openai/gpt-4o", True), ("gemini", "claude-2", False),
])
def test_model_fits(provider, model, fits):
    assert catalog.model_fits(provider, model) is fits


@pytest.mark.parametrize("model", [None, 1e308, 42, ["gpt-4o"], {"a": 1}])
def test_a_model_that_is_not_text_routes_nowhere(model):
    """A hand-made body with a non-string model is a validation error later, never a crash in routing."""
    assert catalog.route_model("open_ai", model) == ("open_ai", model, None)
