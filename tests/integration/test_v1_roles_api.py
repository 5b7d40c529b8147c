"""/api/v1 profiles, roles, game-config import and per-session character overrides over real HTTP."""

import json

import pytest

from .chat_helpers import KEY_A, game, new_session  # noqa: F401 (fixture)

GAME_YAML = """
llm_config:
  default_profile_id: story
  house_rules: keep it short
llm_profiles:
  - id: story
    name: Storyteller
    provider_type: openai
    model: gpt-4o
    api_key_ref: STORY_KEY
  - id: local
    name: Local
    provider_type: local_openai
    model: qwen2
    base_url: http://127.0.0.1:9/v1
characters:
  - id: gm
    name: Game Master
    type: gm
    ai_config: {profile_id: story}
  - id: thief
    name: Thief
    ai_config: {profile_id: local}
world: Eldoria
"""


def test_profiles_replace_list_add_delete(game):
    listing = game.http.get(f"{game.base}/api/v1/profiles").json()
    assert [p["id"] for p in listing["profiles"]] == ["alpha", "beta", "gamma"]
    assert listing["active_llm_profile"] == "alpha"
    alpha = listing["profiles"][0]
    assert alpha["provider"] == "open_ai" and alpha["credential"]["api_key"]["set"] is True
    assert listing["profiles"][1]["provider"] == "custom" and listing["profiles"][2]["api_key_ref"] == "GAMMA_KEY"
    assert KEY_A not in json.dumps(listing)

    r = game.http.post(f"{game.base}/api/v1/profiles/add?restart=false",
                       json={"id": "delta", "name": "Delta", "provider_type": "openrouter", "model": "x/y",
                             "api_key_ref": "DELTA_KEY"})
    assert r.status_code == 201 and r.json()["profile"]["provider"] == "open_router"
    assert game.http.delete(f"{game.base}/api/v1/profiles/delta?restart=false").status_code == 200
    r = game.http.delete(f"{game.base}/api/v1/profiles/delta")
    assert r.status_code == 404 and "delta" in r.json()["message"]
    assert game.http.delete(f"{game.base}/api/v1/profiles/alpha").status_code == 409  # active: name another


DESKTOP_FIELDS = {"result", "pid", "message"}  # SPEC §4: the truthful restart outcome, one shape everywhere


def test_v1_writes_answer_the_desktop_outcome_as_the_config_api_does(game):
    body = {"provider": "open_router", "model": "x/y", "api_key_ref": "DELTA_KEY"}
    v1 = game.http.post(f"{game.base}/api/v1/profiles/add?restart=false", json=dict(body, id="delta", name="Delta"))
    config = game.http.post(f"{game.base}/api/llm/profiles?restart=false", json=dict(body, id="eps", name="Eps"))
    assert v1.status_code == config.status_code == 201, (v1.text, config.text)
    assert set(v1.json()["desktop"]) == DESKTOP_FIELDS and v1.json()["desktop"] == config.json()["desktop"]
    assert v1.json()["desktop"]["result"] == "skipped" and "restart=false" in v1.json()["desktop"]["message"]
    deleted = game.http.delete(f"{game.base}/api/v1/profiles/delta").json()["desktop"]
    assert deleted == game.http.delete(f"{game.base}/api/llm/profiles/eps").json()["desktop"]
    assert set(deleted) == DESKTOP_FIELDS and deleted["result"] == "skipped"
    assert "nothing the desktop app reads changed" in deleted["message"]  # not the active profile


def test_replace_all_drops_the_rest_and_clears_references(game):
    body = {"profiles": [{"id": "beta", "name": "Beta Local", "provider_type": "local_openai", "model": "llama-3",
                          "base_url": game.fakes.b.base_url}]}
    r = game.http.post(f"{game.base}/api/v1/profiles?restart=false", json=body)
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["profiles"]] == ["beta"] and r.json()["active_llm_profile"] == "beta"
    assert set(r.json()["desktop"]) == DESKTOP_FIELDS and r.json()["desktop"]["result"] == "skipped"
    roles = {x["id"]: x for x in game.http.get(f"{game.base}/api/v1/roles").json()["roles"]}
    assert roles["npc"]["ai_config"]["profile_id"] == "beta" and roles["bard"]["ai_config"]["profile_id"] is None


def test_replace_profiles_validation_is_all_or_nothing(game):
    r = game.http.post(f"{game.base}/api/v1/profiles", json=[{"id": "bad", "provider_type": "nope", "model": "m"}])
    assert r.status_code == 400 and "llm_profiles[0].provider" in r.json()["fields"]
    assert len(game.http.get(f"{game.base}/api/v1/profiles").json()["profiles"]) == 3


