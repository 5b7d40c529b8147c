"""The configuration JSON API (SPEC §5): every endpoint's happy path and its errors, test client and real HTTP."""

import json
import re

import pytest

from tests.app_fixtures import make_app
from tests.integration.api_client import Api, http, tc  # noqa: F401  (fixtures)
from tests.loopback import free_port

P = "/api/llm/profiles"


def _stored(app):
    """config.json as on disk."""
    svc = app.extensions["triplo"].config
    with open(svc.store.path, encoding="utf-8") as handle:
        return json.load(handle)


def _plain(app, credential_id, field="api_key"):
    """A stored secret, decrypted (the test's way to see what was kept)."""
    svc = app.extensions["triplo"].config
    return svc.vault.decrypt(_stored(app)["settings"]["provider_credentials"][credential_id][field])


# ---- GET/POST /api/config --------------------------------------------------------------------------------

def test_config_get_masks_secrets_and_sends_revision(http):
    http.create_profile(api_key="sk-test-abcdefghijklmnop1234")
    reply = http.get("/api/config")
    assert reply.status == 200
    assert reply.headers["ETag"] == f'"{reply.body["revision"]}"'
    creds = reply.body["settings"]["provider_credentials"]["open_ai"]
    assert creds["api_key"] == {"set": True, "hint": "sk-…1234"}
    assert reply.body["settings"]["openai_key"]["set"] is True  # projected legacy field, masked too
    assert reply.body["active_profile"]["name"] == "OpenAI"
    assert "abcdefghijklmnop" not in reply.text


def test_config_post_partial_merge_keeps_everything_else(http, app):
    http.create_profile()
    before = http.get("/api/config").body
    reply = http.post("/api/config", {"settings": {"sound": False, "yt_lang": "de"}}, params={"restart": "false"})
    assert reply.status == 200, reply.text
    assert reply.body["desktop"]["result"] == "skipped" and "restart=false" in reply.body["desktop"]["message"]
    settings = _stored(app)["settings"]
    assert settings["sound"] is False and settings["yt_lang"] == "de"
    assert settings["llm_profiles"] == before["settings"]["llm_profiles"]
    assert reply.headers["ETag"] == f'"{reply.body["revision"]}"' != f'"{before["revision"]}"'


def test_config_post_round_trip_of_masked_get_keeps_secrets(http, app):
    http.create_profile(api_key="sk-test-keepmekeepme0001")
    http.post("/api/config", {"settings": {"license_key": "LIC-123456789012"}})
    view = http.get("/api/config").body
    reply = http.post("/api/config", view)  # the whole GET answer sent back, masks and all
    assert reply.status == 200, reply.text
    assert _plain(app, "open_ai") == "sk-test-keepmekeepme0001"
    assert _stored(app)["settings"]["license_key"] == "LIC-123456789012"


def test_config_post_legacy_key_sets_the_provider_credential(http, app):
    reply = http.post("/api/config", {"settings": {"anthropic_key": "sk-ant-legacy000000000001"}})
    assert reply.status == 200, reply.text
    assert _plain(app, "anthropic") == "sk-ant-legacy000000000001"
    assert reply.body["settings"]["provider_credentials"]["anthropic"]["api_key"]["set"] is True


@pytest.mark.parametrize("settings, field", [
    ({"multi_provider_enabled": "yes"}, "multi_provider_enabled"),
    ({"llm_profiles": {}}, "llm_profiles"),
    ({"active_llm_profile": "nope"}, "active_llm_profile"),
    ({"llm_profiles": [{"name": "X", "provider": "open_ai", "model": "m", "api_key": "sk-test-00000000000000",
                        "temperature": 5}]}, "llm_profiles[0].temperature"),
    ({"provider_credentials": {"ollama": {"url": "ftp://x"}}}, "provider_credentials.ollama.url"),
])
def test_config_post_validation(tc, settings, field):
    reply = tc.post("/api/config", {"settings": settings})
    assert reply.status == 400, reply.text
    assert reply.body["error"] == "validation_failed" and field in reply.body["fields"]


