"""Migration: legacy single-provider Triplo configs and role/game configs (YAML or JSON) into profiles."""

import copy
import json
import os

import pytest

from webui.core.config import credentials

from webui.core.config import profile_import

from webui.core.config import profile_ops
from webui.errors import NotFound, ValidationFailed
from webui.core.storage.vault import is_secret_obj

from .core_helpers import HOSTILE_KEY, new_vault, read_config, service, write_config

LEGACY = {  # every legacy field of SPEC §3.2, plus desktop settings the web UI does not know
    "ai_source": "openrouter", "openai_key": HOSTILE_KEY, "openrouter_key": "sk-or-v1-legacy-000000000042",
    "anthropic_key": "sk-ant-legacy-0000000007", "openai_model": "openai/gpt-4o", "temperature": 1.5,
    "presence_penalty": 0.5, "enable_ollama": True, "ollama_url": "http://gpu:11434",
    "ollama_models": ["qwen2", "llama3"], "voice": False, "custom_hotkey": "Ctrl+Space", "vendor_x": {"y": [1]},
}


@pytest.fixture
def vault():
    return new_vault()


def by_id(settings):
    return {p["id"]: p for p in settings["llm_profiles"]}


@pytest.mark.parametrize("source", ["openrouter", "open_router", "OpenRouter"])
def test_legacy_config_becomes_profiles_with_nothing_lost(vault, source):
    settings = dict(copy.deepcopy(LEGACY), ai_source=source)
    original = copy.deepcopy(settings)
    assert profile_import.migrate_legacy(settings, vault) is True
    made = by_id(settings)
    assert list(made) == ["open_ai", "open_router", "anthropic", "ollama"]
    assert settings["active_llm_profile"] == "open_router"
    assert settings["multi_provider_enabled"] is True and settings["llm_roles"] == []
    for key, value in original.items():  # the legacy fields are all still there, unchanged
        assert settings[key] == value
    creds = settings["provider_credentials"]
    for provider, field in profile_import.LEGACY_KEYS:
        assert is_secret_obj(creds[provider]["api_key"])
        assert credentials.plaintext(settings, provider, "api_key", vault) == LEGACY[field].strip()
    assert creds["ollama"] == {"url": "http://gpu:11434", "models": ["qwen2", "llama3"]}
    assert made["open_router"]["model"] == "openai/gpt-4o"  # openai_model belongs to the ai_source provider
    assert made["open_ai"]["model"] == "gpt-4o-mini" and made["anthropic"]["model"].startswith("claude")
    assert made["ollama"]["model"] == "qwen2"
    assert made["open_ai"]["temperature"] == 1.5 and made["anthropic"]["temperature"] == 1  # clamped to its range
    assert made["open_ai"]["presence_penalty"] == 0.5 and made["anthropic"]["presence_penalty"] is None


def test_legacy_without_keys_or_ollama_has_no_profiles(vault):
    settings = {"ai_source": "open_ai", "openai_key": "", "enable_ollama": False}
    profile_import.migrate_legacy(settings, vault)
    assert settings["llm_profiles"] == [] and settings["active_llm_profile"] is None
    assert settings["multi_provider_enabled"] is False


def test_ai_source_without_a_key_falls_back_to_the_first(vault):
    settings = {"ai_source": "anthropic", "openai_key": "sk-only-openai-0000", "openai_model": "gpt-4o"}
    profile_import.migrate_legacy(settings, vault)
    assert settings["active_llm_profile"] == "open_ai"


def test_extra_keys_and_ollama_override(vault):
    settings = {"ai_source": "open_ai", "enable_ollama": False, "ollama_url": "http://o:1"}
    profile_import.migrate_legacy(settings, vault, extra_keys={"gemini": "AIza-gem-000000000"}, with_ollama=True)
    assert list(by_id(settings)) == ["gemini", "ollama"]
    assert by_id(settings)["gemini"]["model"] == "gemini-2.5-flash"
    assert settings["enable_ollama"] is False  # the desktop setting is the user's, not ours