def test_roles_get_put(game):
    roles = game.http.get(f"{game.base}/api/v1/roles").json()["roles"]
    assert [r["id"] for r in roles] == ["gm", "npc", "bard"]
    assert roles[0]["system_prompt"] == "You narrate the adventure."  # unknown keys round-trip
    r = game.http.put(f"{game.base}/api/v1/roles", json=[{"id": "x", "ai_config": {"profile_id": "ghost"}}])
    assert r.status_code == 400
    assert r.json()["fields"] == {"roles[0].ai_config.profile_id": "unknown profile id 'ghost'"}
    r = game.http.put(f"{game.base}/api/v1/roles", json={"characters": [{"id": "x", "name": "X"}]})
    assert r.status_code == 200 and [x["id"] for x in r.json()["roles"]] == ["x"]


@pytest.mark.parametrize("how", ["yaml", "json", "multipart"])
def test_import_game_config(game, how):
    import yaml

    url = f"{game.base}/api/v1/roles/import?restart=false"
    if how == "yaml":
        r = game.http.post(url, data=GAME_YAML.encode(), headers={"Content-Type": "application/x-yaml"})
    elif how == "json":
        r = game.http.post(url, json=yaml.safe_load(GAME_YAML))
    else:
        r = game.http.post(url, files={"file": ("game.yaml", GAME_YAML.encode(), "text/yaml")})
    assert r.status_code == 200, r.text
    assert r.json()["profiles"] == ["story", "local"] and r.json()["roles"] == ["gm", "thief"]
    assert r.json()["active_llm_profile"] == "story"
    assert set(r.json()["desktop"]) == DESKTOP_FIELDS and r.json()["desktop"]["result"] == "skipped"
    roles = {x["id"]: x for x in game.http.get(f"{game.base}/api/v1/roles").json()["roles"]}
    assert roles["gm"]["ai_config"]["profile_id"] == "story" and "npc" in roles  # merged by id
    config = game.http.get(f"{game.base}/api/config").json()["settings"]
    assert config["game_config"]["world"] == "Eldoria"  # unmapped values are kept
    assert config["game_config"]["llm_config"]["house_rules"] == "keep it short"


def test_import_legacy_llm_config_and_bad_documents(game):
    legacy = "llm_config:\n  default_model: gpt-4o-mini\n  temperature: 0.5\n  api_key_ref: LEGACY_KEY\n"
    r = game.http.post(f"{game.base}/api/v1/roles/import?restart=false", data=legacy,
                       headers={"Content-Type": "text/yaml"})
    assert r.status_code == 200 and r.json()["profiles"] == ["default"] and r.json()["active_llm_profile"] == "default"
    r = game.http.post(f"{game.base}/api/v1/roles/import", data="a: [1,", headers={"Content-Type": "text/yaml"})
    assert r.status_code == 400 and "file" in r.json()["fields"]
    r = game.http.post(f"{game.base}/api/v1/roles/import", data=b"x", headers={"Content-Type": "image/png"})
    assert r.status_code == 400


def test_character_profiles_overrides(game):
    sid = new_session(game)
    for prefix in ("/api/v1/sessions", "/sessions"):
        r = game.http.put(f"{game.base}{prefix}/{sid}/character-profiles/npc", json={"profile_id": "gamma"})
        assert r.status_code == 200 and r.json()["character_profiles"] == {"npc": "gamma"}
        view = game.http.get(f"{game.base}{prefix}/{sid}/character-profiles").json()
        npc = next(x for x in view["roles"] if x["character_id"] == "npc")
        assert npc["effective_profile_id"] == "gamma" and npc["source"] == "session_override"
        r = game.http.delete(f"{game.base}{prefix}/{sid}/character-profiles/npc")
        assert r.status_code == 200 and r.json()["character_profiles"] == {}
    assert game.http.delete(f"{game.base}/api/v1/sessions/{sid}/character-profiles/npc").status_code == 404


@pytest.mark.parametrize("session, character, profile, named", [
    ("nosuch", "npc", "gamma", "nosuch"), (None, "ghost", "gamma", "ghost"), (None, "npc", "nope", "nope")])
def test_override_unknown_ids_are_404(game, session, character, profile, named):
    sid = session or new_session(game)
    r = game.http.put(f"{game.base}/api/v1/sessions/{sid}/character-profiles/{character}", json={"profile_id": profile})
    assert r.status_code == 404 and named in r.json()["message"]


def test_sessions_create_and_get(game):
    r = game.http.post(f"{game.base}/api/v1/sessions", json={"title": "Dungeon night"})
    assert r.status_code == 201 and set(r.json()) >= {"session_id"}
    sid = r.json()["session_id"]
    session = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()
    assert session["title"] == "Dungeon night" and session["messages"] == []
    r = game.http.get(f"{game.base}/api/v1/sessions/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in r.json()["message"]


def test_api_needs_authentication(game):
    import requests

    r = requests.get(f"{game.base}/api/v1/roles", timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