def test_config_post_rejects_wrong_typed_desktop_settings(tc):
    """The desktop-settings schema judges POST /api/config as it judges the settings tabs; nothing is saved."""
    before = tc.get("/api/config").body["settings"]
    reply = tc.post("/api/config", {"settings": {"voice_tts_speed": "fast", "color_scheme": 42, "sound": "yes",
                                                 "window_width": "huge", "yt_lang": "de"}})
    assert reply.status == 400, reply.text
    assert reply.body["error"] == "validation_failed"
    assert set(reply.body["fields"]) == {"voice_tts_speed", "color_scheme", "sound", "window_width"}
    after = tc.get("/api/config").body["settings"]
    assert (after["voice_tts_speed"], after["color_scheme"], after["yt_lang"]) == \
        (before["voice_tts_speed"], before["color_scheme"], before["yt_lang"])


def test_config_post_needs_settings(tc):
    reply = tc.post("/api/config", {"sound": False})
    assert reply.status == 400 and "settings" in reply.body["fields"]


def test_config_post_stale_revision_is_409_by_header_and_by_field(http):
    http.post("/api/config", {"settings": {"sound": True}})
    rev = http.get("/api/config").body["revision"]
    http.post("/api/config", {"settings": {"sound": False}})
    by_header = http.post("/api/config", {"settings": {"sound": True}}, headers={"If-Match": f'"{rev}"'})
    by_field = http.post("/api/config", {"settings": {"sound": True}, "revision": rev})
    assert by_header.status == by_field.status == 409
    assert by_header.body["error"] == "conflict"
    fresh = http.get("/api/config").headers["ETag"]
    assert http.post("/api/config", {"settings": {"sound": True}}, headers={"If-Match": fresh}).status == 200


# ---- status, catalog ----------------------------------------------------------------------------------------

def test_status_reports_desktop_and_active_profile(http):
    reply = http.get("/api/status")
    assert reply.status == 200
    assert reply.body["desktop"]["state"] == "unreachable" and reply.body["active_profile"] is None
    profile = http.create_profile()
    summary = http.get("/api/status").body["active_profile"]
    assert summary == {"id": profile["id"], "name": "OpenAI", "provider": "open_ai", "model": "gpt-4o"}


def test_providers_catalog(http):
    reply = http.get("/api/llm/providers")
    ids = [p["id"] for p in reply.body["providers"]]
    assert ids == ["open_ai", "open_router", "anthropic", "gemini", "ollama", "custom"]
    anthropic = reply.body["providers"][2]
    assert anthropic["params"]["presence_penalty"]["supported"] is False
    assert anthropic["params"]["temperature"]["max"] == 1


# ---- profiles CRUD -----------------------------------------------------------------------------------------

def test_profile_create_get_list(http):
    reply = http.post(P, {"name": "Creative", "provider": "openai", "model": "gpt-4o", "temperature": 1.2,
                          "api_key": "sk-test-create0000000000001"})
    assert reply.status == 201, reply.text
    profile = reply.body["profile"]
    assert reply.headers["Location"].endswith(f"{P}/{profile['id']}")
    assert profile["provider"] == "open_ai" and profile["active"] is True
    assert profile["credential"]["api_key"] == {"set": True, "hint": "sk-…0001"}
    assert "api_key" not in profile
    one = http.get(f"{P}/{profile['id']}")
    assert one.status == 200 and one.body["profile"]["temperature"] == 1.2
    assert one.headers["ETag"] == f'"{one.body["revision"]}"'
    http.create_profile(name="Second", model="gpt-4o-mini")
    listing = http.get(P).body
    assert [p["name"] for p in listing["profiles"]] == ["Creative", "Second"]
    assert listing["active_llm_profile"] == profile["id"] and listing["multi_provider_enabled"] is True


