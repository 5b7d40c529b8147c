"""Seeding config.json from the environment (python -m webui seed, init-config.sh)."""

import io
import json
import os

import pytest
from cryptography.fernet import Fernet

from webui import cli
from webui.core.config import credentials
from webui.core.config import desktop_settings
from webui.core.config import seed
from webui.catalog import PROVIDERS
from webui.core.storage.vault import Vault

from .core_helpers import HOSTILE_KEY, mode, read_config

KEY = Fernet.generate_key().decode()
OPENAI, OPENROUTER = "sk-proj-seed-openai-00000000aaaa", "sk-or-v1-seed-router-0000bbbb"
ANTHROPIC, GEMINI = "sk-ant-seed.anthro.cccc", "AIza-seed-gemini-000000dddd"
ALL_KEYS = (OPENAI, OPENROUTER, ANTHROPIC, GEMINI, HOSTILE_KEY)


def hostile(var):
    """A value per variable that a shell heredoc would mangle."""
    return f'{var} "q" \'s\' \\ \\\\ \n ü 🔑 $(rm -rf /) `id` ${{HOME}}'


@pytest.fixture
def folder(tmp_path):
    return str(tmp_path / "Triplo AI")


def run(folder, force=False, **env):
    out, err = io.StringIO(), io.StringIO()
    code = seed.seed(folder, dict(env, WEBUI_SECRET_KEY=KEY), force=force, out=out, err=err)
    printed = out.getvalue() + err.getvalue()
    for key in ALL_KEYS:
        assert key not in printed and key.strip()[-12:] not in printed  # never print a key
    return code, out.getvalue(), err.getvalue()


def settings_of(folder):
    return read_config(folder)["settings"]


def secret(settings, cid):
    return credentials.plaintext(settings, cid, "api_key", Vault(Fernet(KEY)))


