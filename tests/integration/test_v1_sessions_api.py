"""Session edits over real HTTP on both stores (files and PostgreSQL): list and search, rename, delete, edit and
delete a message, regenerate from one, export as JSON or Markdown; bad input answers a 4xx naming the thing."""

import json

import pytest

from .chat_helpers import KEY_A, KEY_C, chat, game, new_session, sse_events  # noqa: F401 (fixture)

pytestmark = pytest.mark.parametrize("game", ["file", "postgresql"], indirect=True)


def url(game, path):
    return f"{game.base}/api/v1/sessions{path}"


def messages(game, sid):
    r = game.http.get(url(game, f"/{sid}"))
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def story(game, title=None):
    """A session of two exchanges: You -> gm (Alpha), You -> npc (Beta)."""
    r = game.http.post(url(game, ""), json={"title": title} if title else {})
    sid = r.json()["session_id"]
    assert chat(game, sid, "gm", "Where does the road go?").status_code == 200
    assert chat(game, sid, "npc", "A room for the night, please.").status_code == 200
    return sid


def test_list_search_rename_and_delete(game):
    first, second = story(game, "Old Tavern"), story(game, "Mountain pass")
    third = new_session(game)
    game.http.post(url(game, f"/{third}/chat"), json={"role_id": "gm", "message": "Ärger im Dorf: 100% sicher_"})
    listed = game.http.get(url(game, "")).json()["sessions"]
    assert [s["session_id"] for s in listed] == [third, second, first]  # the most recently active first
    assert set(listed[0]) == {"session_id", "title", "created_at", "updated_at", "message_count"}  # as before
    assert [s["message_count"] for s in listed] == [2, 4, 4]

    def found(q, **params):
        r = game.http.get(url(game, ""), params={"q": q, **params})
        assert r.status_code == 200, r.text
        return r.json()["sessions"]

    assert [s["session_id"] for s in found("tavern")] == [first]  # a title, any case
    hits = found("ROAD GO")  # a message's text, any case
    assert [s["session_id"] for s in hits] == [second, first]
    assert "road go" in hits[0]["snippet"].lower()
    assert [s["session_id"] for s in found("ärger")] == [third]  # case folded beyond ASCII, on both stores
    assert [s["session_id"] for s in found("100%")] == [third]  # % and _ are plain characters
    assert found("100_") == [] and [s["session_id"] for s in found("%")] == [third]
    assert found("no such words anywhere") == []
    assert len(found("a", limit=1)) == 1

    r = game.http.patch(url(game, f"/{first}"), json={"title": "  The   Prancing Pony  "})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "The Prancing Pony" and r.json()["message_count"] == 4
    listed = game.http.get(url(game, "")).json()["sessions"]
    assert [s["session_id"] for s in listed] == [third, second, first]  # a rename does not reorder
    assert [s["session_id"] for s in found("pony")] == [first]
    assert game.http.patch(url(game, f"/{first}"), json={"title": None}).json()["title"] is None

    r = game.http.delete(url(game, f"/{second}"))
    assert r.status_code == 200 and r.json() == {"deleted": second}
    assert game.http.get(url(game, f"/{second}")).status_code == 404
    assert [s["session_id"] for s in game.http.get(url(game, "")).json()["sessions"]] == [third, first]


def test_edit_a_line_and_a_reply_then_the_next_turn_reads_the_edits(game):
    sid = story(game)
    you, gm, *_ = messages(game, sid)
    r = game.http.patch(url(game, f"/{sid}/messages/{you['id']}"), json={"content": "Where does the river go?"})
    assert r.status_code == 200 and r.json()["content"] == "Where does the river go?", r.text
    r = game.http.patch(url(game, f"/{sid}/messages/{gm['id']}"), json={"content": "To the sea."})
    edited = r.json()
    assert edited["metadata"]["edited_at"] and edited["metadata"]["used_profile_id"] == "alpha"  # the rest stays
    now = messages(game, sid)
    assert [m["content"] for m in now] == ["Where does the river go?", "To the sea.", "A room for the night, please.",
                                           "Beta says hello"]
    assert chat(game, sid, "gm", "And then?").status_code == 200
    sent = game.fakes.a.last("chat").body["messages"]
    assert {"role": "user", "content": "Where does the river go?"} in sent
    assert {"role": "assistant", "content": "To the sea."} in sent