@pytest.mark.parametrize("payload, field", [
    ({"name": "A", "provider": "open_ai", "model": "m", "temperature": 3}, "temperature"),
    ({"name": "A", "provider": "open_ai", "model": "m"}, "api_key"),
    ({"name": "A", "provider": "anthropic", "model": "m", "api_key": "sk-ant-000000000000", "presence_penalty": 1},
     "presence_penalty"),
    ({"name": "A", "provider": "nope", "model": "m"}, "provider"),
    ({"name": "", "provider": "ollama", "model": "m", "url": "http://127.0.0.1:1"}, "name"),
    ({"name": "A", "provider": "custom", "model": "m"}, "base_url"),
])
def test_profile_create_validation(tc, payload, field):
    reply = tc.post(P, payload)
    assert reply.status == 400, reply.text
    assert reply.body["error"] == "validation_failed" and field in reply.body["fields"]


def test_profile_unknown_id_is_404_naming_it(http):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        reply = http.call(method, f"{P}/ghost-42", {"model": "x"} if method in ("PUT", "PATCH") else None)
        assert reply.status == 404, (method, reply.text)
        assert "ghost-42" in reply.body["message"]
    for path in (f"{P}/ghost-42/duplicate", f"{P}/ghost-42/test"):
        assert http.post(path).status == 404
    assert http.get(f"{P}/ghost-42/models").status == 404


def test_put_and_patch_keep_the_stored_secret(http, app):
    profile = http.create_profile(api_key="sk-test-storedkey0000000099")
    patched = http.patch(f"{P}/{profile['id']}", {"temperature": 0.3})
    assert patched.status == 200, patched.text
    assert patched.body["profile"]["temperature"] == 0.3 and patched.body["profile"]["model"] == "gpt-4o"
    put = http.put(f"{P}/{profile['id']}", {"name": "Renamed", "provider": "open_ai", "model": "gpt-4o-mini"})
    assert put.status == 200, put.text
    assert put.body["profile"]["temperature"] is None  # PUT replaces: what it omits is unset
    assert _plain(app, "open_ai") == "sk-test-storedkey0000000099"
    # a GET answer sent back (masked credential included) changes nothing secret
    back = http.put(f"{P}/{profile['id']}", http.get(f"{P}/{profile['id']}").body)
    assert back.status == 200, back.text
    assert _plain(app, "open_ai") == "sk-test-storedkey0000000099"


def test_patch_validation_and_stale_revision(http):
    profile = http.create_profile()
    bad = http.patch(f"{P}/{profile['id']}", {"top_p": 7})
    assert bad.status == 400 and "top_p" in bad.body["fields"]
    rev = http.get(P).body["revision"]
    http.patch(f"{P}/{profile['id']}", {"temperature": 0.1})
    stale = http.patch(f"{P}/{profile['id']}", {"temperature": 0.2}, headers={"If-Match": f'"{rev}"'})
    assert stale.status == 409
    stale_field = http.patch(f"{P}/{profile['id']}", {"temperature": 0.2, "revision": rev})
    assert stale_field.status == 409
    assert "revision" not in http.get(f"{P}/{profile['id']}").body["profile"]


def test_delete_active_needs_another(http):
    first = http.create_profile()
    second = http.create_profile(name="Other")
    refused = http.delete(f"{P}/{first['id']}")
    assert refused.status == 409 and refused.body["error"] == "conflict"
    ok = http.delete(f"{P}/{first['id']}", params={"new_active_id": second["id"]})
    assert ok.status == 200 and ok.body["deleted"] == first["id"]
    assert http.get(P).body["active_llm_profile"] == second["id"]
    third = http.create_profile(name="Third")
    by_body = http.delete(f"{P}/{second['id']}", {"new_active_id": third["id"]})
    assert by_body.status == 200
    assert [p["id"] for p in http.get(P).body["profiles"]] == [third["id"]]