def test_hostile_values_round_trip(folder):
    text_vars = [s for s in desktop_settings.SETTINGS if s.kind in desktop_settings.TEXT_KINDS and s.env not in
                 ("TRIPLO_AI_SOURCE", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY")]
    env = {s.env: hostile(s.env) for s in text_vars}
    env.update(OPENAI_API_KEY=HOSTILE_KEY, ANTHROPIC_API_KEY=f"  {ANTHROPIC}\n", TRIPLO_VOICE_FEATURES="false")
    code, out, _ = run(folder, **env)
    assert code == 0, out
    settings = settings_of(folder)
    for s in text_vars:
        if s.env != "TRIPLO_OPENAI_MODEL":
            assert settings[s.key] == hostile(s.env), s.env
    assert secret(settings, "open_ai") == HOSTILE_KEY
    assert secret(settings, "anthropic") == ANTHROPIC
    assert settings["openai_key"] == HOSTILE_KEY  # active (ai_source open_ai): the desktop app gets it verbatim
    assert settings["anthropic_key"] == ""
    active = next(p for p in settings["llm_profiles"] if p["id"] == settings["active_llm_profile"])
    assert active["model"] == hostile("TRIPLO_OPENAI_MODEL").strip() == settings["openai_model"]


def test_template_defaults_and_modes(folder):
    code, out, _ = run(folder)
    assert code == 0 and "0 profile(s)" in out and "active: none" in out
    data = read_config(folder)
    assert data["seenWelcome"] is True and data["settings"]["temperature"] == 0.5
    assert data["settings"]["llm_profiles"] == [] and data["settings"]["active_llm_profile"] is None
    assert mode(os.path.join(folder, "config.json")) == 0o600 and mode(folder) == 0o700


@pytest.mark.parametrize("raw, value", [("true", True), ("TRUE", True), ("1", True), ("Yes", True),
                                        ("false", False), ("0", False), ("NO", False), (" no ", False)])
def test_booleans(folder, raw, value):
    assert run(folder, TRIPLO_SKIP_WELCOME=raw, TRIPLO_PINNED=raw)[0] == 0
    data = read_config(folder)
    assert data["seenWelcome"] is value and data["settings"]["pinned"] is value


@pytest.mark.parametrize("env, var, problem", [
    ({"TRIPLO_PINNED": "maybe"}, "TRIPLO_PINNED", "must be true/false"),
    ({"TRIPLO_TEMPERATURE": "warm"}, "TRIPLO_TEMPERATURE", "must be a number"),
    ({"TRIPLO_VOICE_TTS_SPEED": "inf"}, "TRIPLO_VOICE_TTS_SPEED", "must be a number"),
    ({"TRIPLO_OLLAMA_URL": "gpu:11434"}, "TRIPLO_OLLAMA_URL", "must be an http:// or https:// URL"),
    ({"OPENAI_API_KEY": OPENAI, "TRIPLO_PRESENCE_PENALTY": "5"}, "TRIPLO_PRESENCE_PENALTY", "between -2 and 2"),
    ({"OPENAI_API_KEY": OPENAI, "TRIPLO_AI_SOURCE": "skynet"}, "TRIPLO_AI_SOURCE", "unknown provider 'skynet'"),
    ({"GEMINI_API_KEY": GEMINI, "TRIPLO_AI_SOURCE": "google"}, "TRIPLO_AI_SOURCE", "cannot drive the Triplo desktop"),
])
def test_bad_values_name_the_variable_and_write_nothing(folder, env, var, problem):
    code, _, err = run(folder, **env)
    assert code == 2
    assert var in err and problem in err and "nothing written" in err
    assert not os.path.exists(folder)  # not even the key file or the folder


def test_numbers(folder):
    run(folder, OPENAI_API_KEY=OPENAI, TRIPLO_TEMPERATURE="0.8", TRIPLO_PRESENCE_PENALTY="-1",
        TRIPLO_VOICE_TTS_SPEED="1.25")
    settings = settings_of(folder)
    assert (settings["temperature"], settings["presence_penalty"], settings["voice_tts_speed"]) == (0.8, -1, 1.25)
    assert settings["llm_profiles"][0]["temperature"] == 0.8


def test_one_profile_per_key_and_the_active_one_from_ai_source(folder):
    code, out, _ = run(folder, OPENAI_API_KEY=OPENAI, OPENROUTER_API_KEY=OPENROUTER, ANTHROPIC_API_KEY=ANTHROPIC,
                       GEMINI_API_KEY=GEMINI, TRIPLO_AI_SOURCE="openrouter", TRIPLO_OPENAI_MODEL="openai/gpt-4o",
                       TRIPLO_VOICE_FEATURES="false")
    assert code == 0
    settings = settings_of(folder)
    assert [p["id"] for p in settings["llm_profiles"]] == ["open_ai", "open_router", "anthropic", "gemini"]
    assert settings["active_llm_profile"] == "open_router" and settings["multi_provider_enabled"] is True
    assert settings["ai_source"] == "open_router" and settings["openai_model"] == "openai/gpt-4o"
    for cid, key in (("open_ai", OPENAI), ("open_router", OPENROUTER), ("anthropic", ANTHROPIC), ("gemini", GEMINI)):
        assert secret(settings, cid) == key
    # Plaintext rule: voice is off, so only the active provider's key is left in the legacy fields.
    assert (settings["openai_key"], settings["openrouter_key"], settings["anthropic_key"]) == ("", OPENROUTER, "")
    assert GEMINI not in json.dumps(settings)
    assert "4 profile(s)" in out and "active: OpenRouter (open_router, openai/gpt-4o)" in out


def test_voice_keeps_the_openai_key_in_plain(folder):
    run(folder, OPENAI_API_KEY=OPENAI, ANTHROPIC_API_KEY=ANTHROPIC, TRIPLO_AI_SOURCE="anthropic",
        TRIPLO_VOICE_FEATURES="true")
    settings = settings_of(folder)
    assert (settings["ai_source"], settings["anthropic_key"], settings["openai_key"]) == ("anthropic", ANTHROPIC, OPENAI)


def test_ai_source_without_a_key_falls_back_with_a_note(folder):
    code, _, err = run(folder, OPENAI_API_KEY=OPENAI, TRIPLO_AI_SOURCE="anthropic")
    assert code == 0 and "TRIPLO_AI_SOURCE='anthropic' has no profile" in err
    assert settings_of(folder)["active_llm_profile"] == "open_ai"


@pytest.mark.parametrize("env", [{"TRIPLO_OLLAMA_URL": "http://gpu:11434/"}, {"TRIPLO_ENABLE_OLLAMA": "yes"}])
def test_ollama_profile(folder, env):
    run(folder, TRIPLO_OLLAMA_MODELS=" qwen2 , llama3,, ", **env)
    settings = settings_of(folder)
    (profile,) = settings["llm_profiles"]
    assert profile["provider"] == "ollama" and profile["model"] == "qwen2"
    url = "http://gpu:11434" if "TRIPLO_OLLAMA_URL" in env else "http://localhost:11434"
    assert settings["provider_credentials"]["ollama"] == {"url": url, "models": ["qwen2", "llama3"]}
    assert (settings["ai_source"], settings["enable_ollama"], settings["ollama_url"]) == ("ollama", True, url)


def test_gemini_alone_is_seeded_for_chat(folder):
    assert run(folder, GEMINI_API_KEY=GEMINI)[0] == 0
    settings = settings_of(folder)
    assert settings["active_llm_profile"] == "gemini" and settings["ai_source"] == "open_ai"


def test_second_run_skips_and_changes_nothing(folder):
    run(folder, OPENAI_API_KEY=OPENAI)
    raw = open(os.path.join(folder, "config.json"), "rb").read()
    code, out, _ = run(folder, ANTHROPIC_API_KEY=ANTHROPIC)
    assert code == 0 and "skipped" in out
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw
    assert not os.path.exists(os.path.join(folder, "backups"))


@pytest.mark.parametrize("keys", [{"OPENAI_API_KEY": OPENAI}, {}])
def test_force_rebuilds_and_backs_the_old_file_up(folder, keys):
    run(folder, **keys)
    raw = open(os.path.join(folder, "config.json"), "rb").read()
    code, out, _ = run(folder, force=True, **keys)
    assert code == 0 and "backed up to" in out
    backups = os.path.join(folder, "backups")
    assert [open(os.path.join(backups, n), "rb").read() for n in os.listdir(backups)] == [raw]


LLM_PROFILES = [
    {"id": "creative", "name": "OpenAI - Creative", "provider": "openai", "model": "gpt-4o", "temperature": 1.2},
    {"id": "claude", "name": "Claude", "provider_type": "anthropic", "model": "claude-3-5-sonnet-latest",
     "api_key": HOSTILE_KEY},
    {"id": "lm", "name": "LM Studio", "provider": "local_openai", "model": "qwen", "base_url": "http://127.0.0.1:1234/v1"},
]


def test_llm_profiles_json_list(folder):
    code, out, _ = run(folder, OPENAI_API_KEY=OPENAI, TRIPLO_LLM_PROFILES=json.dumps(LLM_PROFILES))
    assert code == 0
    settings = settings_of(folder)
    assert [p["id"] for p in settings["llm_profiles"]] == ["open_ai", "creative", "claude", "lm"]
    assert settings["active_llm_profile"] == "open_ai"
    assert secret(settings, "anthropic") == HOSTILE_KEY and HOSTILE_KEY not in json.dumps(settings)
    assert "4 profile(s)" in out


def test_llm_profiles_game_config_names_the_active_one(folder):
    doc = {"llm_config": {"default_profile_id": "claude"}, "llm_profiles": LLM_PROFILES,
           "characters": [{"id": "gm", "name": "Game Master", "ai_config": {"profile_id": "lm"}}]}
    code, _, _ = run(folder, OPENAI_API_KEY=OPENAI, TRIPLO_AI_SOURCE="open_ai", TRIPLO_VOICE_FEATURES="0",
                     TRIPLO_LLM_PROFILES=json.dumps(doc))
    assert code == 0
    settings = settings_of(folder)
    assert settings["active_llm_profile"] == "claude" and settings["ai_source"] == "anthropic"
    assert settings["anthropic_key"] == HOSTILE_KEY and settings["openai_key"] == ""
    assert settings["llm_roles"][0]["ai_config"]["profile_id"] == "lm"


@pytest.mark.parametrize("value, problem", [
    ('[{"id": "x", "provider": "openai", "model": "m"', "is not valid JSON"),
    ("42", "must be a JSON list of profiles or a game-config object"),
    ('[{"id": "x", "provider": "openai"}]', "llm_profiles[0].model: is required"),
    ('[{"id": "x", "provider": "skynet", "model": "m"}]', "Unknown provider 'skynet'"),
    ('[{"id": "x", "provider": "openai", "model": "m", "temperature": 9}]', "must be between 0 and 2"),
    ('{"llm_config": {"default_profile_id": "ghost"}, "llm_profiles": [{"id": "x", "provider": "openai", '
     '"model": "m"}]}', "No profile with id 'ghost'"),
    ('{"characters": [{"id": "gm", "ai_config": {"profile_id": "ghost"}}]}', "unknown profile id 'ghost'"),
])
def test_bad_llm_profiles_write_nothing(folder, value, problem):
    code, _, err = run(folder, OPENAI_API_KEY=OPENAI, TRIPLO_LLM_PROFILES=value)
    assert code == 2 and "TRIPLO_LLM_PROFILES" in err and problem in err
    assert not os.path.exists(folder)


def test_active_profile_whose_env_var_is_unset_writes_nothing(folder):
    value = '[{"id": "x", "provider": "openai", "model": "m", "api_key_ref": "UNSET_VAR_42_KEY"}]'
    code, _, err = run(folder, TRIPLO_LLM_PROFILES=value, WEBUI_KEY_REF_ALLOW="UNSET_VAR_42_KEY")
    assert code == 2 and "Environment variable UNSET_VAR_42_KEY is not set" in err
    assert not os.path.exists(folder)
    assert run(folder, TRIPLO_LLM_PROFILES=value, UNSET_VAR_42_KEY=OPENAI, WEBUI_KEY_REF_ALLOW="UNSET_VAR_42_KEY")[0] == 0
    assert settings_of(folder)["openai_key"] == OPENAI  # the desktop app needs it in plain


def test_bad_llm_profiles_with_force_keeps_the_old_file(folder):
    run(folder, OPENAI_API_KEY=OPENAI)
    raw = open(os.path.join(folder, "config.json"), "rb").read()
    code, _, err = run(folder, force=True, TRIPLO_LLM_PROFILES="{oops")
    assert code == 2 and "TRIPLO_LLM_PROFILES" in err
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw
    assert not os.path.exists(os.path.join(folder, "backups"))


GAME_YAML = """
llm_config:
  default_profile_id: gm
llm_profiles:
  - id: gm
    name: "Game \\"Master\\" ü"
    provider_type: openrouter
    model: anthropic/claude-3.5-sonnet
    api_key_ref: GM_KEY
  - id: npc
    name: NPC
    provider_type: google
    model: gemini-2.5-flash
characters:
  - {id: gm, name: Game Master, type: gm, ai_config: {profile_id: gm}}
  - {id: goblin, name: Goblin, ai_config: {profile_id: npc}}
campaign: {name: Eldoria}
"""


def test_llm_profiles_file_yaml_game_config(folder, tmp_path):
    path = tmp_path / "game.yaml"
    path.write_text(GAME_YAML, encoding="utf-8")
    code, out, _ = run(folder, GEMINI_API_KEY=GEMINI, GM_KEY=OPENROUTER, TRIPLO_VOICE_FEATURES="false",
                       WEBUI_KEY_REF_ALLOW="GM_KEY",
                       TRIPLO_LLM_PROFILES_FILE=str(path))
    assert code == 0, out
    settings = settings_of(folder)
    assert [p["id"] for p in settings["llm_profiles"]] == ["gemini", "gm", "npc"]
    assert settings["active_llm_profile"] == "gm" and settings["ai_source"] == "open_router"
    assert settings["openrouter_key"] == OPENROUTER  # read from GM_KEY (api_key_ref) for the desktop app
    assert {r["id"]: r["ai_config"]["profile_id"] for r in settings["llm_roles"]} == {"gm": "gm", "goblin": "npc"}
    assert settings["game_config"] == {"campaign": {"name": "Eldoria"}}


def test_missing_profiles_file_is_named(folder, tmp_path):
    code, _, err = run(folder, TRIPLO_LLM_PROFILES_FILE=str(tmp_path / "nope.yaml"))
    assert code == 2 and "TRIPLO_LLM_PROFILES_FILE" in err and "nope.yaml" in err
    assert not os.path.exists(folder)


def test_cli_seed(folder, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("TRIPLO_", "WEBUI_")) or name.endswith("_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRIPLO_CONFIG_DIR", folder)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC)
    assert cli.main(["seed"]) == 0
    assert "1 profile(s): Anthropic" in capsys.readouterr().out
    assert os.path.exists(os.path.join(folder, "webui.key"))
    assert cli.main(["seed"]) == 0 and "skipped" in capsys.readouterr().out
    assert cli.main(["seed", "--force"]) == 0 and "backed up" in capsys.readouterr().out


@pytest.mark.parametrize("source, key_env, key, model_env, model", [
    ("anthropic", "ANTHROPIC_API_KEY", ANTHROPIC, None, PROVIDERS["anthropic"]["defaults"]["model"]),
    ("anthropic", "ANTHROPIC_API_KEY", ANTHROPIC, "gpt-4o", PROVIDERS["anthropic"]["defaults"]["model"]),
    ("anthropic", "ANTHROPIC_API_KEY", ANTHROPIC, "claude-3-opus-20240229", "claude-3-opus-20240229"),
    ("open_ai", "OPENAI_API_KEY", OPENAI, None, "gpt-4o-mini"),
    ("openrouter", "OPENROUTER_API_KEY", OPENROUTER, "gpt-4o", PROVIDERS["open_router"]["defaults"]["model"]),
])
def test_the_seeded_active_profile_gets_a_model_of_its_provider(folder, source, key_env, key, model_env, model):
    env = {"TRIPLO_AI_SOURCE": source, key_env: key}
    if model_env:
        env["TRIPLO_OPENAI_MODEL"] = model_env
    code, out, err = run(folder, **env)
    assert code == 0, err
    settings = settings_of(folder)
    active = next(p for p in settings["llm_profiles"] if p["id"] == settings["active_llm_profile"])
    assert active["model"] == model and settings["openai_model"] == model  # the desktop app runs that model