def test_a_config_with_profiles_is_not_migrated(vault):
    settings = {"llm_profiles": [], "openai_key": "sk-x"}
    assert profile_import.migrate_legacy(settings, vault) is False
    assert "provider_credentials" not in settings


def test_legacy_is_shown_at_once_and_written_in_new_shape_on_next_save(tmp_path):
    folder = str(tmp_path / "cfg")
    raw = write_config(folder, copy.deepcopy(LEGACY))
    svc = service(folder)
    settings, _ = svc.settings()
    assert [p["id"] for p in settings["llm_profiles"]] == ["open_ai", "open_router", "anthropic", "ollama"]
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw  # reading never writes
    profile_ops.reorder_profiles(svc, ["ollama", "open_ai", "open_router", "anthropic"])
    saved = read_config(folder)["settings"]
    assert [p["id"] for p in saved["llm_profiles"]] == ["ollama", "open_ai", "open_router", "anthropic"]
    assert all(is_secret_obj(c["api_key"]) for k, c in saved["provider_credentials"].items() if k != "ollama")
    # Plaintext rule: only the active provider's key stays in the legacy fields (voice is off).
    assert saved["openrouter_key"] == LEGACY["openrouter_key"]
    assert saved["openai_key"] == "" and saved["anthropic_key"] == ""
    assert credentials.plaintext(saved, "anthropic", "api_key", svc.vault) == LEGACY["anthropic_key"]
    for key in ("openai_model", "temperature", "ollama_url", "ollama_models", "custom_hotkey", "vendor_x"):
        assert saved[key] == LEGACY[key]


GAME_YAML = """
llm_config:
  default_profile_id: gm-claude
  temperature: 0.9            # not mapped when profiles are given: kept under game_config
llm_profiles:
  - id: gm-claude
    name: GM Claude
    provider_type: anthropic
    model: claude-3-5-sonnet-latest
    api_key_ref: ANTHROPIC_KEY
  - id: npc-local
    name: "NPC \\"local\\" ü"
    provider_type: local_openai
    model: llama-3
    base_url: http://127.0.0.1:8081/v1
characters:
  - id: gm
    name: Game Master
    type: gm
    ai_config: {profile_id: gm-claude}
  - id: bard
    name: Bard
    ai_config: {profile_id: npc-local}
    voice: tenor
world: {name: Eldoria, turns: 12}
"""


@pytest.mark.parametrize("form", ["yaml", "json"])
def test_game_config_import(vault, form):
    import yaml

    text = GAME_YAML if form == "yaml" else json.dumps(yaml.safe_load(GAME_YAML))
    doc = profile_import.parse_document(text)
    settings = {"llm_profiles": []}
    summary = profile_import.import_game_config(settings, doc, vault)
    assert summary == {"profiles": ["gm-claude", "npc-local"], "roles": ["gm", "bard"],
                       "active_llm_profile": "gm-claude"}
    made = by_id(settings)
    assert made["gm-claude"]["provider"] == "anthropic" and made["gm-claude"]["api_key_ref"] == "ANTHROPIC_KEY"
    assert made["npc-local"]["provider"] == "custom" and made["npc-local"]["name"] == 'NPC "local" ü'
    roles = {r["id"]: r for r in settings["llm_roles"]}
    assert roles["gm"]["ai_config"]["profile_id"] == "gm-claude" and roles["gm"]["type"] == "gm"
    assert roles["bard"]["voice"] == "tenor" and roles["bard"]["control"] == "ai"
    assert settings["game_config"] == {"llm_config": {"temperature": 0.9}, "world": {"name": "Eldoria", "turns": 12}}
    assert settings["active_llm_profile"] == "gm-claude" and settings["multi_provider_enabled"] is True


