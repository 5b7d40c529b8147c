"""core/usage_ledger: rows off the reply path, grouping, date ranges, month spend, the file itself."""

import os
import sqlite3
import stat
import time
from datetime import datetime, timezone

import pytest

from webui.core.usage.ledger import UsageLedger, parse_bound
from webui.errors import ValidationFailed


class Clock:
    """A settable UTC clock for the ledger."""

    def __init__(self, text):
        self.now = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def at(self, text):
        self.now = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def row(profile="alpha", role="gm", session="s1", cost=0.01, prompt=10, completion=5, outcome="ok", **extra):
    return {"api": "chat", "profile_id": profile, "role_id": role, "session_id": session, "provider": "open_ai",
            "model": "gpt-4o", "prompt_tokens": prompt, "completion_tokens": completion, "cost_usd": cost,
            "latency_ms": 12, "outcome": outcome, **extra}


@pytest.fixture
def clock():
    return Clock("2026-03-30T10:00:00")


@pytest.fixture
def ledger(tmp_path, clock):
    led = UsageLedger(tmp_path / "usage.db", clock=clock)
    yield led
    led.close()


def fill(ledger, clock):
    clock.at("2026-03-30T10:00:00")
    ledger.record(row())
    ledger.record(row(role="npc", cost=0.02))
    ledger.record(row(profile="beta", role="npc", session="s2", cost=0.0))
    clock.at("2026-03-31T23:59:59")
    ledger.record(row(session="s2", cost=None, prompt=None, completion=None, outcome="error", error="rate_limited"))
    clock.at("2026-04-01T00:00:00")
    ledger.record(row(api="v1", role=None, session=None, cost=0.5, prompt=1000, completion=100))


def test_grouping_by_each_key(ledger, clock):
    fill(ledger, clock)
    by = {g: {r["key"]: r for r in ledger.summary(g)["rows"]} for g in ("profile", "role", "session", "day")}
    assert by["profile"]["alpha"] == {"key": "alpha", "requests": 4, "prompt_tokens": 1020, "completion_tokens": 110,
                                      "cost_usd": 0.53, "cache_read_tokens": 0, "cache_write_tokens": 0,
                                      "tokens_unknown": 1}  # the failed call: no usage known
    assert by["profile"]["beta"]["cost_usd"] == 0.0
    assert by["role"]["npc"]["requests"] == 2 and by["role"][None]["requests"] == 1
    assert by["session"]["s2"]["requests"] == 2 and by["session"]["s2"]["cost_usd"] == 0.0
    assert list(by["day"]) == ["2026-03-30", "2026-03-31", "2026-04-01"]  # days in order
    assert by["day"]["2026-03-31"]["cost_usd"] is None  # only a failed call that day: no cost known
    totals = ledger.summary("profile")["totals"]
    assert totals == {"requests": 5, "prompt_tokens": 1030, "completion_tokens": 115, "cost_usd": 0.53, "cache_read_tokens": 0, "cache_write_tokens": 0,
                      "tokens_unknown": 1}
    assert [r["key"] for r in ledger.summary("profile")["rows"]] == ["alpha", "beta"]  # costliest first


def test_date_ranges(ledger, clock):
    fill(ledger, clock)

    def keys(since=None, until=None):
        s, u = parse_bound(since, "since"), parse_bound(until, "until", end=True)
        return [r["key"] for r in ledger.summary("day", s, u)["rows"]]

    assert keys("2026-03-31") == ["2026-03-31", "2026-04-01"]
    assert keys(until="2026-03-31") == ["2026-03-30", "2026-03-31"]  # a date `until` includes that day
    assert keys("2026-03-31", "2026-03-31") == ["2026-03-31"]
    assert keys("2026-03-31T23:59:59Z", "2026-04-01T00:00:00Z") == ["2026-03-31"]  # a date-time `until` excludes it
    assert keys("2026-03-30T11:00:00+01:00") == ["2026-03-30", "2026-03-31", "2026-04-01"]  # = 10:00Z: included
    assert keys("2026-03-30T11:00:00.001+01:00") == ["2026-03-31", "2026-04-01"]  # offsets are UTC-converted
    assert keys("2027-01-01") == []
    empty = ledger.summary("role", parse_bound("2027-01-01", "since"))
    assert empty["totals"] == {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None, "cache_read_tokens": 0, "cache_write_tokens": 0,
                               "tokens_unknown": 0}


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-03-30T25:00"])
def test_bad_bounds_and_groups_are_field_errors(ledger, value):
    with pytest.raises(ValidationFailed) as err:
        parse_bound(value, "since")
    assert "since" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        ledger.summary("model")
    assert "group_by" in err.value.fields


