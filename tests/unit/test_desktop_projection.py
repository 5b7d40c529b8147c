"""The SPEC §4 projection: every row of the table, the Gemini refusal and the plaintext rule."""

import copy
import json

import pytest

from webui.core.desktop import control as desktop
from webui.errors import DesktopError

OPENAI = "sk-openai-0000000000001111"
OTHER = "sk-other-00000000000002222"


def legacy_settings(**extra):
    """A desktop settings block with stale keys in every legacy field and a key the web UI does not know."""
    settings = {
        "ai_source": "open_ai", "openai_key": "sk-stale-openai-9999", "openrouter_key": "sk-or-stale-8888",
        "anthropic_key": "sk-ant-stale-7777", "openai_model": "gpt-4o-mini", "temperature": 0.5,
        "presence_penalty": 0, "enable_ollama": False, "ollama_url": "http://localhost:11434",
        "ollama_models": ["llama3"], "voice": False, "custom_hotkey": "Ctrl+Space",
        "vendor_future_field": {"nested": [1, "two"]},
    }
    settings.update(extra)
    return settings


def profile(provider, **fields):
    base = {"id": "p1", "name": "P", "provider": provider, "model": "m-1", "credential_id": None,
            "api_key_ref": None, "base_url": None, "temperature": 0.9, "top_p": None, "presence_penalty": 0.4,
            "frequency_penalty": None, "max_tokens": None, "context_window": None, "options": {},
            "extra_params": {}, "fallback_profile_ids": []}
    base.update(fields)
    return base


@pytest.mark.parametrize("provider, key_field", [
    ("open_ai", "openai_key"), ("open_router", "openrouter_key"),
])
def test_cloud_rows_with_presence_penalty(provider, key_field):
    settings = legacy_settings()
    summary = desktop.project(settings, profile(provider, model="gpt-x"), OTHER)
    assert settings["ai_source"] == provider
    assert settings[key_field] == OTHER
    assert (settings["openai_model"], settings["temperature"], settings["presence_penalty"]) == ("gpt-x", 0.9, 0.4)
    assert settings["enable_ollama"] is False and settings["ollama_models"] == ["llama3"]
    assert summary["ai_source"] == provider and summary["model"] == "gpt-x"


def test_anthropic_row_leaves_presence_penalty():
    settings = legacy_settings(presence_penalty=0.3)
    desktop.project(settings, profile("anthropic", model="claude-x", presence_penalty=None, temperature=0.2), OTHER)
    assert settings["ai_source"] == "anthropic"
    assert settings["anthropic_key"] == OTHER
    assert (settings["openai_model"], settings["temperature"]) == ("claude-x", 0.2)
    assert settings["presence_penalty"] == 0.3  # not in the anthropic row


def test_ollama_row_uses_credential_url_and_models():
    settings = legacy_settings()
    p = profile("ollama", model="qwen2", base_url="http://ollama.lan:11434", models=["llama3", "qwen2", "phi3"])
    summary = desktop.project(settings, p, None)
    assert settings["ai_source"] == "ollama"
    assert settings["enable_ollama"] is True
    assert settings["ollama_url"] == "http://ollama.lan:11434"
    assert settings["ollama_models"] == ["qwen2", "llama3", "phi3"]
    assert summary["ai_source"] == "ollama"


def test_ollama_without_url_keeps_settings_url_and_models():
    settings = legacy_settings(ollama_url="http://box:11434", ollama_models=["a"])
    desktop.project(settings, profile("ollama", model="b"), None)
    assert settings["ollama_url"] == "http://box:11434"
    assert settings["ollama_models"] == ["b", "a"]


def test_ollama_without_any_url_is_refused_unchanged():
    settings = legacy_settings()
    del settings["ollama_url"]
    before = copy.deepcopy(settings)
    with pytest.raises(DesktopError):
        desktop.project(settings, profile("ollama", model="b"), None)
    assert settings == before


