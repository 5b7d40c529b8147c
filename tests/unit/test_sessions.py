"""SessionStore: sessions, messages, alternatives, overrides in sessions.db."""

import os
import sqlite3
import stat
import threading
import time

import pytest

from webui.errors import NotFound, ValidationFailed
from webui.core.chat.sessions import SessionStore


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "sessions.db")


@pytest.fixture
def store(db_path):
    s = SessionStore(db_path)
    yield s
    s.close()


@pytest.fixture
def sid(store):
    return store.create_session("Dungeon night")["session_id"]


def test_create_and_get(store):
    created = store.create_session("A title")
    assert len(created["session_id"]) == 32
    got = store.get_session(created["session_id"])
    assert got["session_id"] == created["session_id"]
    assert got["title"] == "A title" and got["created_at"] == created["created_at"]
    assert got["messages"] == []
    assert store.create_session()["title"] is None


def test_unknown_ids_name_the_id(store, sid):
    for call in (lambda: store.get_session("nope"), lambda: store.delete_session("nope"),
                 lambda: store.add_message("nope", "gm", "x", True), lambda: store.history("nope"),
                 lambda: store.get_overrides("nope"), lambda: store.last_ai_message("nope")):
        with pytest.raises(NotFound) as info:
            call()
        assert "nope" in info.value.message
    with pytest.raises(NotFound) as info:
        store.add_alternative("missing-message", "x")
    assert "missing-message" in info.value.message


def test_messages_in_order_with_metadata(store, sid):
    meta = {"used_profile_id": "p1", "provider_type": "open_ai", "model": "gpt-4o",
            "usage": {"prompt_tokens": 3, "completion_tokens": 5}, "tool_calls": [], "fallback_from": None}
    user = store.add_message(sid, "player", "Hello", False)
    ai = store.add_message(sid, "gm", "Welcome, traveller", True, meta)
    third = store.add_message(sid, "player", "Ünïcode ✓", False)
    assert [m["position"] for m in (user, ai, third)] == [0, 1, 2]
    assert ai["metadata"] == meta and ai["is_ai"] is True and user["metadata"] == {}
    got = store.get_session(sid)["messages"]
    assert [(m["role_id"], m["content"], m["is_ai"]) for m in got] == [
        ("player", "Hello", False), ("gm", "Welcome, traveller", True), ("player", "Ünïcode ✓", False)]
    assert got[1]["metadata"] == meta
    assert all("alternatives" not in m for m in got)
    assert [m["content"] for m in store.history(sid)] == ["Hello", "Welcome, traveller", "Ünïcode ✓"]


def test_bad_input_is_refused(store, sid):
    with pytest.raises(ValidationFailed):
        store.add_message(sid, "gm", None, True)
    with pytest.raises(ValidationFailed) as info:
        store.add_message(sid, "gm", "x", True, {"bad": object()})
    assert "metadata" in info.value.fields
    with pytest.raises(ValidationFailed):
        store.create_session("t" * 201)
    assert store.history(sid) == []


def test_alternatives_and_select(store, sid):
    store.add_message(sid, "player", "Open the door", False)
    first = store.add_message(sid, "gm", "It creaks.", True, {"used_profile_id": "a"})
    second = store.add_alternative(first["id"], "It is locked.", {"used_profile_id": "b"})
    assert (second["position"], second["alt_index"], second["role_id"], second["is_ai"]) == (1, 1, "gm", True)
    msg = store.get_session(sid)["messages"][1]
    assert msg["content"] == "It is locked." and msg["current_alt_index"] == 1
    assert [(a["alt_index"], a["content"], a["is_current"]) for a in msg["alternatives"]] == [
        (0, "It creaks.", False), (1, "It is locked.", True)]
    assert msg["alternatives"][0]["metadata"] == {"used_profile_id": "a"}
    third = store.add_alternative(first["id"], "A dragon.", {})  # redraw from any alternative's id
    assert third["alt_index"] == 2
    chosen = store.select_alternative(sid, 1, 0)
    assert chosen["id"] == first["id"]
    msg = store.get_session(sid)["messages"][1]
    assert msg["content"] == "It creaks." and msg["current_alt_index"] == 0
    assert [a["is_current"] for a in msg["alternatives"]] == [True, False, False]
    assert [m["content"] for m in store.history(sid)] == ["Open the door", "It creaks."]
    assert len(store.get_session(sid)["messages"]) == 2
    for position, alt in ((1, 9), (7, 0)):
        with pytest.raises(NotFound):
            store.select_alternative(sid, position, alt)
    with pytest.raises(ValidationFailed):  # not a turn number at all (issue 24 item 9)
        store.select_alternative(sid, "x", 0)
    with pytest.raises(NotFound):
        store.select_alternative("nope", 1, 0)
    assert store.get_session(sid)["messages"][1]["current_alt_index"] == 0


