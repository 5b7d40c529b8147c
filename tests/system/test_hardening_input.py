"""Issue 15, items 1, 2, 4, 5, 8, 9 and 11: keys only go where the user chose, bad input is a 4xx, never a 500."""

import json
import os
import logging

import pytest

from tests.integration.api_client import Api, tc  # noqa: F401  (fixtures)

pytestmark = pytest.mark.system

P = "/api/llm/profiles"
STORED_KEY = "sk-test-storedonlyforitsurl01"


def _edit_config(app, change):
    """Hand-edit config.json on disk, as a user with a text editor would."""
    path = app.extensions["triplo"].config.store.path
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    change(data["settings"])
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


# ---- item 1: api_key_ref names only provider-key variables --------------------------------------------------

@pytest.mark.parametrize("ref", ["WEBUI_PASSWORD", "SUPERVISOR_PASSWORD", "PATH", "WEBUI_SECRET_KEY",
                                 "SUPERVISOR_API_TOKEN", "HOME", "TEAM_OPENAI_KEY", "HF_TOKEN"])
def test_item1_api_key_ref_outside_the_allowlist_is_refused_on_save(tc, ref):
    tc.create_profile()
    reply = tc.post(P, {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": ref})
    assert reply.status == 400, reply.text
    assert "api_key_ref" in reply.body["fields"]
    reply = tc.post("/api/v1/profiles/add", {"name": "Env2", "provider_type": "open_ai", "model": "gpt-4o",
                                             "api_key_ref": ref})
    assert reply.status == 400 and any("api_key_ref" in f for f in reply.body["fields"]), reply.text


@pytest.mark.parametrize("ref", ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY"])
def test_item1_provider_key_names_are_allowed(tc, ref):
    tc.create_profile()
    reply = tc.post(P, {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": ref})
    assert reply.status == 201, reply.text


@pytest.mark.parametrize("app", [{"WEBUI_KEY_REF_ALLOW": " CORP_SECRET , OTHER_ONE"}], indirect=True)
def test_item1_names_in_webui_key_ref_allow_are_allowed(tc):
    tc.create_profile()
    allowed = {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": "CORP_SECRET"}
    assert tc.post(P, allowed).status == 201
    assert tc.post(P, {"name": "E2", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": "CORP"}).status == 400


def test_item1_a_hand_edited_ref_is_refused_at_call_time(app, tc, fake_provider):
    fake = fake_provider("open_ai")
    tc.create_profile()
    evil = tc.create_profile(name="Evil", base_url=fake.base_url)
    _edit_config(app, lambda s: next(p for p in s["llm_profiles"] if p["id"] == evil["id"]).update(
        api_key_ref="WEBUI_PASSWORD"))
    reply = tc.post(f"{P}/{evil['id']}/test")
    assert reply.status == 200 and reply.body["ok"] is False and "api_key_ref" in reply.body["error"]
    assert tc.get(f"{P}/{evil['id']}/models").status == 400
    assert fake.requests == []  # the web UI password never left


# ---- item 2: a stored key goes only to its own base URL ----------------------------------------------------

def test_item2_stored_key_is_not_sent_to_another_base_url(tc, fake_provider):
    saved, other = fake_provider("open_ai", models=["saved"]), fake_provider("open_ai", models=["other"])
    tc.create_profile(base_url=saved.base_url, api_key=STORED_KEY)
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "base_url": other.base_url})
    assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    assert "enter the key" in reply.body["fields"]["api_key"].lower()
    assert other.requests == []
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "base_url": saved.base_url + "/"})
    assert reply.status == 200 and reply.body["models"] == ["saved"]
    assert saved.last("models").headers["authorization"] == f"Bearer {STORED_KEY}"
    typed = tc.post("/api/llm/models", {"provider": "open_ai", "base_url": other.base_url,
                                        "api_key": "sk-test-typedforthisurl0001"})
    assert typed.status == 200 and typed.body["models"] == ["other"]


def test_item2_stored_ollama_token_is_not_sent_to_another_url(tc, fake_provider):
    saved, other = fake_provider("ollama"), fake_provider("ollama")
    assert tc.put("/api/llm/credentials/ollama", {"url": saved.url, "token": "olt-storedtoken000001"}).status == 200
    reply = tc.post("/api/llm/models", {"provider": "ollama", "url": other.url})
    assert reply.status == 400 and "token" in reply.body["fields"], reply.text
    assert other.requests == []
    assert tc.post("/api/llm/models", {"provider": "ollama", "url": saved.url}).status == 200


# ---- item 4: control characters in secrets ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["sk-test-abc\r\nX-Injected: 1", "sk-test-abc\x00def0000", "sk-test\tabcdef00",
                                 "sk-test-abc\x7fdef000"])
def test_item4_control_characters_in_secrets_are_refused(tc, caplog, bad):
    caplog.set_level(logging.DEBUG)
    tc.create_profile()
    reply = tc.put("/api/llm/credentials/open_ai", {"api_key": bad})
    assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    reply = tc.post(P, {"name": "Two", "provider": "open_ai", "model": "gpt-4o", "api_key": bad})
    assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    reply = tc.put("/api/llm/credentials/ollama", {"token": bad})
    assert reply.status == 400 and "token" in reply.body["fields"], reply.text
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "api_key": bad})
    assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    assert bad not in caplog.text and bad not in reply.text


