"""Chat over real HTTP with fake providers: resolution rules, metadata, redraw, streaming, fallback, errors."""

import os
import sqlite3
import threading

import pytest
import requests

from tests.app_fixtures import BASIC, http_session

from .chat_helpers import KEY_A, KEY_C, chat, game, new_session, sse_events  # noqa: F401 (fixture)

METADATA_KEYS = {"used_profile_id", "provider_type", "model", "latency_ms", "usage", "finish_reason",
                 "fallback_from", "tool_calls", "iterations", "cost_usd",  # cost_usd: SPEC §5 (issue 17)
                 "request_id"}  # issue 23


# ---- resolution: request -> session override -> role -> active -------------------------------------

@pytest.mark.parametrize("role_id, extra, override, expected, fake", [
    ("gm", {}, None, "alpha", "a"),                                # no role profile: the active profile
    ("npc", {}, None, "beta", "b"),                                # the role's ai_config.profile_id
    ("npc", {}, "gamma", "gamma", "c"),                            # the session override beats the role
    ("npc", {"llm_profile_id": "alpha"}, "gamma", "alpha", "a"),   # the request beats everything
    ("gm", {"llm_profile_id": "beta"}, None, "beta", "b"),
])
def test_resolution_rules(game, role_id, extra, override, expected, fake):
    sid = new_session(game)
    if override:
        r = game.http.put(f"{game.base}/api/v1/sessions/{sid}/character-profiles/{role_id}",
                          json={"profile_id": override})
        assert r.status_code == 200, r.text
    r = chat(game, sid, role_id, "Hello?", **extra)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["used_profile_id"] == expected == body["metadata"]["used_profile_id"]
    assert getattr(game.fakes, fake).count() == 1
    others = {"a", "b", "c"} - {fake}
    assert all(getattr(game.fakes, o).count() == 0 for o in others)


def test_reply_shape_metadata_and_prompt(game):
    sid = new_session(game)
    r = chat(game, sid, "gm", "Where am I?")
    body = r.json()
    assert body["content"] == "Alpha speaks now" and body["role_id"] == "gm" and body["is_ai"] is True
    meta = body["metadata"]
    assert set(meta) == METADATA_KEYS
    assert meta["provider_type"] == "open_ai" and meta["model"] == "gpt-4o"
    assert meta["usage"] == {"prompt_tokens": 11, "completion_tokens": 7}
    assert meta["finish_reason"] == "stop" and meta["fallback_from"] is None
    assert meta["tool_calls"] == [] and meta["iterations"] == 1 and isinstance(meta["latency_ms"], int)
    sent = game.fakes.a.last("chat")
    assert sent.headers["authorization"] == f"Bearer {KEY_A}"
    assert sent.body["messages"] == [{"role": "system", "content": "You narrate the adventure."},
                                     {"role": "user", "content": "Where am I?"}]
    # The next turn carries the history; another character's line is attributed to it.
    chat(game, sid, "npc", "A room, please.")
    assert game.fakes.b.last("chat").body["messages"] == [
        {"role": "system", "content": "You are Innkeeper. A grumpy innkeeper."},
        {"role": "user", "content": "Where am I?"},
        {"role": "user", "content": "Game Master: Alpha speaks now"},
        {"role": "user", "content": "A room, please."}]
    session = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()
    assert [(m["is_ai"], m["role_id"], m["content"]) for m in session["messages"]] == [
        (False, None, "Where am I?"), (True, "gm", "Alpha speaks now"),
        (False, None, "A room, please."), (True, "npc", "Beta says hello")]
    assert session["messages"][1]["metadata"] == meta


def test_no_secret_in_answers_or_database(game):
    sid = new_session(game)
    texts = [chat(game, sid, "gm", "hi").text, chat(game, sid, "bard", "sing").text,
             game.http.get(f"{game.base}/api/v1/sessions/{sid}").text,
             game.http.get(f"{game.base}/api/v1/profiles").text]
    sent = game.fakes.c.last().headers
    assert sent.get("x-api-key", sent.get("authorization")).endswith(KEY_C)  # the key did reach the provider
    db = b"".join(open(os.path.join(game.config_dir, f), "rb").read() for f in os.listdir(game.config_dir)
                  if f.startswith("sessions.db"))
    for secret in (KEY_A, KEY_C):
        assert all(secret not in t for t in texts)
        assert secret.encode() not in db


# ---- redraw ------------------------------------------------------------------------------------------

def test_redraw_reuses_the_profile_then_uses_another(game):
    sid = new_session(game)
    first = chat(game, sid, "npc", "Ale!").json()
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/redraw", json={"character_id": "npc"})
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["used_profile_id"] == "beta" and game.fakes.b.count("chat") == 2
    assert again["replaced_message_id"] == first["message_id"]
    # The prompt of a redraw ends before the replaced reply.
    assert game.fakes.b.last("chat").body["messages"][-1] == {"role": "user", "content": "Ale!"}
    r = game.http.post(f"{game.base}/sessions/{sid}/redraw", json={"character_id": "npc", "llm_profile_id": "gamma"})
    third = r.json()
    assert third["used_profile_id"] == "gamma" and third["content"] == "Gamma sings a song"
    assert third["metadata"]["provider_type"] == "anthropic"
    turn = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert turn["content"] == "Gamma sings a song" and turn["current_alt_index"] == 2
    assert [(a["metadata"]["used_profile_id"], a["is_current"]) for a in turn["alternatives"]] == [
        ("beta", False), ("beta", False), ("gamma", True)]
    # Flip back to the first reply: it becomes current again and is what the next prompt sees.
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/alternatives", json={"position": 1, "alt_index": 0})
    assert r.status_code == 200 and r.json()["content"] == "Beta says hello"
    chat(game, sid, "npc", "Thanks")
    assert {"role": "assistant", "content": "Beta says hello"} in game.fakes.b.last("chat").body["messages"]


