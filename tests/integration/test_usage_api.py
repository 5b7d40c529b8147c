"""Cost and usage over real HTTP: cost_usd and X-Request-Cost, ledger rows from both APIs (fallbacks and errors
too), GET /api/usage grouping and ranges, budgets with and without fallback, and no secret in the ledger."""

import glob
import os
from datetime import datetime, timedelta, timezone

import pytest

from .chat_helpers import KEY_A, KEY_C, chat, game, new_session, sse_events  # noqa: F401 (fixture)

GPT4O_11_7 = 0.0000975  # 11 prompt + 7 completion tokens at $2.50 / $10 per 1M (the bundled gpt-4o entry)
TODAY = datetime.now(timezone.utc).date()


def ledger(game):
    return game.app.extensions["triplo"].usage


def rows(game):
    """Every ledger row as a dict (oldest first)."""
    led = ledger(game)
    led.flush()
    cursor = led._conn().execute("SELECT * FROM usage ORDER BY id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def usage(game, **params):
    r = game.http.get(f"{game.base}/api/usage", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def complete(game, model="alpha", **extra):
    return game.http.post(f"{game.base}/v1/chat/completions",
                          json={"model": model, "messages": [{"role": "user", "content": "Hi"}], **extra})


def patch(game, pid, **fields):
    r = game.http.patch(f"{game.base}/api/llm/profiles/{pid}?restart=false", json=fields)
    assert r.status_code == 200, r.text
    return r.json()["profile"]


def test_every_reply_has_its_cost_and_v1_says_it_in_a_header(game):
    sid = new_session(game)
    meta = chat(game, sid, "gm", "Hello").json()["metadata"]
    assert meta["cost_usd"] == pytest.approx(GPT4O_11_7)
    assert chat(game, sid, "npc", "Hello").json()["metadata"]["cost_usd"] == 0.0  # a local server is free
    stored = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]
    assert stored[1]["metadata"]["cost_usd"] == pytest.approx(GPT4O_11_7)
    r = complete(game)
    assert r.status_code == 200 and r.headers["X-Request-Cost"] == "0.0000975"
    game.fakes.a.usage = None  # no usage reported: cost unknown, no header (never invented)
    r = complete(game)
    assert r.status_code == 200 and "X-Request-Cost" not in r.headers
    r = chat(game, sid, "gm", "Again")
    assert r.json()["metadata"]["cost_usd"] is None


def test_ledger_rows_from_both_apis_streams_included(game):
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200
    r = chat(game, sid, "bard", "Sing", stream=True)
    assert sse_events(r.text)[-1][0] == "done"
    assert complete(game, "role:npc").status_code == 200
    r = complete(game, stream=True)
    assert r.status_code == 200 and "[DONE]" in r.text
    got = rows(game)
    assert [(x["api"], x["profile_id"], x["role_id"], x["session_id"], x["outcome"]) for x in got] == [
        ("chat", "alpha", "gm", sid, "ok"), ("chat", "gamma", "bard", sid, "ok"),
        ("v1", "beta", "npc", None, "ok"), ("v1", "alpha", None, None, "ok")]
    assert all(x["prompt_tokens"] == 11 and x["completion_tokens"] == 7 and x["latency_ms"] is not None for x in got)
    assert got[0]["provider"] == "open_ai" and got[0]["model"] == "gpt-4o" and got[0]["day"] == TODAY.isoformat()
    assert got[1]["cost_usd"] is None  # claude-test: not in the price table
    by_profile = {r["key"]: r for r in usage(game, group_by="profile")["rows"]}
    assert by_profile["alpha"] == {"key": "alpha", "requests": 2, "prompt_tokens": 22, "completion_tokens": 14,
                                   "cost_usd": round(2 * GPT4O_11_7, 9), "cache_read_tokens": 0,
                                   "cache_write_tokens": 0, "tokens_unknown": 0}
    assert by_profile["gamma"]["cost_usd"] is None and by_profile["beta"]["cost_usd"] == 0.0
    roles = {r["key"]: r["requests"] for r in usage(game, group_by="role")["rows"]}
    assert roles == {"gm": 1, "bard": 1, "npc": 1, None: 1}
    sessions = {r["key"]: r["requests"] for r in usage(game, group_by="session")["rows"]}
    assert sessions == {sid: 2, None: 2}
    days = usage(game)  # group_by defaults to day
    assert days["rows"][0]["key"] == TODAY.isoformat() and days["totals"]["requests"] == 4


def test_fallbacks_and_errors_are_rows_too(game):
    patch(game, "beta", fallback_profile_ids=["alpha"])
    game.fakes.b.fail(503, "overloaded", times=20)
    sid = new_session(game)
    assert chat(game, sid, "npc", "Hi").json()["metadata"]["fallback_from"] == "beta"
    game.fakes.c.fail(400, "context too long")
    assert chat(game, sid, "bard", "Hi").status_code == 400
    game.fakes.a.fail(401, "bad key")
    assert complete(game).status_code == 502
    got = [(x["profile_id"], x["outcome"], x["error"], x["fallback_from"]) for x in rows(game)]
    assert got == [("beta", "error", "provider_overloaded", None), ("alpha", "fallback", None, "beta"),
                   ("gamma", "error", "provider_bad_request", None), ("alpha", "error", "provider_auth_failed", None)]
    assert usage(game, group_by="profile")["totals"]["requests"] == 4


def test_grouping_and_date_ranges_over_http(game):
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200
    tomorrow, yesterday = (TODAY + timedelta(days=1)).isoformat(), (TODAY - timedelta(days=1)).isoformat()
    assert usage(game, since=TODAY.isoformat(), until=TODAY.isoformat())["totals"]["requests"] == 1
    assert usage(game, since=tomorrow)["rows"] == []
    assert usage(game, until=yesterday)["totals"]["requests"] == 0
    for params, field in (({"group_by": "model"}, "group_by"), ({"since": "last week"}, "since"),
                          ({"until": "2026-02-30"}, "until")):
        r = game.http.get(f"{game.base}/api/usage", params=params)
        assert r.status_code == 400 and field in r.json()["fields"], r.text


def test_budget_reached_without_fallback_answers_429_on_both_apis(game):
    patch(game, "alpha", budget={"monthly_usd": 0.0001})
    sid = new_session(game)
    assert chat(game, sid, "gm", "One").status_code == 200  # $0.0000975 < $0.0001
    assert chat(game, sid, "gm", "Two").status_code == 200  # spend 0.0000975: still under
    r = chat(game, sid, "gm", "Three")
    assert r.status_code == 429 and r.json()["error"] == "budget_exceeded", r.text
    message = r.json()["message"]
    assert "Alpha" in message and "$0.000195 spent of $0.0001 " in message
    assert r.json()["spent_usd"] == pytest.approx(2 * GPT4O_11_7) and r.json()["budget_usd"] == 0.0001
    r = complete(game)
    assert r.status_code == 429 and r.json()["error"]["code"] == "budget_exceeded"
    assert complete(game, stream=True).status_code == 429  # refused before the first byte, streams too
    assert chat(game, sid, "gm", "Four", stream=True).status_code == 429
    assert game.fakes.a.count() == 2  # no provider call once the budget is spent
    assert len(game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]) == 4
    patch(game, "alpha", budget={"monthly_usd": 5})  # raising it lets calls through again
    assert complete(game).status_code == 200


