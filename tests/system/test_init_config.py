"""init-config.sh as the container runs it: a real shell, a temp HOME, hostile environment values."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from webui.core.config import credentials
from webui.core.storage.vault import Vault

pytestmark = pytest.mark.system

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "init-config.sh")
HOSTILE = 'sk-"dq" \'sq\' \\back\\\\slash\nnew line ünïcødé 🔑 $(rm -rf /) `id` ${HOME} %s & | ; -a1b2'
OPENROUTER = "sk-or-v1-init-config-000000009999"


def run_script(home, *args, **extra):
    """Run init-config.sh with only the variables given (plus PATH, HOME and the interpreter)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "WEBUI_PYTHON": os.environ.get("WEBUI_PYTHON", sys.executable)}
    env.update(extra)
    return subprocess.run(["bash", SCRIPT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def folder_of(home):
    return os.path.join(str(home), ".config", "Triplo AI")  # the default, with its space


def load(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


def vault_of(folder):
    with open(os.path.join(folder, "webui.key"), "rb") as handle:
        return Vault(Fernet(handle.read()))


@pytest.fixture(autouse=True)
def script_present():
    if not os.path.exists(SCRIPT):
        pytest.fail("init-config.sh is missing at the top level of the checkout")


def test_hostile_values_in_default_folder_then_skip_then_force(tmp_path):
    home = tmp_path / "home dir"
    home.mkdir()
    env = {"OPENAI_API_KEY": HOSTILE, "OPENROUTER_API_KEY": OPENROUTER, "TRIPLO_AI_SOURCE": "openrouter",
           "TRIPLO_CUSTOM_TRIGGER": HOSTILE.replace("sk-", "trigger-"), "TRIPLO_LICENSE_KEY": "LIC\"\\\n€",
           "TRIPLO_PROMPT_LANG": "日本語 \"quoted\"", "TRIPLO_VOICE_FEATURES": "yes", "TRIPLO_PINNED": "0",
           "TRIPLO_TEMPERATURE": "0.8"}
    first = run_script(home, **env)
    assert first.returncode == 0, first.stderr
    assert HOSTILE not in first.stdout + first.stderr and OPENROUTER not in first.stdout + first.stderr
    folder = folder_of(home)
    data = load(folder)
    settings = data["settings"]
    assert settings["custom_trigger"] == env["TRIPLO_CUSTOM_TRIGGER"]
    assert settings["license_key"] == env["TRIPLO_LICENSE_KEY"]
    assert settings["prompt_lang"] == env["TRIPLO_PROMPT_LANG"]
    assert (settings["pinned"], settings["voice"], settings["temperature"]) == (False, True, 0.8)
    assert settings["active_llm_profile"] == "open_router" and settings["ai_source"] == "open_router"
    vault = vault_of(folder)
    assert credentials.plaintext(settings, "open_ai", "api_key", vault) == HOSTILE
    assert credentials.plaintext(settings, "open_router", "api_key", vault) == OPENROUTER
    assert settings["openrouter_key"] == OPENROUTER and settings["openai_key"] == HOSTILE  # voice uses it
    for name in ("config.json", "webui.key"):
        assert os.stat(os.path.join(folder, name)).st_mode & 0o777 == 0o600
    raw = open(os.path.join(folder, "config.json"), "rb").read()

    second = run_script(home, ANTHROPIC_API_KEY="sk-ant-second-run-0000")
    assert second.returncode == 0 and "skipped" in second.stdout
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw

    forced = run_script(home, "--force", ANTHROPIC_API_KEY="sk-ant-forced-run-0000")
    assert forced.returncode == 0, forced.stderr
    backups = os.path.join(folder, "backups")
    assert [open(os.path.join(backups, n), "rb").read() for n in os.listdir(backups)] == [raw]
    assert os.stat(backups).st_mode & 0o777 == 0o700
    assert [p["id"] for p in load(folder)["settings"]["llm_profiles"]] == ["anthropic"]


def test_config_dir_variable_and_bad_profiles_write_nothing(tmp_path):
    folder = tmp_path / "custom cfg"
    bad = run_script(tmp_path, TRIPLO_CONFIG_DIR=str(folder), OPENAI_API_KEY=HOSTILE,
                     TRIPLO_LLM_PROFILES='[{"id": "x", "provider": "openai", "model": ')
    assert bad.returncode == 2 and "TRIPLO_LLM_PROFILES" in bad.stderr and "not valid JSON" in bad.stderr
    assert not folder.exists() and HOSTILE not in bad.stderr
    good = run_script(tmp_path, TRIPLO_CONFIG_DIR=str(folder),
                      TRIPLO_LLM_PROFILES=json.dumps([{"id": "lm", "name": "LM \"Studio\"", "provider": "local_openai",
                                                       "model": "qwen", "base_url": "http://127.0.0.1:1234/v1"}]))
    assert good.returncode == 0, good.stderr
    settings = load(str(folder))["settings"]
    assert settings["llm_profiles"][0]["name"] == 'LM "Studio"'
    assert (settings["ai_source"], settings["ollama_url"]) == ("ollama", "http://127.0.0.1:1234/v1")