def test_redraw_errors(game):
    sid = new_session(game)
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/redraw", json={"character_id": "npc"})
    assert r.status_code == 404 and "npc" in r.json()["message"]
    chat(game, sid, "npc", "hi")
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/redraw",
                       json={"character_id": "npc", "llm_profile_id": "zzz"})
    assert r.status_code == 404 and "zzz" in r.json()["message"]


# ---- streaming ---------------------------------------------------------------------------------------

def test_streaming_sse_then_metadata(game):
    sid = new_session(game)
    r = chat(game, sid, "gm", "Go", stream=True)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    events = sse_events(r.text)
    deltas = [d["delta"] for e, d in events if e is None]
    assert len(deltas) > 1 and "".join(deltas) == "Alpha speaks now"
    (name, done), = [(e, d) for e, d in events if e is not None]
    assert name == "done" and done["content"] == "Alpha speaks now" and set(done["metadata"]) == METADATA_KEYS
    assert done["metadata"]["usage"] == {"prompt_tokens": 11, "completion_tokens": 7}
    stored = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert stored["id"] == done["message_id"] and stored["content"] == "Alpha speaks now"


def test_profile_with_streaming_off_answers_in_one_event(game):
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"options": {"stream": False}})
    assert r.status_code == 200, r.text
    sid = new_session(game)
    events = sse_events(chat(game, sid, "gm", "Go", stream=True).text)
    assert [e for e, _ in events] == [None, "done"] and events[0][1] == {"delta": "Alpha speaks now"}
    assert "stream" not in game.fakes.a.last("chat").body


def test_stream_client_disconnect_still_stores_the_whole_reply(game):
    game.fakes.a.reply = "one two three four five six"
    game.fakes.a.gate = threading.Event()  # the fake holds the stream after the first delta
    sid = new_session(game)
    with requests.post(f"{game.base}/api/v1/sessions/{sid}/chat", stream=True, headers=BASIC,
                       json={"role_id": "gm", "message": "Tell me", "stream": True}, timeout=10) as r:
        first = next(r.iter_lines())
        assert first.startswith(b"data:")
    game.fakes.a.gate.set()  # the client is gone; the provider finishes
    for _ in range(100):
        messages = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]
        if len(messages) == 2:
            break
        threading.Event().wait(0.05)
    assert [m["content"] for m in messages] == ["Tell me", "one two three four five six"]


def test_stream_failure_before_text_is_an_error_status_and_nothing_stored(game):
    game.fakes.a.fail(401, "Incorrect API key provided")
    sid = new_session(game)
    r = chat(game, sid, "gm", "Hi", stream=True)
    assert r.status_code == 502 and "Incorrect API key" in r.json()["message"]
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"] == []


# ---- fallback and failures ---------------------------------------------------------------------------

def test_fallback_answers_and_is_recorded(game):
    r = game.http.patch(f"{game.base}/api/llm/profiles/beta?restart=false", json={"fallback_profile_ids": ["alpha"]})
    assert r.status_code == 200, r.text
    game.fakes.b.fail(503, "overloaded", times=20)
    sid = new_session(game)
    body = chat(game, sid, "npc", "Hi").json()
    assert body["used_profile_id"] == "alpha" and body["metadata"]["fallback_from"] == "beta"
    assert body["content"] == "Alpha speaks now"
    stored = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert stored["metadata"]["fallback_from"] == "beta"


def test_provider_failure_without_fallback_keeps_its_4xx_and_nothing_stored(game):
    game.fakes.b.fail(400, "context too long for this model")
    sid = new_session(game)
    r = chat(game, sid, "npc", "Hi")
    assert r.status_code == 400 and "context too long" in r.json()["message"]  # SPEC §5.1: the upstream's 4xx
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"] == []


@pytest.mark.parametrize("path, body, named", [
    ("/api/v1/sessions/nosuch/chat", {"role_id": "gm", "message": "x"}, "nosuch"),
    ("/api/v1/sessions/{sid}/chat", {"role_id": "ghost", "message": "x"}, "ghost"),
    ("/api/v1/sessions/{sid}/chat", {"role_id": "gm", "message": "x", "llm_profile_id": "nope"}, "nope"),
    ("/sessions/nosuch/redraw", {"character_id": "gm"}, "nosuch"),
])
def test_unknown_ids_are_404_naming_the_id(game, path, body, named):
    sid = new_session(game)
    r = game.http.post(game.base + path.format(sid=sid), json=body)
    assert r.status_code == 404 and named in r.json()["message"]
    assert all(getattr(game.fakes, f).count() == 0 for f in "abc")


def test_chat_validation(game):
    sid = new_session(game)
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/chat", json={"message": ""})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"role_id", "message"}


# ---- persistence -------------------------------------------------------------------------------------

def test_sessions_survive_an_app_restart(game, live_server):
    sid = new_session(game)
    chat(game, sid, "gm", "Remember me")
    game.http.put(f"{game.base}/api/v1/sessions/{sid}/character-profiles/gm", json={"profile_id": "beta"})
    path = os.path.join(game.config_dir, "sessions.db")
    assert os.stat(path).st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = live_server(GAMMA_KEY=KEY_C)  # a second app on the same config folder
    http = http_session(again.url, BASIC)
    session = http.get(f"{again.url}/api/v1/sessions/{sid}").json()
    assert [m["content"] for m in session["messages"]] == ["Remember me", "Alpha speaks now"]
    assert http.get(f"{again.url}/sessions/{sid}/character-profiles").json()["character_profiles"] == {"gm": "beta"}
    r = http.post(f"{again.url}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "still there?"})
    assert r.json()["used_profile_id"] == "beta"