def test_budget_reached_with_fallback_moves_on_and_says_so(game):
    patch(game, "alpha", budget={"monthly_usd": 0}, fallback_profile_ids=["beta"])
    sid = new_session(game)
    body = chat(game, sid, "gm", "Hi").json()
    assert body["used_profile_id"] == "beta" and body["metadata"]["fallback_from"] == "alpha"
    assert body["metadata"]["cost_usd"] == 0.0
    r = complete(game)
    assert r.status_code == 200 and r.headers["X-Triplo-Fallback-From"] == "alpha"
    assert r.headers["X-Request-Cost"] == "0"
    assert game.fakes.a.count() == 0
    assert [(x["profile_id"], x["outcome"]) for x in rows(game)] == [("beta", "fallback"), ("beta", "fallback")]


def test_no_secret_in_the_ledger(game):
    """Planted keys (a stored one and an api_key_ref one) never reach usage.db, whatever the outcome."""
    sid = new_session(game)
    chat(game, sid, "gm", "Hello")
    chat(game, sid, "bard", f"my key is {KEY_C}")  # message text is never stored there either
    game.fakes.a.fail(401, f"invalid key {KEY_A}")
    complete(game, messages=[{"role": "user", "content": KEY_A}])
    ledger(game).flush()
    folder = game.config_dir
    blobs = b"".join(open(p, "rb").read() for p in glob.glob(os.path.join(folder, "usage.db*")))
    assert len(rows(game)) == 3
    for planted in (KEY_A, KEY_C, "my key is"):
        assert planted.encode() not in blobs
    for row in rows(game):
        assert not any(isinstance(v, str) and (KEY_A in v or KEY_C in v) for v in row.values())
