"""ConfigService and the profile use cases: validation on save, projection, masking, lost keys."""

import copy
import json
import os

import pytest

from webui.core.config import credentials

from webui.core.config import profile_ops
from webui.errors import Conflict, DesktopError, SecretUnreadable, ValidationFailed

from .core_helpers import HOSTILE_KEY, env_with_key, read_config, service, write_config

OPENAI, ANTHROPIC = "sk-proj-service-0000000000aa11", "sk-ant-service.0000bb22"


@pytest.fixture
def folder(tmp_path):
    return str(tmp_path / "cfg")


@pytest.fixture
def svc(folder):
    return service(folder)


def add(svc, **payload):
    return profile_ops.create_profile(svc, payload, restart=False)[0]


@pytest.fixture
def two(svc):
    """OpenAI (active) and Anthropic profiles with stored keys; voice off so the plaintext rule is strict."""
    svc.mutate(lambda s: s.update(voice=False), restart=False)
    a = add(svc, id="oa", name="OpenAI", provider="openai", model="gpt-4o", api_key=OPENAI, temperature=0.9)
    b = add(svc, id="an", name="Claude", provider_type="anthropic", model="claude-3-5-haiku-latest", api_key=ANTHROPIC)
    return a, b


def test_first_profile_becomes_active_and_is_projected(svc, folder, two):
    a, b = two
    assert a["active"] is True and b["active"] is False
    assert a["credential"]["api_key"] == {"set": True, "hint": "sk-proj-…aa11"}
    saved = read_config(folder)["settings"]
    assert (saved["ai_source"], saved["openai_key"], saved["openai_model"], saved["temperature"]) == \
        ("open_ai", OPENAI, "gpt-4o", 0.9)
    assert saved["anthropic_key"] == "" and ANTHROPIC not in json.dumps(saved)
    assert saved["multi_provider_enabled"] is True


def test_an_invalid_active_profile_is_never_written(svc, folder, two):
    raw = open(os.path.join(folder, "config.json"), "rb").read()

    def break_active(settings):
        settings["llm_profiles"][0]["temperature"] = 5

    with pytest.raises(ValidationFailed) as info:
        svc.mutate(break_active)
    assert info.value.fields == {"temperature": "must be between 0 and 2 for OpenAI"}
    assert "OpenAI" in info.value.message
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw


def test_activate_projects_and_reports_restart_outcome(svc, folder, two):
    view, desktop, _ = profile_ops.activate_profile(svc, "an")
    assert view["active"] is True and desktop["result"] == "skipped"
    saved = read_config(folder)["settings"]
    assert (saved["ai_source"], saved["anthropic_key"], saved["openai_key"]) == ("anthropic", ANTHROPIC, "")
    assert saved["openai_model"] == "claude-3-5-haiku-latest"


def test_voice_keeps_the_openai_key(svc, folder, two):
    svc.mutate(lambda s: s.update(voice=True), restart=False)
    profile_ops.activate_profile(svc, "an", restart=False)
    saved = read_config(folder)["settings"]
    assert (saved["anthropic_key"], saved["openai_key"]) == (ANTHROPIC, OPENAI)


def test_gemini_activation_is_refused_and_changes_nothing(svc, folder, two):
    add(svc, id="gem", name="Gemini", provider="google", model="gemini-2.5-flash", api_key="AIza-service-0000cc33")
    raw = open(os.path.join(folder, "config.json"), "rb").read()
    with pytest.raises(DesktopError) as info:
        profile_ops.activate_profile(svc, "gem")
    assert "cannot drive the Triplo desktop app" in info.value.message
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw


def test_restart_only_when_desktop_fields_change(svc, two):
    class Recorder:
        calls = 0

        def restart(self):
            Recorder.calls += 1
            return {"result": "restarted", "pid": 42}

    svc.desktop = Recorder()
    _, desktop, _ = profile_ops.reorder_profiles(svc, ["an", "oa"])
    assert desktop is None and Recorder.calls == 0  # only web UI keys changed
    _, desktop, _ = svc.mutate(lambda s: s.update(custom_hotkey="Alt+Space"))
    assert desktop == {"result": "restarted", "pid": 42}


def test_stale_revision_is_a_conflict(svc, two):
    _, revision = svc.settings()
    profile_ops.reorder_profiles(svc, ["an", "oa"])
    with pytest.raises(Conflict):
        profile_ops.reorder_profiles(svc, ["oa", "an"], revision=revision)
    settings, _ = svc.settings()
    assert [p["id"] for p in settings["llm_profiles"]] == ["an", "oa"]