def test_month_spend_counts_this_calendar_month_and_keeps_up_with_new_rows(ledger, clock):
    fill(ledger, clock)
    clock.at("2026-03-31T12:00:00")
    assert ledger.month_spend("alpha") == pytest.approx(0.03)  # not the April row (recorded "later")
    ledger.record(row(cost=0.25))
    assert ledger.month_spend("alpha") == pytest.approx(0.28)  # the cached total follows record()
    clock.at("2026-04-15T00:00:00")
    assert ledger.month_spend("alpha") == pytest.approx(0.5)  # a new month starts from its own rows
    assert ledger.month_spend("nobody") == 0


def test_the_writer_thread_commits_without_a_flush_and_the_file_is_private(ledger, tmp_path):
    ledger.record(row())
    deadline = time.monotonic() + 10
    count = 0
    while time.monotonic() < deadline and not count:
        with sqlite3.connect(tmp_path / "usage.db") as raw:
            count = raw.execute("SELECT COUNT(*) FROM usage").fetchone()[0]
        time.sleep(0.02)
    assert count == 1
    assert stat.S_IMODE(os.stat(tmp_path / "usage.db").st_mode) == 0o600
    with sqlite3.connect(tmp_path / "usage.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("group, column", [("profile", "profile_id"), ("role", "role_id"),
                                           ("session", "session_id"), ("day", "day")])
def test_each_grouping_reads_only_its_covering_index_without_a_sort(ledger, group, column):
    plan = " ".join(str(r[-1]) for r in ledger._conn().execute(
        f"EXPLAIN QUERY PLAN SELECT {column}, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd) "
        f"FROM usage INDEXED BY usage_by_{group} WHERE ts >= ? GROUP BY {column}", ("2026",)).fetchall())
    assert f"COVERING INDEX usage_by_{group}" in plan and "TEMP B-TREE" not in plan, plan


def test_read_only_ledger_records_nothing_and_reads_empty(tmp_path):
    led = UsageLedger(tmp_path / "missing.db", read_only=True)
    led.record(row())
    assert led.summary("day")["rows"] == [] and not (tmp_path / "missing.db").exists()


def test_an_older_usage_db_gains_the_cache_columns(tmp_path):
    """A usage.db from before prompt caching and token ids: its rows stay, the columns and covering indexes are
    added."""
    import sqlite3

    from webui.core.usage.ledger import UsageLedger

    path = tmp_path / "usage.db"
    old = sqlite3.connect(path)
    old.execute("""CREATE TABLE usage (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, day TEXT NOT NULL, api TEXT NOT NULL,
        profile_id TEXT, role_id TEXT, session_id TEXT, provider TEXT, model TEXT, prompt_tokens INTEGER,
        completion_tokens INTEGER, cost_usd REAL, latency_ms INTEGER, outcome TEXT NOT NULL, error TEXT,
        fallback_from TEXT)""")
    old.execute("CREATE INDEX usage_by_profile ON usage (profile_id, ts, prompt_tokens, completion_tokens, cost_usd)")
    old.execute("INSERT INTO usage (ts, day, api, profile_id, prompt_tokens, completion_tokens, cost_usd, outcome) "
                "VALUES ('2026-03-30T10:00:00.000Z', '2026-03-30', 'v1', 'alpha', 100, 10, 0.5, 'ok')")
    old.commit()
    old.close()
    ledger = UsageLedger(path)
    ledger.record({"api": "v1", "profile_id": "alpha", "prompt_tokens": 1000, "completion_tokens": 5,
                   "cache_read_tokens": 800, "cache_write_tokens": 100, "cost_usd": 0.25, "outcome": "ok"})
    rows = ledger.summary("profile")["rows"]
    assert rows == [{"key": "alpha", "requests": 2, "prompt_tokens": 1100, "completion_tokens": 15, "cost_usd": 0.75,
                     "cache_read_tokens": 800, "cache_write_tokens": 100, "tokens_unknown": 0}]
    index = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master WHERE name = 'usage_by_profile'").fetchone()
    assert "cache_read_tokens" in index[0]
    ledger.record({"api": "v1", "profile_id": "alpha", "cost_usd": 0.125, "outcome": "ok", "token_id": "tok1"})
    by_token = {r["key"]: r["cost_usd"] for r in ledger.summary("token")["rows"]}
    assert by_token == {None: 0.75, "tok1": 0.125}  # older rows name no token
    ledger.close()
    UsageLedger(path).close()  # opening it again changes nothing