def test_custom_row_runs_through_local_llm_mode():
    settings = legacy_settings(ollama_models=["not-on-this-server"])
    desktop.project(settings, profile("custom", model="local-model", base_url="http://127.0.0.1:1234/v1"), "lm-key")
    assert settings["ai_source"] == "ollama"
    assert settings["enable_ollama"] is True
    assert settings["ollama_url"] == "http://127.0.0.1:1234/v1"
    assert settings["ollama_models"] == ["local-model"]  # the Ollama server's list does not apply
    assert "lm-key" not in json.dumps(settings)  # Triplo has no field for it: never written


def test_every_table_row_is_tested():
    assert set(desktop.PROJECTION) == {"open_ai", "open_router", "anthropic", "ollama", "custom", "gemini"}


def test_gemini_refused_and_nothing_changes():
    settings = legacy_settings(voice=True)
    before = copy.deepcopy(settings)
    with pytest.raises(DesktopError) as info:
        desktop.project(settings, profile("gemini", model="gemini-2.5-flash"), OTHER, OPENAI)
    assert "cannot drive the Triplo desktop app" in info.value.message
    assert "usable for roles and chat" in info.value.message
    assert settings == before


def test_unknown_provider_refused():
    settings = legacy_settings()
    with pytest.raises(DesktopError):
        desktop.project(settings, profile("nope"), OTHER)


def test_cloud_profile_without_key_refused_unchanged():
    settings = legacy_settings()
    before = copy.deepcopy(settings)
    with pytest.raises(DesktopError):
        desktop.project(settings, profile("anthropic"), None)
    assert settings == before


@pytest.mark.parametrize("provider, key_field", [
    ("open_router", "openrouter_key"), ("anthropic", "anthropic_key"), ("ollama", None), ("custom", None),
])
def test_plaintext_rule_clears_other_keys_without_voice(provider, key_field):
    settings = legacy_settings(voice=False)
    p = profile(provider, base_url="http://127.0.0.1:1/v1", presence_penalty=None)
    summary = desktop.project(settings, p, OTHER if key_field else None, OPENAI)
    for field in desktop.LEGACY_KEY_FIELDS:
        assert settings[field] == (OTHER if field == key_field else ""), field
    assert OPENAI not in json.dumps(settings)
    assert "openai_key" in summary["cleared"]


@pytest.mark.parametrize("provider, key_field", [
    ("open_router", "openrouter_key"), ("anthropic", "anthropic_key"), ("ollama", None),
])
def test_plaintext_rule_keeps_openai_key_for_voice(provider, key_field):
    settings = legacy_settings(voice=True)
    desktop.project(settings, profile(provider, presence_penalty=None), OTHER if key_field else None, OPENAI)
    assert settings["openai_key"] == OPENAI
    for field in ("openrouter_key", "anthropic_key"):
        assert settings[field] == (OTHER if field == key_field else "")


def test_voice_on_without_an_openai_key_clears_it():
    settings = legacy_settings(voice=True)
    desktop.project(settings, profile("anthropic", presence_penalty=None), OTHER, None)
    assert settings["openai_key"] == ""


def test_openai_active_with_voice_writes_its_own_key():
    settings = legacy_settings(voice=True)
    desktop.project(settings, profile("open_ai"), OPENAI, OPENAI)
    assert settings["openai_key"] == OPENAI
    assert settings["openrouter_key"] == "" and settings["anthropic_key"] == ""


def test_unset_tuning_keeps_current_values():
    settings = legacy_settings(temperature=0.5, presence_penalty=0.1)
    desktop.project(settings, profile("open_ai", temperature=None, presence_penalty=None), OPENAI)
    assert (settings["temperature"], settings["presence_penalty"]) == (0.5, 0.1)


def test_unknown_legacy_keys_untouched_and_summary_has_no_secret():
    settings = legacy_settings()
    untouched = {k: copy.deepcopy(v) for k, v in settings.items() if k in ("custom_hotkey", "vendor_future_field")}
    summary = desktop.project(settings, profile("open_router"), OTHER, OPENAI)
    for key, value in untouched.items():
        assert settings[key] == value
    assert OTHER not in json.dumps(summary) and OPENAI not in json.dumps(summary)