def test_delete_inactive_profile(http):
    http.create_profile()
    other = http.create_profile(name="Other")
    assert http.delete(f"{P}/{other['id']}").status == 200
    assert http.get(f"{P}/{other['id']}").status == 404


def test_duplicate_and_reorder(http):
    first = http.create_profile(name="Alpha")
    second = http.create_profile(name="Beta")
    dup = http.post(f"{P}/{first['id']}/duplicate")
    assert dup.status == 201, dup.text
    copy = dup.body["profile"]
    assert copy["name"] == "Alpha (copy)" and copy["id"] != first["id"] and copy["active"] is False
    assert dup.headers["Location"].endswith(copy["id"])
    assert [p["name"] for p in http.get(P).body["profiles"]] == ["Alpha", "Alpha (copy)", "Beta"]
    order = [second["id"], first["id"], copy["id"]]
    reply = http.post(f"{P}/reorder", {"order": order})
    assert reply.status == 200 and [p["id"] for p in reply.body["profiles"]] == order
    assert http.post(f"{P}/reorder", {"order": order[:2]}).status == 400
    assert http.post(f"{P}/reorder", {"order": [*order[:2], "ghost"]}).status == 404
    assert http.post(f"{P}/reorder", {"order": "nope"}).status == 400


# ---- activation and restart ----------------------------------------------------------------------------------

def test_activate(http):
    http.create_profile()
    other = http.create_profile(name="Other", model="gpt-4o-mini")
    reply = http.post("/api/llm/profile/activate", {"id": other["id"]})
    assert reply.status == 200, reply.text
    assert reply.body["profile"]["active"] is True
    assert reply.body["desktop"]["result"] == "skipped"  # no supervisor here, and it says so
    assert http.get("/api/status").body["active_profile"]["id"] == other["id"]
    assert http.get("/api/config").body["settings"]["openai_model"] == "gpt-4o-mini"


def test_activate_errors(tc):
    gemini = tc.create_profile(name="G", provider="gemini", model="gemini-2.5-flash", api_key="AIza-test-000000000")
    refused = tc.post("/api/llm/profile/activate", {"id": gemini["id"]})
    assert refused.status == 400 and refused.body["error"] == "desktop_error"
    assert "Gemini" in refused.body["message"]
    assert tc.post("/api/llm/profile/activate", {}).status == 400
    missing = tc.post("/api/llm/profile/activate", {"id": "ghost"})
    assert missing.status == 404 and "ghost" in missing.body["message"]


@pytest.mark.parametrize("command, status, result", [("true", 200, "restarted"), ("false", 502, "failed")])
def test_restart_reports_the_real_outcome(tmp_path, command, status, result):
    app = make_app(tmp_path, TRIPLO_RESTART_COMMAND=command)
    api = Api(app)
    reply = api.post("/api/restart")
    assert reply.status == status, reply.text
    assert reply.body["desktop"]["result"] == result
    if status == 502:
        assert reply.body["error"] == "restart_failed" and "exited with code" in reply.body["message"]
    profile = api.create_profile()
    activated = api.post("/api/llm/profile/activate", {"id": profile["id"]})
    assert activated.status == 200 and activated.body["desktop"]["result"] == result
    skipped = api.post("/api/llm/profile/activate", {"id": profile["id"]}, params={"restart": "false"})
    assert skipped.body["desktop"]["result"] == "skipped"


def test_restart_without_supervisor_is_skipped(http):
    reply = http.post("/api/restart")
    assert reply.status == 200 and reply.body["desktop"]["result"] == "skipped"
    assert "not restarted" in reply.body["desktop"]["message"]


# ---- credentials -----------------------------------------------------------------------------------------