# ---- item 5: model ids are scrubbed and capped -------------------------------------------------------------

def test_item5_model_ids_echoing_the_key_are_scrubbed(tc, fake_provider):
    key = "sk-test-echoedasamodelid0001"
    fake = fake_provider("open_ai", models=["gpt-4o", f"leak-{key}"])
    reply = tc.post("/api/llm/models", {"provider": "open_ai", "base_url": fake.base_url, "api_key": key})
    assert reply.status == 200 and key not in reply.text
    assert "gpt-4o" in reply.body["models"]


def test_item5_model_lists_are_capped(tc, fake_provider):
    from webui.providers.models_cache import MAX_MODEL_ID_CHARS, MAX_MODELS

    fake = fake_provider("custom", models=[f"m{i}" for i in range(MAX_MODELS + 50)] + ["x" * 100_000])
    reply = tc.post("/api/llm/models", {"provider": "custom", "base_url": fake.base_url})
    assert reply.status == 200, reply.text[:300]
    assert len(reply.body["models"]) == MAX_MODELS
    assert all(len(m) <= MAX_MODEL_ID_CHARS for m in reply.body["models"])


# ---- item 8: YAML alias bombs, cycles, size -----------------------------------------------------------------

BOMB = "\n".join(['a: &a ["x","x","x","x","x","x","x","x","x","x"]'] +
                 [f'{chr(98 + i)}: &{chr(98 + i)} [' + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(7)]) + \
    "\nllm_profiles: []\n"


def _import(tc, text, content_type="application/x-yaml"):
    return tc.call("POST", "/api/v1/roles/import", data=text.encode(), headers={"Content-Type": content_type})


def test_item8_yaml_alias_bomb_is_refused(tc):
    reply = _import(tc, BOMB)
    assert reply.status == 400, reply.text[:300]
    assert "alias" in reply.text.lower()


def test_item8_cyclic_yaml_is_a_clear_400(tc):
    reply = _import(tc, "a: &a [*a]\nllm_profiles: []\n")
    assert reply.status == 400, reply.text[:300]


def test_item8_a_few_aliases_still_import(tc):
    text = ("base: &base {provider: open_ai, model: gpt-4o, api_key: sk-test-aliasedkey00000001}\n"
            "llm_profiles:\n  - {<<: *base, id: one, name: One}\n  - {<<: *base, id: two, name: Two}\n")
    reply = _import(tc, text)
    assert reply.status == 200, reply.text[:300]


@pytest.mark.parametrize("app", [{"WEBUI_MAX_IMPORT_BYTES": "2000"}], indirect=True)
def test_item8_imported_documents_are_size_capped(tc):
    text = "llm_profiles: []\nnotes: '" + "x" * 3000 + "'\n"
    reply = _import(tc, text)
    assert reply.status in (400, 413), reply.text[:300]
    assert "WEBUI_MAX_IMPORT_BYTES" in reply.text


# ---- item 11: ids echoed into Location ----------------------------------------------------------------------

def test_item11_giant_ids_are_not_echoed_into_location(app):
    from tests.app_fixtures import login, page_csrf

    client = app.test_client()
    login(client)
    token = page_csrf(client)
    huge = "a" * 100_000
    for path in (f"/profiles/{huge}/activate", f"/profiles/{huge}/duplicate", f"/profiles/{huge}/move",
                 f"/profiles/{huge}", f"/profiles/{huge}/test", f"/profiles/{huge}/delete"):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code in (400, 404), (path[:40], response.status_code)
        assert len(response.headers.get("Location", "")) < 2000



# ---- item 9: bad input never 500s ---------------------------------------------------------------------------