def test_delete_a_message_keeps_the_ones_after_it(game):
    sid = story(game)
    you, gm, *_ = messages(game, sid)
    assert game.http.post(url(game, f"/{sid}/redraw"), json={"character_id": "gm"}).status_code == 200
    assert len(messages(game, sid)[1]["alternatives"]) == 2
    r = game.http.delete(url(game, f"/{sid}/messages/{gm['id']}"))  # the first alternative's id: the whole turn
    assert r.status_code == 200 and r.json() == {"deleted": gm["id"], "session_id": sid, "position": 1}
    assert [m["content"] for m in messages(game, sid)] == ["Where does the road go?",
                                                           "A room for the night, please.", "Beta says hello"]
    assert game.http.delete(url(game, f"/{sid}/messages/{gm['id']}")).status_code == 404
    assert chat(game, sid, "gm", "Still there?").status_code == 200  # the next turn comes after the last one
    assert [m["position"] for m in messages(game, sid)] == [0, 2, 3, 4, 5]


def test_regenerate_from_a_reply_drops_what_follows_and_keeps_the_old_reply(game):
    sid = story(game)
    _, gm, *_ = messages(game, sid)
    r = game.http.post(url(game, f"/{sid}/messages/{gm['id']}/regenerate"), json={"llm_profile_id": "gamma"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["content"] == "Gamma sings a song" and body["used_profile_id"] == "gamma"
    assert body["replaced_message_id"] == gm["id"] and body["position"] == 1
    sent = game.fakes.c.last().body["messages"]
    assert sent[-1] == {"role": "user", "content": "Where does the road go?"}  # the history up to that reply
    now = messages(game, sid)
    assert [m["content"] for m in now] == ["Where does the road go?", "Gamma sings a song"]
    assert [a["content"] for a in now[1]["alternatives"]] == ["Alpha speaks now", "Gamma sings a song"]


def test_regenerate_from_a_line_answers_it_again_by_the_role_it_was_said_to(game):
    sid = story(game)
    line = messages(game, sid)[2]  # "A room for the night, please." said to the innkeeper
    before = game.fakes.b.count()
    r = game.http.post(url(game, f"/{sid}/messages/{line['id']}/regenerate"), json={"stream": True},
                       headers={"Accept": "text/event-stream"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream"), r.text
    done = [data for name, data in sse_events(r.text) if name == "done"]
    assert done and done[0]["role_id"] == "npc" and done[0]["position"] == 3
    assert game.fakes.b.count() == before + 1
    assert [m["content"] for m in messages(game, sid)] == ["Where does the road go?", "Alpha speaks now",
                                                           "A room for the night, please.", "Beta says hello"]
    r = game.http.post(url(game, f"/{sid}/messages/{messages(game, sid)[0]['id']}/regenerate"),
                       json={"role_id": "bard"})  # another role answers, named in the request
    assert r.status_code == 200 and r.json()["role_id"] == "bard", r.text
    assert [m["role_id"] for m in messages(game, sid)] == [None, "bard"]


def test_a_failed_regenerate_keeps_every_message(game):
    sid = story(game)
    _, gm, *_ = messages(game, sid)
    game.fakes.a.fail(400, "This model's maximum context length is exceeded")
    r = game.http.post(url(game, f"/{sid}/messages/{gm['id']}/regenerate"), json={})
    assert r.status_code == 400, r.text
    assert len(messages(game, sid)) == 4 and "alternatives" not in messages(game, sid)[1]


def test_export_json_and_markdown_without_a_secret(game):
    sid = story(game, "Road *trip*")
    _, gm, *_ = messages(game, sid)
    game.http.patch(url(game, f"/{sid}/messages/{gm['id']}"), json={"content": "Edited **reply**"})
    r = game.http.get(url(game, f"/{sid}/export"))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Content-Disposition"] == f'attachment; filename="session-road-trip-{sid[:8]}.json"'
    doc = r.json()
    assert doc["session_id"] == sid and doc["title"] == "Road *trip*" and doc["exported_at"]
    assert [(m["speaker"], m["content"]) for m in doc["messages"]] == [
        ("You", "Where does the road go?"), ("Game Master", "Edited **reply**"),
        ("You", "A room for the night, please."), ("Innkeeper", "Beta says hello")]
    assert doc["messages"][3]["metadata"]["used_profile_id"] == "beta"
    md = game.http.get(url(game, f"/{sid}/export"), params={"format": "markdown"})
    assert md.status_code == 200 and md.headers["Content-Type"].startswith("text/markdown")
    assert md.headers["Content-Disposition"].endswith('.md"')
    text = md.text
    assert text.startswith("# Road \\*trip\\*\n")
    assert "## You → Game Master\n\nWhere does the road go?" in text
    assert "## Game Master\n\nEdited **reply**\n\n*Alpha · gpt-4o · 11 + 7 tokens" in text and "edited*" in text
    assert "## Innkeeper\n\nBeta says hello" in text
    for answer in (r.text, md.text):
        assert KEY_A not in answer and KEY_C not in answer and "api_key" not in answer


@pytest.mark.parametrize("method, path, body, status, names", [
    ("PATCH", "/ghost-session", {"title": "x"}, 404, "ghost-session"),
    ("DELETE", "/ghost-session", None, 404, "ghost-session"),
    ("GET", "/ghost-session/export", None, 404, "ghost-session"),
    ("PATCH", "/{sid}/messages/ghost-message", {"content": "x"}, 404, "ghost-message"),
    ("DELETE", "/{sid}/messages/ghost-message", None, 404, "ghost-message"),
    ("POST", "/{sid}/messages/ghost-message/regenerate", {}, 404, "ghost-message"),
    ("PATCH", "/{sid}/messages/{foreign}", {"content": "x"}, 404, "{foreign}"),  # a message of another session
    ("PATCH", "/bad%00id", {"title": "x"}, 404, "bad"),  # PostgreSQL refuses NUL in a parameter: still a 404
    ("DELETE", "/{sid}/messages/bad%00id", None, 404, "bad"),
    ("PATCH", "/{sid}", {"title": 5}, 400, "title"),
    ("PATCH", "/{sid}", {"title": "x" * 201}, 400, "200"),
    ("PATCH", "/{sid}", {"title": "a\u0000b"}, 400, "NUL"),
    ("PATCH", "/{sid}", {}, 400, "title"),
    ("PATCH", "/{sid}", [1], 400, "object"),
    ("PATCH", "/{sid}/messages/{mid}", {"content": "  "}, 400, "content"),
    ("PATCH", "/{sid}/messages/{mid}", {"content": ["x"]}, 400, "content"),
    ("PATCH", "/{sid}/messages/{mid}", {"content": "x" * 100_001}, 400, "100000"),
    ("POST", "/{sid}/messages/{mid}/regenerate", {"stream": "yes"}, 400, "stream"),
    ("POST", "/{sid}/messages/{mid}/regenerate", {"role_id": 7}, 400, "role_id"),
    ("POST", "/{sid}/messages/{mid}/regenerate", {"role_id": "nobody"}, 404, "nobody"),
    ("POST", "/{sid}/messages/{mid}/regenerate", {"llm_profile_id": "ghost-profile"}, 404, "ghost-profile"),
    ("GET", "/{sid}/export?format=pdf", None, 400, "format"),
    ("GET", "?q=" + "x" * 201, None, 400, "q"),
    ("GET", "?limit=0", None, 400, "limit"),
    ("GET", "?limit=many", None, 400, "limit"),
])
def test_bad_input_is_a_4xx_naming_the_thing(game, method, path, body, status, names):
    sid, other = new_session(game), new_session(game)
    assert chat(game, other, "gm", "hello").status_code == 200 and chat(game, sid, "gm", "hi").status_code == 200
    ids = {"sid": sid, "mid": messages(game, sid)[0]["id"], "foreign": messages(game, other)[0]["id"]}
    r = game.http.request(method, url(game, path.format(**ids)), json=body)
    assert r.status_code == status, r.text
    assert names.format(**ids) in r.text
    assert [m["content"] for m in messages(game, other)] == ["hello", "Alpha speaks now"]  # never touched


def test_a_human_played_role_never_answers_a_regenerate(game):
    roles = game.http.get(f"{game.base}/api/v1/roles").json()["roles"]
    game.http.put(f"{game.base}/api/v1/roles", json={"roles": roles + [{"id": "hero", "name": "Hero",
                                                                         "control": "human"}]})
    sid = story(game)
    r = game.http.post(url(game, f"/{sid}/messages/{messages(game, sid)[0]['id']}/regenerate"),
                       json={"role_id": "hero"})
    assert r.status_code == 400 and "played by a person" in r.text
    assert len(messages(game, sid)) == 4


def test_deleting_a_session_keeps_its_costs_in_usage(game):
    sid = story(game)
    assert game.http.delete(url(game, f"/{sid}")).status_code == 200
    game.app.extensions["triplo"].usage.flush()
    rows = game.http.get(f"{game.base}/api/usage", params={"group_by": "session"}).json()["rows"]
    assert json.dumps(rows).count(sid) == 1