def test_credentials_set_list_delete(http, app):
    reply = http.put("/api/llm/credentials/open_router", {"api_key": "sk-or-v1-test000000000000abcd"})
    assert reply.status == 200, reply.text
    assert reply.body["credential"]["api_key"] == {"set": True, "hint": "sk-or-v1-…abcd"}
    listing = http.get("/api/llm/credentials")
    assert listing.body["credentials"]["open_router"]["api_key"]["hint"] == "sk-or-v1-…abcd"
    assert listing.headers["ETag"] == f'"{listing.body["revision"]}"'
    assert "test000000000000" not in listing.text
    kept = http.put("/api/llm/credentials/open_router", {"api_key": {"set": True, "hint": "sk-or-v1-…abcd"}})
    assert kept.status == 200 and _plain(app, "open_router") == "sk-or-v1-test000000000000abcd"
    ollama = http.put("/api/llm/credentials/ollama", {"url": "http://127.0.0.1:11434/", "token": "tok-0000000000000"})
    assert ollama.body["credential"]["url"] == "http://127.0.0.1:11434"
    assert ollama.body["credential"]["token"]["set"] is True
    assert http.delete("/api/llm/credentials/open_router").status == 200
    assert "open_router" not in http.get("/api/llm/credentials").body["credentials"]


def test_credential_errors(tc):
    assert tc.put("/api/llm/credentials/bad id!", {"api_key": "x"}).status in (400, 404)
    bad = tc.put("/api/llm/credentials/ollama", {"url": "not a url"})
    assert bad.status == 400 and "url" in bad.body["fields"]
    missing = tc.delete("/api/llm/credentials/ghost")
    assert missing.status == 404 and "ghost" in missing.body["message"]
    tc.create_profile()
    needed = tc.delete("/api/llm/credentials/open_ai")
    assert needed.status == 400 and "api_key" in needed.body["fields"]


# ---- model lists and connection tests (fake providers on loopback) ---------------------------------------

def test_profile_models_cached_and_refreshed(http, fake_provider):
    fake = fake_provider("open_ai", required_key="sk-test-fakeprovider000001", models=["m-one", "m-two"])
    profile = http.create_profile(base_url=fake.base_url, api_key="sk-test-fakeprovider000001")
    first = http.get(f"{P}/{profile['id']}/models")
    assert first.status == 200, first.text
    assert first.body["models"] == ["m-one", "m-two"]
    assert fake.last("models").headers["authorization"] == "Bearer sk-test-fakeprovider000001"
    http.get(f"{P}/{profile['id']}/models")
    assert fake.count("models") == 1  # served from the 5-minute cache
    http.get(f"{P}/{profile['id']}/models", params={"refresh": "1"})
    assert fake.count("models") == 2


def test_form_models_use_given_or_stored_key(http, fake_provider):
    fake = fake_provider("open_ai", models=["form-model"])
    given = http.post("/api/llm/models", {"provider": "openai", "base_url": fake.base_url,
                                          "api_key": "sk-test-typedintheform00001"})
    assert given.status == 200 and given.body["models"] == ["form-model"]
    assert fake.last("models").headers["authorization"] == "Bearer sk-test-typedintheform00001"
    # a stored key goes only to the base URL it is stored for (issue 15 item 2): a profile saved with that URL
    http.create_profile(base_url=fake.base_url, api_key="sk-test-storedcredential01")
    stored = http.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url, "refresh": True})
    assert stored.status == 200
    assert fake.last("models").headers["authorization"] == "Bearer sk-test-storedcredential01"


def test_form_models_ollama_url(tc, fake_provider):
    fake = fake_provider("ollama", models=["qwen2:latest"])
    reply = tc.post("/api/llm/models", {"provider": "ollama", "url": fake.url})
    assert reply.status == 200 and reply.body["models"] == ["qwen2:latest"]


@pytest.mark.parametrize("payload, field", [
    ({"provider": "nope"}, "provider"), ({"provider": "custom", "base_url": "ftp://x"}, "base_url"),
    ({"provider": "open_ai", "api_key": 7}, "api_key"),
])
def test_form_models_validation(tc, payload, field):
    reply = tc.post("/api/llm/models", payload)
    assert reply.status == 400 and field in reply.body["fields"]


