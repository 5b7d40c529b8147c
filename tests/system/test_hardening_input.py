"""Issue 15, items 1, 2, 4, 5, 8, 9 and 11: keys only go where the user chose, bad input is a 4xx, never a 500."""

import json
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
                                 "SUPERVISOR_API_TOKEN", "HOME"])
def test_item1_api_key_ref_outside_the_allowlist_is_refused_on_save(tc, ref):
    tc.create_profile()
    reply = tc.post(P, {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": ref})
    assert reply.status == 400, reply.text
    assert "api_key_ref" in reply.body["fields"]
    reply = tc.post("/api/v1/profiles/add", {"name": "Env2", "provider_type": "open_ai", "model": "gpt-4o",
                                             "api_key_ref": ref})
    assert reply.status == 400 and any("api_key_ref" in f for f in reply.body["fields"]), reply.text


@pytest.mark.parametrize("ref", ["OPENAI_API_KEY", "TEAM_OPENAI_KEY", "HF_TOKEN"])
def test_item1_provider_key_names_are_allowed(tc, ref):
    tc.create_profile()
    reply = tc.post(P, {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": ref})
    assert reply.status == 201, reply.text


@pytest.mark.parametrize("app", [{"WEBUI_KEY_REF_ALLOW": " CORP_SECRET , OTHER_ONE"}], indirect=True)
def test_item1_names_in_webui_key_ref_allow_are_allowed(tc):
    tc.create_profile()
    assert tc.post(P, {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": "CORP_SECRET"}).status == 201
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

