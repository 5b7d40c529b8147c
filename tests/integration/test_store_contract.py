"""One storage contract, two backends: the config folder's files and PostgreSQL answer every call alike."""

from types import SimpleNamespace

import pytest

from webui.core.access.auth import AuthStore
from webui.core.chat.sessions import SessionStore
from webui.core.chat.sessions_pg import PgSessionStore
from webui.core.storage import backend
from webui.core.usage.ledger import UsageLedger
from webui.core.usage.ledger_pg import PgUsageLedger
from webui.errors import Conflict, NotFound


@pytest.fixture(params=["file", "postgresql"])
def stores(request, tmp_path):
    """The four stores as the app builds them, on one backend."""
    env = {}
    if request.param == "postgresql":
        env["WEBUI_DATABASE_URL"] = request.getfixturevalue("pg_url")
    store = backend.database(env)
    made = SimpleNamespace(
        kind=backend.kind(env),
        config=backend.config_store(str(tmp_path), env),
        auth=AuthStore(tmp_path, document=backend.auth_document(env)),
        sessions=PgSessionStore(store.db) if store else SessionStore(tmp_path / "sessions.db"),
        ledger=PgUsageLedger(store.db) if store else UsageLedger(tmp_path / "usage.db"),
    )
    yield made
    made.ledger.close()
    made.sessions.close()


def test_config_revisions_and_if_match(stores):
    first = stores.config.read()
    assert first.revision is None and "settings" in first.data  # the template until the first save
    snap, result = stores.config.update(lambda data: data["settings"].update(theme="dark") or "done")
    assert result == "done" and snap.revision and snap.data["settings"]["theme"] == "dark"
    assert stores.config.read().revision == snap.revision
    newer, _ = stores.config.update(lambda data: data["settings"].update(theme="light"), snap.revision)
    with pytest.raises(Conflict) as stale:
        stores.config.update(lambda data: data["settings"].update(theme="blue"), snap.revision)
    assert stale.value.details["revision"] == newer.revision
    assert stores.config.read().data["settings"]["theme"] == "light"
    same, _ = stores.config.update(lambda data: None)  # nothing changed: the revision stays
    assert same.revision == newer.revision


def test_config_change_that_raises_writes_nothing(stores):
    snap, _ = stores.config.update(lambda data: data["settings"].update(n=1))

    def broken(data):
        data["settings"]["n"] = 2
        raise ValueError("no")

    with pytest.raises(ValueError):
        stores.config.update(broken)
    assert stores.config.read().revision == snap.revision and stores.config.read().data["settings"]["n"] == 1


def test_config_json_holds_the_config_in_both_modes(stores, tmp_path):
    snap, _ = stores.config.update(lambda data: data["settings"].update(ai_source="openai"))
    from webui.core.storage.store import ConfigStore

    assert ConfigStore(str(tmp_path)).read().revision == snap.revision  # the file the desktop app reads


def test_sessions_messages_alternatives_overrides(stores):
    s = stores.sessions
    sid = s.create_session("Tavern")["session_id"]
    player, reply = s.add_messages(sid, [(None, "hello", False, None), ("gm", "welcome", True, {"n": 1})])
    assert (player["position"], reply["position"]) == (0, 1) and reply["metadata"] == {"n": 1}
    redraw = s.add_alternative(reply["id"], "welcome back")
    assert redraw["alt_index"] == 1
    got = s.get_session(sid)
    assert [m["content"] for m in got["messages"]] == ["hello", "welcome back"]
    assert len(got["messages"][1]["alternatives"]) == 2
    assert s.select_alternative(sid, 1, 0)["content"] == "welcome"
    assert [m["content"] for m in s.history(sid)] == ["hello", "welcome"]
    assert s.last_ai_message(sid, "gm")["content"] == "welcome"
    s.set_override(sid, "bard", "p2")
    s.set_override(sid, "bard", "p3")
    assert s.get_overrides(sid) == {"bard": "p3"}
    s.delete_override(sid, "bard")
    with pytest.raises(NotFound):
        s.delete_override(sid, "bard")
    compared = s.add_compared(sid, "which?", "gm", [("a", {}), ("b", {})])
    assert [m["alt_index"] for m in compared] == [0, 1]
    listed = s.list_sessions()
    assert listed[0]["session_id"] == sid and listed[0]["message_count"] == 4
    s.delete_session(sid)
    with pytest.raises(NotFound):
        s.get_session(sid)


