"""Credentials: stored once per provider, encrypted, masked; api_key_ref read at call time."""

import pytest

from webui.core.config import credentials
from webui.errors import MissingCredential, NotFound, SecretUnreadable, ValidationFailed
from webui.core.storage.vault import is_secret_obj

from .core_helpers import HOSTILE_KEY, new_vault, profile


@pytest.fixture
def vault():
    return new_vault()


def test_apply_encrypts_secrets_and_keeps_plain_fields(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": f"  {HOSTILE_KEY}  "}, vault)
    credentials.apply(settings, "ollama", {"url": "http://gpu:11434/", "models": ["qwen2"], "token": "tok-secret"}, vault)
    stored = settings["provider_credentials"]
    assert is_secret_obj(stored["open_ai"]["api_key"]) and is_secret_obj(stored["ollama"]["token"])
    assert stored["ollama"]["url"] == "http://gpu:11434" and stored["ollama"]["models"] == ["qwen2"]
    assert credentials.plaintext(settings, "open_ai", "api_key", vault) == HOSTILE_KEY.strip()
    assert "tok-secret" not in repr(stored) and "rm -rf" not in repr(stored)


def test_absent_secret_is_kept_empty_is_kept_null_removes(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": "sk-first-000000000001"}, vault)
    credentials.apply(settings, "open_ai", {"models": []}, vault)
    credentials.apply(settings, "open_ai", {"api_key": "   "}, vault)
    assert credentials.plaintext(settings, "open_ai", "api_key", vault) == "sk-first-000000000001"
    credentials.apply(settings, "open_ai", {"api_key": None}, vault)
    assert credentials.plaintext(settings, "open_ai", "api_key", vault) is None


@pytest.mark.parametrize("cid, payload, field", [
    ("bad id", {"api_key": "x"}, "credential_id"),
    ("open_ai", {"api_key": 42}, "api_key"),
    ("open_ai", {"api_key": "x" * 5000}, "api_key"),
    ("ollama", {"url": "not a url"}, "url"),
    ("ollama", {"models": "qwen2"}, "models"),
    ("x", {"provider": "skynet"}, "provider"),
])
def test_bad_payloads(vault, cid, payload, field):
    with pytest.raises(ValidationFailed) as info:
        credentials.apply({}, cid, payload, vault)
    assert field in info.value.fields


def test_masked_view_never_shows_a_secret_and_flags_unreadable(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": "sk-proj-aaaaaaaaaaaaaaaa9z9z"}, vault)
    credentials.apply(settings, "anthropic", {"api_key": "sk-ant-bbbbbbbbbbbbbbbb"}, new_vault())  # key lost
    credentials.apply(settings, "ollama", {"url": "http://h:1"}, vault)
    view = credentials.masked_view(settings, vault)
    assert view["open_ai"]["api_key"] == {"set": True, "hint": "sk-proj-…9z9z"}
    assert view["anthropic"]["api_key"] == {"set": True, "hint": None, "needs_reentry": True}
    assert view["ollama"] == {"url": "http://h:1"}
    assert "aaaaaaaa" not in repr(view)


def test_reentering_a_lost_secret_heals_it(vault):
    settings = {}
    credentials.apply(settings, "anthropic", {"api_key": "sk-ant-lost"}, new_vault())
    p = profile("anthropic")
    with pytest.raises(SecretUnreadable) as info:
        credentials.resolve_key(settings, p, vault)
    assert info.value.details["credential_id"] == "anthropic" and "sk-ant" not in info.value.message
    credentials.apply(settings, "anthropic", {"api_key": "sk-ant-again-1234"}, vault)
    assert credentials.resolve_key(settings, p, vault) == "sk-ant-again-1234"
    assert "needs_reentry" not in credentials.masked_view(settings, vault)["anthropic"]["api_key"]


def test_api_key_ref_is_read_at_call_time(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": "sk-stored-key-0000"}, vault)
    p = profile("open_ai", api_key_ref="TEAM_OPENAI_KEY")
    env = {"TEAM_OPENAI_KEY": "sk-from-env-1", "WEBUI_KEY_REF_ALLOW": "TEAM_OPENAI_KEY"}
    assert credentials.resolve_key(settings, p, vault, env) == "sk-from-env-1"
    env["TEAM_OPENAI_KEY"] = "sk-from-env-2"  # changed after the profile was saved
    assert credentials.resolve_key(settings, p, vault, env) == "sk-from-env-2"


def test_missing_env_var_names_the_variable(vault):
    p = profile("anthropic", name="Claude", api_key_ref="CLAUDE_KEY")
    with pytest.raises(MissingCredential) as info:
        credentials.resolve_key({}, p, vault, {"OTHER": "x", "WEBUI_KEY_REF_ALLOW": "CLAUDE_KEY"})
    assert "CLAUDE_KEY" in info.value.message and info.value.details["variable"] == "CLAUDE_KEY"
    assert "Claude" in info.value.message and "Anthropic" in info.value.message


def test_credential_id_defaults_to_the_provider_and_can_be_shared(vault):
    settings = {}
    credentials.apply(settings, "work-openai", {"api_key": "sk-work-00000000"}, vault)
    p = profile("open_ai", credential_id="work-openai")
    assert credentials.credential_id_of(profile("open_ai")) == "open_ai"
    assert credentials.resolve_key(settings, p, vault) == "sk-work-00000000"
    assert credentials.has_field(settings, p, "api_key") and not credentials.has_field(settings, profile(), "api_key")


def test_resolve_call_for_ollama_uses_the_credential_url_and_token(vault):
    settings = {}
    credentials.apply(settings, "ollama", {"url": "http://gpu:11434", "token": "bearer-token-1234"}, vault)
    call = credentials.resolve_call(settings, profile("ollama", model="qwen2"), vault)
    assert (call.base_url, call.token, call.api_key) == ("http://gpu:11434", "bearer-token-1234", None)
    with pytest.raises(MissingCredential) as info:  # the stored token is bound to its URL (issue 24 item 5)
        credentials.resolve_call(settings, profile("ollama", base_url="http://other:1"), vault)
    assert "enter the token" in info.value.message


def test_resolve_call_hint_is_masked(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": "sk-proj-cccccccccccccccc7777"}, vault)
    call = credentials.resolve_call(settings, profile("open_ai"), vault)
    assert call.api_key == "sk-proj-cccccccccccccccc7777" and call.key_hint == "sk-proj-…7777"


def test_remove(vault):
    settings = {}
    credentials.apply(settings, "open_ai", {"api_key": "k"}, vault)
    credentials.remove(settings, "open_ai")
    assert settings["provider_credentials"] == {}
    with pytest.raises(NotFound):
        credentials.remove(settings, "open_ai")