def test_legacy_llm_config_becomes_profile_default(vault):
    doc = profile_import.parse_document("llm_config:\n  default_model: gpt-4o\n  temperature: 0.3\n"
                                   "  provider: openai\n  api_key: sk-inline-secret-1234\n  seed: 7\n")
    settings = {"llm_profiles": []}
    profile_import.import_game_config(settings, doc, vault)
    default = by_id(settings)["default"]
    assert (default["provider"], default["model"], default["temperature"]) == ("open_ai", "gpt-4o", 0.3)
    assert settings["active_llm_profile"] == "default"
    assert credentials.plaintext(settings, "open_ai", "api_key", vault) == "sk-inline-secret-1234"
    assert settings["game_config"] == {"llm_config": {"seed": 7}}
    assert "sk-inline" not in json.dumps(settings)


def test_unmapped_secrets_are_kept_encrypted(vault):
    doc = {"llm_config": {"default_profile_id": "a", "api_key": "sk-unmapped-000000001"},
           "llm_profiles": [{"id": "a", "provider": "custom", "model": "m", "base_url": "http://h:1"}]}
    settings = {"llm_profiles": []}
    profile_import.import_game_config(settings, doc, vault)
    kept = settings["game_config"]["llm_config"]["api_key"]
    assert vault.decrypt(kept) == "sk-unmapped-000000001" and "sk-unmapped" not in json.dumps(settings)


def test_inline_api_keys_are_encrypted_and_profiles_keyed_by_id(vault):
    doc = profile_import.parse_document('{"llm_profiles": {"fast": {"provider": "openai", "model": "gpt-4o-mini", '
                                   '"api_key": "sk-inline-000000000000"}}}')
    settings = {"llm_profiles": []}
    profile_import.import_game_config(settings, doc, vault)
    assert by_id(settings)["fast"]["name"] == "fast"
    assert is_secret_obj(settings["provider_credentials"]["open_ai"]["api_key"])
    assert "sk-inline" not in json.dumps(settings)


def test_a_list_document_is_a_list_of_profiles(vault):
    settings = {"llm_profiles": []}
    summary = profile_import.import_game_config(settings, [{"name": "Local", "provider": "ollama", "model": "qwen2",
                                                       "url": "http://gpu:11434"}], vault)
    assert summary["profiles"] == ["Local"] and settings["active_llm_profile"] == "Local"
    assert settings["provider_credentials"]["ollama"]["url"] == "http://gpu:11434"


@pytest.mark.parametrize("doc, field", [
    ({"llm_profiles": [{"id": "a", "provider": "openai"}]}, "llm_profiles[0].model"),
    ({"llm_profiles": [{"id": "a", "provider": "skynet", "model": "m"}]}, "llm_profiles[0].provider"),
    ({"llm_profiles": ["nope"]}, "llm_profiles[0]"),
    ({"llm_profiles": 5}, "llm_profiles"),
    ({"llm_config": "x"}, "llm_config"),
    ({"llm_profiles": [{"id": "a", "provider": "custom", "model": "m", "base_url": "http://h:1"}],
      "characters": [{"id": "gm", "ai_config": {"profile_id": "ghost"}}]}, "characters[0].ai_config.profile_id"),
])
def test_bad_game_configs_name_the_field(vault, doc, field):
    with pytest.raises(ValidationFailed) as info:
        profile_import.import_game_config({"llm_profiles": []}, doc, vault)
    assert field in info.value.fields


def test_unknown_default_profile_is_named(vault):
    doc = {"llm_config": {"default_profile_id": "ghost"},
           "llm_profiles": [{"id": "a", "provider": "custom", "model": "m", "base_url": "http://h:1"}]}
    with pytest.raises(NotFound) as info:
        profile_import.import_game_config({"llm_profiles": []}, doc, vault)
    assert "ghost" in info.value.message


@pytest.mark.parametrize("text, message", [
    ("{not json: [", "is neither valid JSON nor valid YAML"),
    ("just a string", "must hold a mapping"),
    ("42", "must hold a mapping"),
])
def test_parse_document_errors(text, message):
    with pytest.raises(ValidationFailed) as info:
        profile_import.parse_document(text, what="upload")
    assert message in info.value.fields["upload"]