DEEP = "[" * 200 + "]" * 200
BAD_BODIES = [
    DEEP, '{"a": ' + DEEP + "}", '{"settings": {"x": ' + "{\"a\": " * 50 + "1" + "}" * 50 + "}}",
    '{"name": "\\ud800", "title": "\\ud800", "model": "\\ud800", "id": "\\udfff"}',
    '{"settings": {"llm_profiles": [{"name": "\\ud800x"}]}}',
    '{"position": 1e308, "alt_index": 1e308, "order": [1e308]}',
    '{"model": "PID", "messages": [{"role": "user", "content": "hi"}], "response_format": "json", '
    '"stream_options": 5, "stream": true}',
    '{"model": "PID", "messages": [{"role": "user", "content": "hi"}], "response_format": 5}',
    '{"model": "PID", "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}',
    '{"model": "PID", "messages": [{"role": "user", "content": [{"type": "text", "text": {"a": 1}}, 7]}]}',
    '{"model": "PID", "messages": [{"role": "user", "content": "\ud800"}]}',
    '{"messages": "x", "content": 5, "characters": 5, "roles": 5, "llm_profiles": 5, "profile_id": [], "id": {}}',
    '[1, "a", null, {"id": 5}]',
]


def _paths(app, ids):
    """Every route of the app with its arguments filled in (a known id, an unknown one, a giant one)."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in (*ids, "nope", "x" * 5000):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", value).replace(f"<path:{arg}>", value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((method, path))
    return sorted(set(out))


def _logged_in(app):
    from tests.app_fixtures import login, page_csrf

    client = app.test_client()
    login(client)
    return client, {"X-CSRF-Token": page_csrf(client)}


def test_item9_every_route_answers_bad_json_with_a_4xx(app, tc, caplog, fake_provider):
    profile = tc.create_profile(base_url=fake_provider("open_ai").base_url)
    session = tc.post("/api/v1/sessions", {"title": "s"}).body
    client, headers = _logged_in(app)
    failures = []
    for method, path in _paths(app, [profile["id"], session.get("id", "s") if session else "s"]):
        if method == "GET" or "logout" in path:
            continue
        for body in BAD_BODIES:
            for auth in (headers, {"Authorization": tc.auth_headers["Authorization"]}):
                data = body.replace("PID", profile["id"]).encode("utf-8", "surrogatepass")
                response = client.open(path, method=method, data=data,
                                       headers={**auth, "Content-Type": "application/json"})
                if response.status_code >= 500 and response.status_code not in (502, 504):
                    failures.append((method, path[:60], body[:40], response.status_code))
    assert not failures, failures[:20]
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text


def test_item9_form_extra_params_nested_deeply_is_a_field_error(app, tc):
    tc.create_profile()
    client, headers = _logged_in(app)
    response = client.post("/profiles", headers=headers, data={
        "name": "Deep", "provider": "open_ai", "model": "gpt-4o", "extra_params": '{"a": ' + DEEP + "}"})
    assert response.status_code == 400 and "nested" in response.get_data(as_text=True)


def test_item9_game_config_upload_nested_deeply_is_a_400(tc):
    for text in ('{"llm_profiles": ' + DEEP + "}", "a: " + "[" * 400 + "]" * 400, "a: " + "- " * 200 + "x"):
        reply = _import(tc, text)
        assert reply.status == 400, (text[:30], reply.status, reply.text[:200])


BAD_SHAPES = [
    lambda s: s["llm_profiles"].append("a profile that is a string"),
    lambda s: s["llm_profiles"].append({"id": 5, "name": ["x"], "provider": {}, "model": 7}),
    lambda s: s.update(llm_roles=5),
    lambda s: s.update(llm_roles=["a role that is a string", {"id": "r", "name": 5, "ai_config": "x"}]),
    lambda s: s["llm_profiles"][0].update(provider="custom", base_url="http://127.0.0.1:9/v1", models="gpt",
                                          options="x", extra_params=[], fallback_profile_ids=5),
    lambda s: s.update(provider_credentials={"custom": {"models": "gpt", "url": 5}, "open_ai": "x"}),
    lambda s: s.update(provider_credentials=[1, 2]),
    lambda s: s.update(active_llm_profile=["x"]),
    lambda s: s.update(llm_profiles={"id": "x"}),
]


@pytest.mark.parametrize("shape", range(len(BAD_SHAPES)))
def test_item9_hand_edited_config_with_wrong_types_never_500s(app, tc, caplog, shape):
    profile = tc.create_profile()
    _edit_config(app, BAD_SHAPES[shape])
    client, headers = _logged_in(app)
    failures = []
    for method, path in _paths(app, [profile["id"], "r"]):
        if "logout" in path or method not in ("GET", "POST"):
            continue
        response = client.open(path, method=method, headers=headers, data={} if method == "POST" else None)
        if response.status_code >= 500 and response.status_code not in (502, 504):
            failures.append((method, path[:60], response.status_code))
        if path.startswith("/api/") and method == "GET":
            response = tc.get(path)
            if response.status >= 500 and response.status not in (502, 504):
                failures.append(("API GET", path[:60], response.status))
    assert not failures, failures[:20]
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text


def test_item9_unparseable_config_file_is_a_clear_503_naming_the_file(app, tc, caplog):
    """A config.json that is not JSON any more (a bad hand edit): every page and API names the file, never a 500."""
    profile = tc.create_profile()
    client, headers = _logged_in(app)
    path = app.extensions["triplo"].config.store.path
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"settings": {"llm_profiles": [,]}')  # a stray comma, as an editor leaves it
    failures, seen = [], 0
    for method, route in _paths(app, [profile["id"]]):
        if "logout" in route or method != "GET":
            continue
        response = client.open(route, method=method, headers=headers)
        if response.status_code >= 500 and response.status_code not in (502, 503, 504):
            failures.append((route[:60], response.status_code))
        if response.status_code == 503:
            seen += 1
            assert "config.json" in response.get_data(as_text=True), route
    assert not failures, failures[:20]
    assert seen, "no route read the broken file"
    reply = tc.get("/api/config")
    assert reply.status == 503 and reply.body["error"] == "config_corrupt" and "config.json" in reply.body["message"]
    assert "Traceback" not in caplog.text


def test_item11_giant_ids_in_chat_forms_and_next_never_reach_location(app):
    client, headers = _logged_in(app)
    huge = "s" * 100_000
    for path, form in (("/roles/chat", {"session_id": huge, "role_id": "r", "message": "hi"}),
                       ("/roles/sessions", {"role_id": huge}), ("/roles/override", {"session_id": huge}),
                       ("/roles/alternative", {"session_id": "abc", "role_id": "x\r\nSet-Cookie: a=b"}),
                       ("/restart", {"next": "/" + huge})):
        response = client.post(path, data=form, headers=headers)
        assert response.status_code in (302, 303, 400, 404), (path, response.status_code)
        location = response.headers.get("Location", "")
        assert len(location) < 2000 and "\n" not in location and huge[:200] not in location, path


# ---- issue 24 item 8: YAML bombs by bytes, not nodes -------------------------------------------------------

def test_item8_yaml_bomb_by_bytes_is_refused_and_nothing_is_stored(app, tc):
    big = "x" * 20_000
    text = f"big: &big \"{big}\"\nrefs:\n" + "".join("  - *big\n" for _ in range(2000)) + "llm_profiles: []\n"
    assert len(text) < 40_000  # a 26 kB upload, 40 MB expanded
    before = app.extensions["triplo"].config.store.path
    size_before = os.path.getsize(before) if os.path.exists(before) else 0
    reply = _import(tc, text)
    assert reply.status == 400, reply.text[:300]
    assert "bytes" in json.dumps(reply.body), reply.text[:300]
    assert (os.path.getsize(before) if os.path.exists(before) else 0) == size_before  # nothing written


def test_item8_a_few_small_aliases_still_import(tc):
    text = "base: &base {temperature: 0.5}\nother: *base\nllm_profiles: []\n"
    assert _import(tc, text).status == 200


def test_item8_unmapped_keys_are_not_stored_expanded(app, tc):
    big = "lore " * 4_000  # 20 kB
    text = (f"world: &big \"{big}\"\nchapters:\n" + "".join(f"  - {{title: c{i}, text: *big}}\n" for i in range(60))
            + "llm_profiles:\n  - {id: aliased, name: Aliased, provider_type: openai, model: gpt-4o}\n")
    assert len(text) < 25_000  # 1.2 MB once expanded: under the bytes bound, so it imports
    assert _import(tc, text).status == 200
    path = app.extensions["triplo"].config.store.path
    assert os.path.getsize(path) < 3 * len(text)  # kept with its aliases, not 60 copies of the 20 kB string
    exported = tc.call("GET", "/api/v1/export?format=yaml")
    assert exported.status == 200 and len(exported.text) < 3 * len(text)  # the export keeps the aliases too
    assert exported.text.count("lore lore") < 2 * big.count("lore lore")  # written once (in wrapped lines)
    import yaml

    doc = yaml.safe_load(exported.text)
    assert doc["world"] == big and [c["text"] for c in doc["chapters"]] == [big] * 60  # nothing lost
    again = _import(tc, exported.text)  # and it imports again
    assert again.status == 200 and os.path.getsize(path) < 3 * len(text)