def test_form_models_missing_key_says_what_to_do(tc, fake_provider):
    fake = fake_provider("open_ai")
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url})
    assert reply.status == 400 and reply.body["error"] == "missing_credential"
    assert "API key" in reply.body["message"]


def test_provider_failures_are_502_and_504(http, fake_provider, monkeypatch):
    fake = fake_provider("open_ai", required_key="sk-test-therightkey0000001")
    wrong = http.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url,
                                          "api_key": "sk-test-thewrongkey0000001"})
    assert wrong.status == 502 and wrong.body["error"] == "provider_auth_failed", wrong.text
    assert "thewrongkey" not in wrong.text
    fake.fail(500, "upstream exploded", headers={"Retry-After": "0"}, times=5)
    server = http.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url,
                                           "api_key": "sk-test-therightkey0000001"})
    assert server.status == 502 and server.body["message"]
    fake.reset()
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "0.3")
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    fake.stall = 2
    slow = http.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url,
                                         "api_key": "sk-test-therightkey0000001", "refresh": True})
    assert slow.status == 504 and slow.body["error"] == "provider_timeout", slow.text
    closed = f"http://127.0.0.1:{free_port()}/v1"
    unreachable = http.post("/api/llm/models", {"provider": "custom", "base_url": closed})
    assert unreachable.status == 502 and unreachable.body["error"] == "provider_unreachable"


def test_connection_test(http, fake_provider):
    fake = fake_provider("open_ai", required_key="sk-test-connection00000001")
    profile = http.create_profile(base_url=fake.base_url, api_key="sk-test-connection00000001")
    reply = http.post(f"{P}/{profile['id']}/test")
    assert reply.status == 200, reply.text
    assert reply.body["ok"] is True and reply.body["model"] == "gpt-4o"
    assert isinstance(reply.body["latency_ms"], int)
    http.put("/api/llm/credentials/open_ai", {"api_key": "sk-test-nolongervalid00001"})
    failed = http.post(f"{P}/{profile['id']}/test").body
    assert failed["ok"] is False and failed["error"] and "nolongervalid" not in json.dumps(failed)


def test_connection_test_without_key(tc):
    tc.create_profile()  # the active one (activation would refuse a profile whose key is missing)
    profile = tc.create_profile(name="From env", api_key=..., api_key_ref="TRIPLO_TEST_UNSET_API_KEY")
    reply = tc.post(f"{P}/{profile['id']}/test")
    assert reply.status == 200 and reply.body["ok"] is False
    assert "TRIPLO_TEST_UNSET_API_KEY" in reply.body["error"]


# ---- local LLM ---------------------------------------------------------------------------------------------

def test_local_llm_key(http, app):
    shown = http.post("/api/local-llm/key", {"persist": False})
    assert shown.status == 200 and re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", shown.body["llm_key"])
    assert shown.body["persisted"] is False and http.get("/api/config").body["settings"]["llm_key"]["set"] is False
    saved = http.post("/api/local-llm/key", {"persist": True}, params={"restart": "false"})
    assert saved.status == 200 and saved.body["persisted"] is True
    assert saved.body["llm_key"] != shown.body["llm_key"]
    assert _stored(app)["settings"]["llm_key"] == saved.body["llm_key"]
    assert http.get("/api/config").body["settings"]["llm_key"]["set"] is True  # masked afterwards
    assert http.post("/api/local-llm/key", {"persist": "yes"}).status == 400


