"""The Roles & Chat tab's HTML and its no-JS form routes (post, redirect, get) over real HTTP."""

import re

from .chat_helpers import game, new_session  # noqa: F401 (fixture)
from .test_v1_roles_api import GAME_YAML


def post(game, path, data, files=None):
    """A form post that must redirect back to the tab; the page it lands on."""
    r = game.http.post(game.base + path, data=data, files=files, allow_redirects=False)
    assert r.status_code == 302 and "/roles" in r.headers["Location"], (r.status_code, r.text[:300])
    return game.http.get(game.base + r.headers["Location"].split("#")[0]).text


def test_page_lists_roles_with_a_profile_dropdown(game):
    page = game.http.get(f"{game.base}/roles").text
    assert 'name="profile-npc"' in page and re.search(r'<option value="beta" selected>Beta Local', page)
    assert "Start a session" in page


def test_forms_save_import_chat_redraw_and_flip(game):
    page = post(game, "/roles/profiles", {"profile-gm": "beta", "profile-npc": "", "profile-bard": "gamma"})
    assert "Role profiles saved." in page
    roles = {r["id"]: r for r in game.http.get(f"{game.base}/api/v1/roles").json()["roles"]}
    assert roles["gm"]["ai_config"]["profile_id"] == "beta" and roles["npc"]["ai_config"]["profile_id"] is None

    sid = new_session(game)
    page = post(game, "/roles/chat", {"session_id": sid, "role_id": "gm", "message": "Hello", "llm_profile_id": ""})
    assert "Beta says hello" in page and 'data-part="profile">Beta Local<' in page
    page = post(game, "/roles/redraw", {"session_id": sid, "character_id": "gm", "llm_profile_id": "alpha"})
    assert "Alpha speaks now" in page and "Reply 2 of 2" in page and 'data-part="model">gpt-4o<' in page
    page = post(game, "/roles/alternative", {"session_id": sid, "position": "1", "alt_index": "0"})
    assert "Reply 1 of 2" in page and "Beta says hello" in page

    page = post(game, "/roles/override", {"session_id": sid, "character_id": "npc", "profile_id": "gamma"})
    assert "Session override saved." in page
    overrides = game.http.get(f"{game.base}/sessions/{sid}/character-profiles").json()
    assert overrides["character_profiles"] == {"npc": "gamma"}
    page = post(game, "/roles/override", {"session_id": sid, "character_id": "npc", "profile_id": ""})
    assert "Session override removed." in page

    r = game.http.post(game.base + "/roles/import", files={"file": ("game.yaml", GAME_YAML.encode(), "text/yaml")})
    assert "Nothing has changed yet" in r.text and 'name="profile-thief"' not in r.text  # a preview first
    sealed = re.search(r'name="sealed" value="([^"]+)"', r.text).group(1)  # the document, only the server opens it
    page = post(game, "/roles/import", {"sealed": sealed})
    assert "Imported 2 profile(s) and 2 role(s)." in page and 'name="profile-thief"' in page


def test_form_errors_are_flashed_and_nothing_stored(game):
    sid = new_session(game)
    game.fakes.a.fail(400, "the prompt was refused")
    page = post(game, "/roles/chat", {"session_id": sid, "role_id": "gm", "message": "Hi"})
    assert "the prompt was refused" in page
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"] == []
    page = post(game, "/roles/profiles", {"profile-gm": "ghost"})
    assert "ghost" in page
    page = post(game, "/roles/import", {}, files={"file": ("bad.yaml", b"a: [1,", "text/yaml")})
    assert "neither valid JSON nor valid YAML" in page