def test_last_ai_message(store, sid):
    assert store.last_ai_message(sid) is None
    store.add_message(sid, "player", "hi", False)
    gm = store.add_message(sid, "gm", "gm says", True)
    elf = store.add_message(sid, "elf", "elf says", True)
    store.add_message(sid, "player", "and?", False)
    assert store.last_ai_message(sid)["id"] == elf["id"]
    assert store.last_ai_message(sid, role_id="gm")["id"] == gm["id"]
    assert store.last_ai_message(sid, role_id="dwarf") is None
    redraw = store.add_alternative(gm["id"], "gm again", {})
    assert store.last_ai_message(sid, "gm")["id"] == redraw["id"]


def test_overrides_crud(store, sid):
    assert store.get_overrides(sid) == {}
    store.set_override(sid, "gm", "profile-a")
    store.set_override(sid, "elf", "profile-b")
    store.set_override(sid, "gm", "profile-c")
    assert store.get_overrides(sid) == {"elf": "profile-b", "gm": "profile-c"}
    store.delete_override(sid, "gm")
    assert store.get_overrides(sid) == {"elf": "profile-b"}
    with pytest.raises(NotFound) as info:
        store.delete_override(sid, "gm")
    assert "gm" in info.value.message
    with pytest.raises(NotFound):
        store.set_override("nope", "gm", "p")
    with pytest.raises(ValidationFailed):
        store.set_override(sid, "", "p")
    other = store.create_session()["session_id"]
    assert store.get_overrides(other) == {}


def test_list_and_delete(store, sid):
    other = store.create_session("second")["session_id"]
    time.sleep(0.005)  # timestamps have millisecond resolution
    store.add_message(sid, "gm", "newest activity", True)
    listed = store.list_sessions()
    assert [s["session_id"] for s in listed] == [sid, other]
    assert listed[0]["message_count"] == 1
    assert len(store.list_sessions(limit=1)) == 1
    store.set_override(sid, "gm", "p")
    store.delete_session(sid)
    with pytest.raises(NotFound):
        store.get_session(sid)
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM character_overrides").fetchone()[0] == 0
    conn.close()


def test_persists_across_reopen(db_path):
    first = SessionStore(db_path)
    sid = first.create_session("kept")["session_id"]
    msg = first.add_message(sid, "gm", "stored", True, {"model": "m"})
    first.add_alternative(msg["id"], "stored 2", {"model": "n"})
    first.set_override(sid, "gm", "p")
    first.close()
    second = SessionStore(db_path)
    got = second.get_session(sid)
    assert got["title"] == "kept"
    assert got["messages"][0]["content"] == "stored 2"
    assert len(got["messages"][0]["alternatives"]) == 2
    assert second.get_overrides(sid) == {"gm": "p"}
    second.close()


def test_wal_mode_and_file_mode(store, sid):
    store.add_message(sid, "gm", "x", True)
    assert store.journal_mode() == "wal"
    for suffix in ("", "-wal", "-shm"):
        path = store.db_path + suffix
        if os.path.exists(path):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    conn.close()


def test_concurrent_writers_lose_nothing(store, sid):
    errors = []

    def writer(n):
        try:
            for i in range(25):
                msg = store.add_message(sid, f"role{n}", f"{n}-{i}", True)
                if i % 5 == 0:
                    store.add_alternative(msg["id"], f"{n}-{i}-redraw", {"n": n})
                store.set_override(sid, f"role{n}", f"p{i}")
                store.get_session(sid)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    messages = store.get_session(sid)["messages"]
    assert len(messages) == 200
    assert [m["position"] for m in messages] == list(range(200))
    contents = {m["content"] for m in messages}
    for n in range(8):
        for i in range(25):
            assert (f"{n}-{i}-redraw" if i % 5 == 0 else f"{n}-{i}") in contents
    assert sum(len(m.get("alternatives", [])) for m in messages) == 8 * 5 * 2
    assert store.get_overrides(sid) == {f"role{n}": "p24" for n in range(8)}


def test_an_exchange_is_stored_whole_or_not_at_all(store, sid):
    with pytest.raises(ValidationFailed):
        store.add_messages(sid, [(None, "player line", False, None), ("gm", None, True, {})])
    assert store.get_session(sid)["messages"] == []
    user, reply = store.add_messages(sid, [(None, "hello", False, None), ("gm", "hi", True, {"model": "m"})])
    assert (user["position"], reply["position"]) == (0, 1)
    assert [m["content"] for m in store.history(sid)] == ["hello", "hi"]