def test_local_llm_models(http, app, fake_provider):
    ollama = fake_provider("ollama", models=["llama3.1:latest", "qwen2:latest"])
    reply = http.post("/api/local-llm/models", {"url": ollama.url + "/"})
    assert reply.status == 200 and reply.body["models"] == ["llama3.1:latest", "qwen2:latest"]
    compat = fake_provider("custom", models=["local-a"])
    assert http.post("/api/local-llm/models", {"url": compat.base_url}).body["models"] == ["local-a"]
    assert http.post("/api/local-llm/models", {"url": compat.url}).body["models"] == ["local-a"]  # falls back to /v1
    saved = http.post("/api/local-llm/models", {"url": ollama.url, "persist": True}, params={"restart": "false"})
    assert saved.status == 200 and _stored(app)["settings"]["ollama_models"] == ["llama3.1:latest", "qwen2:latest"]


def test_local_llm_models_errors(tc):
    assert tc.post("/api/local-llm/models", {"url": "file:///etc/passwd"}).status == 400
    assert tc.post("/api/local-llm/models", {}).status == 400
    down = tc.post("/api/local-llm/models", {"url": f"http://127.0.0.1:{free_port()}"})
    assert down.status == 502 and down.body["error"] == "provider_unreachable"


# ---- request bodies ------------------------------------------------------------------------------------------

def test_bodies_non_json_malformed_and_too_large(http):
    text = http.post(P, data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert text.status == 415 and text.body["error"] == "unsupported_media_type"
    broken = http.post(P, data="{not json", headers={"Content-Type": "application/json"})
    assert broken.status == 400 and broken.body["error"] == "bad_request"
    wrong_type = http.post(P, [1, 2])
    assert wrong_type.status == 400
    empty = http.post(P, data="", headers={"Content-Type": "application/json"})
    assert empty.status == 400
    huge = http.post("/api/config", data='{"settings": {"x": "' + "a" * (1024 * 1024 + 10) + '"}}',
                     headers={"Content-Type": "application/json"})
    assert huge.status == 413 and huge.body["error"] == "request_entity_too_large"


def test_loopback_guard_holds(tc, blocked_connections):
    """Without base_url the provider's real host would be used: the guard turns that into 'unreachable'."""
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "api_key": "sk-test-neverleavesthebox1"})
    assert reply.status == 502 and reply.body["error"] == "provider_unreachable"


def test_a_script_with_basic_does_the_whole_flow(api, fake_provider):
    """The shared `api` fixture (requests + Basic over real HTTP): create, list models, test, activate, clean up."""
    fake = fake_provider("open_ai", models=["gpt-4o"])
    base = api.base
    created = api.post(f"{base}{P}", json={"name": "Script", "provider": "open_ai", "model": "gpt-4o",
                                             "base_url": fake.base_url, "api_key": "sk-test-script00000000000001"})
    assert created.status_code == 201
    pid = created.json()["profile"]["id"]
    assert api.get(f"{base}{P}/{pid}/models").json()["models"] == ["gpt-4o"]
    assert api.post(f"{base}{P}/{pid}/test").json()["ok"] is True
    etag = api.get(f"{base}/api/config").headers["ETag"]
    saved = api.post(f"{base}/api/config?restart=false", json={"settings": {"language": "de"}},
                     headers={"If-Match": etag})
    assert saved.status_code == 200 and saved.json()["settings"]["language"] == "de"
    assert api.post(f"{base}/api/llm/profile/activate", json={"id": pid}).json()["desktop"]["result"] == "skipped"


@pytest.mark.parametrize("query, expected", [
    ("", True), ("?restart=true", True), ("?restart=1", True), ("?restart=yes", True), ("?restart=on", True),
    ("?restart=false", False), ("?restart=0", False), ("?restart=No", False), ("?restart=off", False),
])
def test_one_restart_flag_for_every_api(app, query, expected):
    from webui.web.common import desktop_outcome, restart_flag

    with app.test_request_context(f"/api/v1/profiles/add{query}"):
        assert restart_flag() is expected
        skipped = desktop_outcome(None)
    assert set(skipped) == {"result", "pid", "message"} and skipped["result"] == "skipped"