def test_duplicate(svc, two):
    view, _ = profile_ops.duplicate_profile(svc, "oa")
    assert view["id"] not in ("oa", "an") and view["name"] == "OpenAI (copy)" and view["active"] is False
    assert view["model"] == "gpt-4o" and view["credential"]["api_key"]["set"] is True  # shares the credential
    settings, _ = svc.settings()
    assert [p["id"] for p in settings["llm_profiles"]] == ["oa", view["id"], "an"]
    again, _ = profile_ops.duplicate_profile(svc, "oa")
    assert again["name"] == "OpenAI (copy) (2)"


def test_deleting_the_active_profile(svc, folder, two):
    with pytest.raises(Conflict) as info:
        profile_ops.delete_profile(svc, "oa")
    assert "active" in info.value.message
    profile_ops.delete_profile(svc, "oa", new_active="an", restart=False)
    saved = read_config(folder)["settings"]
    assert [p["id"] for p in saved["llm_profiles"]] == ["an"] and saved["active_llm_profile"] == "an"
    assert saved["ai_source"] == "anthropic" and saved["openai_key"] == ""


def test_unknown_keys_survive_a_service_save(svc, folder):
    settings = {"ai_source": "open_ai", "vendor_future": {"a": [1, None, "ü"]}, "llm_profiles": [],
                "provider_credentials": {"open_ai": {"api_key": None, "note": "kept"}}}
    write_config(folder, settings, futureTop={"keep": True}, version="7.0")
    before = read_config(folder)
    profile_ops.set_credential(svc, "open_ai", {"api_key": OPENAI}, restart=False)
    after = read_config(folder)
    assert after["futureTop"] == before["futureTop"] and after["version"] == "7.0"
    assert after["settings"]["vendor_future"] == before["settings"]["vendor_future"]
    assert after["settings"]["provider_credentials"]["open_ai"]["note"] == "kept"


def test_lost_key_gives_needs_reentry_and_reentering_heals(folder, two):
    lost = service(folder, env_with_key())  # a different key: every stored secret is unreadable now
    view = lost.config_view()
    creds = view["settings"]["provider_credentials"]
    assert creds["open_ai"]["api_key"] == {"set": True, "hint": None, "needs_reentry": True}
    assert view["active_profile"]["credential"]["api_key"]["needs_reentry"] is True
    settings, _ = lost.settings()
    with pytest.raises(SecretUnreadable):
        credentials.resolve_key(settings, view["active_profile"], lost.vault)
    profile_ops.set_credential(lost, "open_ai", {"api_key": "sk-proj-reentered-00000dd44"}, restart=False)
    healed = lost.config_view()["settings"]["provider_credentials"]["open_ai"]["api_key"]
    assert healed == {"set": True, "hint": "sk-proj-…dd44"}
    assert read_config(folder)["settings"]["openai_key"] == "sk-proj-reentered-00000dd44"


def test_config_view_masks_every_secret(svc, two):
    svc.mutate(lambda s: s.update(license_key="LIC-0000-1111-2222", llm_key="abcd-efgh-ijkl-mnop"), restart=False)
    view = svc.config_view()
    text = json.dumps(view)
    for secret in (OPENAI, ANTHROPIC, "LIC-0000-1111-2222", "abcd-efgh-ijkl-mnop"):
        assert secret not in text
    assert view["settings"]["openai_key"] == {"set": True, "hint": "sk-proj-…aa11"}
    assert view["active_profile"]["id"] == "oa" and view["revision"]


def test_hostile_key_through_the_service(svc, folder):
    add(svc, id="h", name="Hostile", provider="openai", model="gpt-4o", api_key=HOSTILE_KEY)
    settings, _ = svc.settings()
    assert credentials.plaintext(settings, "open_ai", "api_key", svc.vault) == HOSTILE_KEY
    assert read_config(folder)["settings"]["openai_key"] == HOSTILE_KEY


def test_legacy_config_is_served_as_profiles_without_writing(folder):
    legacy = {"ai_source": "anthropic", "anthropic_key": ANTHROPIC, "openai_model": "claude-3-opus", "voice": False}
    raw = write_config(folder, copy.deepcopy(legacy))
    svc = service(folder)
    settings, revision = svc.settings()
    assert settings["active_llm_profile"] == "anthropic" and revision
    assert open(os.path.join(folder, "config.json"), "rb").read() == raw
