"""The game-config seed document, verbatim: every YAML block imports, every API example runs (issue 12)."""

import json

import pytest
import yaml

from tests.app_fixtures import BASIC, http_session

from .seed_blocks import api_calls, blocks

YAML_BLOCKS = blocks("yaml")
# Profiles the document's examples name but never define; the tests make them on fakes first.
UNDEFINED = ("gpt4_creative", "gpt4_precise", "gpt4", "creative", "precise")


OPENAI_KEY = "sk-test-seeddocument0000000001"


@pytest.fixture
def instance(provider_env, live_server, fake_provider):
    """An empty live instance (OPENAI_API_KEY set, as the document's api_key_ref expects), its HTTP session,
    and one fake OpenAI server."""
    live = live_server(OPENAI_API_KEY=OPENAI_KEY)
    http = http_session(live.url, BASIC)
    yield live, http, fake_provider("open_ai", reply="You enter a dimly lit room...")
    http.close()


def _import(live, http, text):
    return http.post(f"{live.url}/api/v1/roles/import?restart=false", data=text.encode(),
                     headers={"Content-Type": "application/yaml"})


def _add_profiles(live, http, fake, ids):
    for pid in ids:
        r = http.post(f"{live.url}/api/v1/profiles/add?restart=false",
                      json={"id": pid, "model": pid.replace("_", "-"), "base_url": fake.base_url,
                            "api_key_ref": "OPENAI_API_KEY"})
        assert r.status_code == 201, r.text


def test_the_document_has_the_examples_these_tests_follow():
    headings = [h for h, _, _ in blocks()]
    assert len(YAML_BLOCKS) == 11 and len(blocks("python")) == 4 and len(blocks("json")) == 2
    assert "Assigning Profiles to Characters" in headings and "A/B Testing" in headings


@pytest.mark.parametrize("heading,text", [(h, t) for h, _, t in YAML_BLOCKS], ids=[h for h, _, _ in YAML_BLOCKS])
def test_every_yaml_block_imports_verbatim(instance, heading, text):
    live, http, fake = instance
    doc = yaml.safe_load(text)
    roles = (doc or {}).get("characters", {}) if isinstance(doc, dict) else {}
    wanted = {(r.get("ai_config") or {}).get("profile_id") for r in roles.values()} - {None}
    if wanted:  # a characters block names profiles defined elsewhere (or nowhere) in the document
        _add_profiles(live, http, fake, sorted(wanted))
    r = _import(live, http, text)
    assert r.status_code == 200, (heading, r.text)
    listing = http.get(f"{live.url}/api/v1/profiles").json()
    by_id = {p["id"]: p for p in listing["profiles"]}
    items = doc if isinstance(doc, list) else (doc.get("llm_profiles") or [])
    for item in items:
        got = by_id[item["id"]]
        assert got["name"] == item["id"]
        assert got["model"] == item["model"]
        assert got["temperature"] == item.get("temperature", 0.7)
        for key in ("max_tokens", "api_key_ref", "base_url", "top_p"):
            if key in item:
                assert got[key] == item[key], (heading, key)
    if isinstance(doc, dict) and (doc.get("llm_config") or {}).get("default_profile_id"):
        assert listing["active_llm_profile"] == doc["llm_config"]["default_profile_id"]
    if isinstance(doc, dict) and "llm_config" in doc and not doc.get("llm_profiles"):
        assert by_id["default"]["model"] == doc["llm_config"]["default_model"]
        assert listing["active_llm_profile"] == "default"
    if roles:
        got_roles = {r["id"]: r for r in http.get(f"{live.url}/api/v1/roles").json()["roles"]}
        for rid, role in roles.items():
            assert got_roles[rid]["ai_config"]["profile_id"] == role["ai_config"]["profile_id"]
            assert got_roles[rid]["name"] == role.get("name", rid)


def test_the_four_api_examples_run_as_written(instance):
    live, http, fake = instance
    basic, characters = (t for h, _, t in YAML_BLOCKS if h in ("Basic Setup", "Assigning Profiles to Characters"))
    _add_profiles(live, http, fake, UNDEFINED[:3])
    assert _import(live, http, basic).status_code == 200  # gpt3_fast, gpt4_smart as written (real OpenAI URL)
    r = http.patch(f"{live.url}/api/llm/profiles/gpt3_fast?restart=false", json={"base_url": fake.base_url})
    assert r.status_code == 200, r.text
    assert _import(live, http, characters).status_code == 200
    sid = http.post(f"{live.url}/api/v1/sessions", json={}).json()["session_id"]
    seen = []
    for heading, _, text in blocks("python"):
        for method, path, body in api_calls(text):
            url = live.url + path.replace("{session_id}", sid).replace("{id}", sid)
            r = http.request(method, url, json=body)
            assert r.status_code == 200, (heading, r.text)
            reply = r.json()
            assert reply["is_ai"] is True and reply["content"] and reply["role_id"] == "gm"
            seen.append((heading, reply["used_profile_id"], reply["metadata"]["used_profile_id"]))
    assert [s[1] for s in seen] == ["gpt4_creative", "gpt4_creative", "gpt4_precise", "gpt4_creative", "gpt4"]
    history = http.get(f"{live.url}/api/v1/sessions/{sid}").json()["messages"]
    assert all(m["content"] for m in history)  # the role's own turn stored no empty player line
    meta_doc = json.loads([t for _, _, t in blocks("json")][1])["metadata"]
    assert set(meta_doc) <= set(history[-1]["metadata"])
    reply_doc = json.loads([t for _, _, t in blocks("json")][0])
    assert set(reply_doc) <= set(reply)
    assert all(r.headers.get("authorization") == f"Bearer {OPENAI_KEY}" for r in fake.requests)
