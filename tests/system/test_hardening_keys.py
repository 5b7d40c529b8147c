"""Issue 24, items 5-7: a stored key goes only to the URL it was stored for (three bypasses of last round's fix),
export carries no secret, and api_key_ref names only the providers' own variables (or WEBUI_KEY_REF_ALLOW's)."""

import pytest

from tests.integration.api_client import tc  # noqa: F401  (fixture)
from tests.system.test_hardening_input import P, _edit_config

pytestmark = pytest.mark.system

STORED_KEY = "sk-test-boundtoitsownurl0001"


# ---- item 5: a credential is bound to the base URL it was stored for ----------------------------------------

def test_item5a_a_profile_saved_at_another_host_does_not_take_the_stored_key_there(tc, fake_provider):
    evil = fake_provider("open_ai", models=["gpt-4o"])
    tc.create_profile(api_key=STORED_KEY)  # stored for OpenAI's own URL
    moved = tc.create_profile(name="Moved", api_key=..., base_url=evil.base_url)  # no key typed
    test = tc.post(f"{P}/{moved['id']}/test")
    assert test.status == 200 and test.body["ok"] is False and "enter the key" in test.body["error"], test.text
    models = tc.get(f"{P}/{moved['id']}/models")
    assert models.status == 400 and "enter the key" in models.text, models.text
    assert evil.requests == []  # the stored key never left
    # Typed again for that URL, it goes there (and still to its first one).
    tc.patch(f"{P}/{moved['id']}", {"api_key": STORED_KEY})
    assert tc.get(f"{P}/{moved['id']}/models").status == 200
    assert evil.last("models").headers["authorization"] == f"Bearer {STORED_KEY}"


def test_item5b_a_form_naming_another_providers_credential_gets_no_stored_key(tc, fake_provider):
    evil = fake_provider("custom")
    tc.create_profile(api_key=STORED_KEY)
    for path in ("/api/llm/models", "/api/llm/test"):
        reply = tc.post(path, {"provider": "custom", "credential_id": "open_ai", "model": "m",
                               "base_url": evil.base_url})
        assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
        assert "enter the key" in reply.body["fields"]["api_key"]
        # without a server address nothing is tried at all (not even the old default, localhost:1234): refused
        # for the address or for the key, whichever the route checks first
        reply = tc.post(path, {"provider": "custom", "credential_id": "open_ai", "model": "m"})
        assert reply.status == 400 and {"base_url", "api_key"} & set(reply.body["fields"]), reply.text
    assert evil.requests == []


def test_item5c_ollama_url_set_through_the_config_api_gets_no_stored_key(tc, fake_provider):
    evil = fake_provider("ollama")
    tc.create_profile(api_key=STORED_KEY)
    assert tc.post("/api/config", {"settings": {"ollama_url": evil.url}}, params={"restart": "false"}).status == 200
    for path in ("/api/llm/models", "/api/llm/test"):
        reply = tc.post(path, {"provider": "ollama", "credential_id": "open_ai", "model": "qwen2"})
        assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    assert evil.requests == []


def test_item5_a_hand_edited_profile_url_gets_no_stored_key_at_call_time(app, tc, fake_provider):
    evil = fake_provider("open_ai")
    profile = tc.create_profile(api_key=STORED_KEY)
    _edit_config(app, lambda s: s["llm_profiles"][0].update(base_url=evil.base_url))
    reply = tc.post(f"{P}/{profile['id']}/test")
    assert reply.body["ok"] is False and "enter the key" in reply.body["error"], reply.text
    assert evil.requests == []


# ---- item 7: api_key_ref names only the providers' variables -------------------------------------------------

def test_item7_api_key_ref_to_a_license_key_is_refused_naming_it(tc):
    reply = tc.post(P, {"name": "Lic", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": "TRIPLO_LICENSE_KEY"})
    assert reply.status == 400 and "TRIPLO_LICENSE_KEY" in reply.body["fields"]["api_key_ref"], reply.text
    assert "WEBUI_KEY_REF_ALLOW" in reply.body["fields"]["api_key_ref"]


def test_item7_a_hand_edited_license_key_ref_is_never_sent(app, tc, fake_provider, monkeypatch):
    monkeypatch.setenv("TRIPLO_LICENSE_KEY", "LIC-planted-0000-1111")
    fake = fake_provider("open_ai")
    profile = tc.create_profile(base_url=fake.base_url)
    _edit_config(app, lambda s: s["llm_profiles"][0].update(api_key_ref="TRIPLO_LICENSE_KEY"))
    reply = tc.post(f"{P}/{profile['id']}/test")
    assert reply.body["ok"] is False and "TRIPLO_LICENSE_KEY" in reply.body["error"], reply.text
    assert fake.requests == []