def test_ledger_rows_summaries_and_spend(stores):
    ledger = stores.ledger
    for cost in (0.5, 0.25, None):
        ledger.record({"api": "v1", "profile_id": "p1", "role_id": "gm", "session_id": "s1", "provider": "openai",
                       "model": "m", "prompt_tokens": 10, "completion_tokens": 5, "cost_usd": cost,
                       "latency_ms": 3, "outcome": "ok"})
    ledger.flush()
    summary = ledger.summary("profile")
    assert summary["rows"] == [{"key": "p1", "requests": 3, "prompt_tokens": 30, "completion_tokens": 15,
                                "cost_usd": 0.75, "cache_read_tokens": 0, "cache_write_tokens": 0, "tokens_unknown": 0}]
    assert ledger.summary("day")["totals"]["requests"] == 3
    assert ledger.session_cost("s1") == {"requests": 3, "cost_usd": 0.75}
    assert ledger.month_spend("p1") == 0.75
    ledger.record({"api": "chat", "profile_id": "p1", "cost_usd": 0.25, "outcome": "ok", "token_id": "t1"})
    assert ledger.month_spend("p1") == 1.0  # counted at once, before the writer has stored it
    by_token = {r["key"]: r["requests"] for r in ledger.summary("token")["rows"]}
    assert by_token == {None: 3, "t1": 1}


def test_auth_password_tokens_and_logout(stores):
    auth = stores.auth
    assert auth.ensure_initialized({"WEBUI_USERNAME": "owner", "WEBUI_PASSWORD": "long enough pw"}) is None
    assert auth.ensure_initialized({}) is None  # second start: nothing new
    assert auth.username() == "owner" and auth.verify_password("owner", "long enough pw")
    assert not auth.verify_password("owner", "wrong password")
    record, plaintext = auth.create_token("ci")
    assert auth.verify_token(plaintext)["id"] == record["id"]
    assert [t["name"] for t in auth.list_tokens()] == ["ci"] and "hash" not in auth.list_tokens()[0]
    auth.revoke_token(record["id"])
    assert auth.verify_token(plaintext) is None
    assert auth.session_live("abc")
    auth.end_session("abc", 60)
    assert not auth.session_live("abc") and auth.session_live("other")
    before = auth.password_fingerprint()
    auth.set_password("a new password")
    assert auth.password_fingerprint() != before


def test_postgresql_month_spend_counts_other_instances(pg_url, monkeypatch):
    from webui.core.usage import ledger_pg

    store = backend.database({"WEBUI_DATABASE_URL": pg_url})
    mine, theirs = PgUsageLedger(store.db), PgUsageLedger(store.db)
    assert mine.month_spend("p1") == 0.0
    theirs.record({"api": "v1", "profile_id": "p1", "cost_usd": 0.5, "outcome": "ok"})
    theirs.flush()
    monkeypatch.setattr(ledger_pg, "SPEND_TTL", 0.0)
    assert mine.month_spend("p1") == 0.5


def test_postgresql_ledger_keeps_rows_while_the_server_is_away(pg_url):
    from tests.tcp_proxy import TcpProxy
    from webui.core.storage.pg.database import Database

    proxy = TcpProxy(5432)
    db = Database(pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
    ledger = PgUsageLedger(db)
    try:
        proxy.cut("refuse")
        ledger.record({"api": "v1", "profile_id": "kept", "cost_usd": 0.5, "outcome": "ok"})
        assert ledger.flush() is False  # refused: still queued, nothing lost
        proxy.restore()
        assert ledger.flush() is True
        assert ledger.summary("profile")["rows"][0]["key"] == "kept"
    finally:
        ledger.close()
        db.close()
        proxy.close()
