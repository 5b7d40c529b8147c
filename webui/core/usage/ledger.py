"""usage.db (SQLite, WAL): one row per provider call, written off the reply's path by one background OS thread."""

import atexit
import collections
import contextlib
import os
import sqlite3
import time
import weakref
from datetime import datetime, timedelta, timezone

from webui.core.storage.fileio import create_private_file, sqlite_connect
from webui.core.observe import metrics
from webui.core.usage.ledger_schema import COLUMNS, SCHEMA, migrations
from webui.errors import ValidationFailed
from webui.offload import os_lock, os_sleep, os_thread, thread_local

GROUPS = {"profile": "profile_id", "role": "role_id", "session": "session_id", "day": "day", "token": "token_id"}
MAX_PENDING = 10_000  # beyond this the oldest unwritten rows are dropped (a stuck disk must not eat memory)
BATCH = 500
IDLE_EXIT = 2.0  # seconds without rows before the writer thread ends (record() starts it again)
POLL = 0.02
RETRY = 0.5  # seconds before a batch the store refused is tried again
_INSERT = f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_open = weakref.WeakSet()


def now_utc():
    """The current time (UTC)."""
    return datetime.now(timezone.utc)


def stamp(moment):
    """A sortable UTC timestamp: 2026-11-29T17:58:27.123Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_month(start):
    """The stamp of the month after the one starting at `start` (a month_start stamp)."""
    year, month = int(start[:4]), int(start[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01T00:00:00.000Z"


def month_start(moment):
    """The first instant of moment's calendar month (UTC), as a stamp: budgets count from there."""
    return stamp(moment.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0))


class UsageLedger:
    """Append rows with record() (microseconds: a deque append); a writer thread batches them into SQLite."""

    def __init__(self, db_path, read_only=False, clock=now_utc):
        self.db_path = str(db_path)
        self.read_only = read_only
        self.clock = clock
        self._pending = collections.deque(maxlen=MAX_PENDING)  # append/popleft are atomic across threads
        self._write_lock = self._lock()  # held by whoever turns pending rows into committed ones
        self._state_lock = self._lock()  # the writer's running flag and the spend cache
        self._running = False
        self._spend = {}  # (profile_id, month start) -> USD, kept current by record() once loaded
        self._local = thread_local()
        if read_only:
            return
        self._open()
        _open.add(self)

    # SQLite works on an OS thread (its calls block); the PostgreSQL ledger overrides these with greenlet-friendly ones.
    _lock = staticmethod(os_lock)
    _spawn = staticmethod(os_thread)
    _sleep = staticmethod(os_sleep)
    INDEX_HINT = " INDEXED BY usage_by_{group}"

    def _open(self):
        create_private_file(self.db_path)
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        existing = {row[1] for row in conn.execute("PRAGMA table_info(usage)")}
        with conn:  # an older usage.db gains the new columns (a new one has none yet: SCHEMA makes them)
            for statement in migrations(existing) if existing else ():
                conn.execute(statement)
        for statement in SCHEMA:
            conn.execute(statement)

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_connect(self.db_path)
            self._local.conn = conn
        return conn

    # ---- writing -----------------------------------------------------------------------------

    def record(self, row):
        """Queue one call's row (a dict of usage_schema.COLUMNS; `ts` and `day` are filled in)."""
        if self.read_only:
            return
        moment = self.clock()
        row = dict(row, ts=stamp(moment))
        row["day"] = row["ts"][:10]
        with self._state_lock:
            self._pending.append(tuple(row.get(c) for c in COLUMNS))
            key = (row.get("profile_id"), month_start(moment))
            if key in self._spend and row.get("cost_usd"):
                self._spend[key] += row["cost_usd"]
            start = not self._running
            self._running = True
        metrics.ledger_queue(len(self._pending))
        if start:
            self._spawn(self._writer, "usage-ledger")

    def _writer(self):
        idle_since = time.monotonic()
        while True:
            if self._pending:
                if not self.flush():  # the store refused a batch: it stays queued, try again shortly
                    self._sleep(RETRY)
                idle_since = time.monotonic()
                continue
            if time.monotonic() - idle_since > IDLE_EXIT:
                with self._state_lock:
                    if not self._pending:
                        self._running = False
                        return
            self._sleep(POLL)

    def flush(self):
        """Write every queued row now (the writer does this on its own; tests and shutdown call it); False when
        the store refused a batch (its rows stay queued)."""
        if self.read_only:
            return True
        with self._write_lock:
            while self._pending:
                batch = []
                with contextlib.suppress(IndexError):
                    while len(batch) < BATCH:
                        batch.append(self._pending.popleft())
                if not self._insert(batch):
                    self._pending.extendleft(reversed(batch))
                    metrics.ledger_queue(len(self._pending))
                    return False
        metrics.ledger_queue(len(self._pending))
        return True

    def _insert(self, batch):
        """One transaction per batch; a full or read-only disk loses usage rows, never a reply."""
        try:
            conn = self._conn()
            with conn:
                conn.execute("BEGIN")
                conn.executemany(_INSERT, batch)
        except sqlite3.Error:
            import logging

            logging.getLogger("webui.usage").exception("usage rows not written (%d)", len(batch))
        return True  # written, or lost to a broken disk: either way not retried

    def close(self):
        """Flush, then close this thread's connection."""
        self.flush()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---- reading -----------------------------------------------------------------------------

    def _read(self, sql, args=()):
        if self.read_only and not os.path.exists(self.db_path):
            return []
        self.flush()  # every call counts, the ones still queued too
        return self._conn().execute(sql, args).fetchall()

    def summary(self, group_by, since=None, until=None):
        """{rows: [{key, requests, prompt_tokens, completion_tokens, cost_usd, tokens_unknown}], totals} for
        [since, until); tokens_unknown counts the calls whose server reported no token usage (not counted as 0)."""
        column = GROUPS.get(group_by)
        if column is None:
            raise ValidationFailed({"group_by": f"must be one of {', '.join(GROUPS)}"})
        where, args = _range(since, until)
        sums = ("COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), SUM(cache_read_tokens), "
                "SUM(cache_write_tokens), SUM(CASE WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN 1 ELSE 0 END)")
        order = "key" if group_by == "day" else "SUM(cost_usd) DESC NULLS LAST, COUNT(*) DESC, key"
        rows = [_sums(r[1:], key=r[0]) for r in self._read(
            f"SELECT {column} AS key, {sums} FROM usage{self.INDEX_HINT.format(group=group_by)}{where} GROUP BY key "
            f"ORDER BY {order}",
            args)]
        return {"group_by": group_by, "since": since, "until": until, "rows": rows, "totals": _totals(rows)}

    def session_cost(self, session_id):
        """{requests, cost_usd} of every call made for one chat session (errors and regenerations included)."""
        count, cost = self._read("SELECT COUNT(*), SUM(cost_usd) FROM usage WHERE session_id = ?", (session_id,))[0]
        return {"requests": count, "cost_usd": cost}

    def calls_since(self, since):
        """(profile_id, provider, outcome, error, latency_ms) of every call from `since` (a stamp) on."""
        return self._read("SELECT profile_id, provider, outcome, error, latency_ms FROM usage "
                          "WHERE day >= ? AND ts >= ?", (since[:10], since))

    def month_spend(self, profile_id):
        """USD spent by a profile since the start of this calendar month (UTC)."""
        key = (profile_id, month_start(self.clock()))
        with self._state_lock:  # record() waits while the sum loads, so no row is counted twice or missed
            if key not in self._spend:
                found = self._read("SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage WHERE profile_id = ? AND ts >= ? AND ts < ?",
                                   (*key, next_month(key[1])))
                self._spend[key] = found[0][0] if found else 0.0
            return self._spend[key]

    def token_month_spend(self, token_id):
        """USD spent through one API token since the start of this calendar month (UTC)."""
        start = month_start(self.clock())
        found = self._read("SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage WHERE token_id = ? AND ts >= ? AND ts < ?",
                           (token_id, start, next_month(start)))
        return found[0][0] if found else 0.0


def _totals(rows):
    """The rows added up (one scan of the ledger serves both)."""
    costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    return {"requests": sum(r["requests"] for r in rows), "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
            "completion_tokens": sum(r["completion_tokens"] for r in rows),
            "cost_usd": round(sum(costs), 9) if costs else None,
            "cache_read_tokens": sum(r["cache_read_tokens"] for r in rows),
            "cache_write_tokens": sum(r["cache_write_tokens"] for r in rows),
            "tokens_unknown": sum(r["tokens_unknown"] for r in rows)}


def _sums(values, **extra):
    requests, prompt, completion, cost, cache_read, cache_write, unknown = values
    return {**extra, "requests": requests, "prompt_tokens": prompt or 0, "completion_tokens": completion or 0,
            "cost_usd": None if cost is None else round(cost, 9), "cache_read_tokens": cache_read or 0,
            "cache_write_tokens": cache_write or 0, "tokens_unknown": unknown or 0}


def parse_bound(value, name, end=False):
    """A `since`/`until` query value (YYYY-MM-DD or an ISO datetime) as a stamp; a date `until` includes the day."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            if end:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
        return stamp(moment)
    except OverflowError:  # 9999-12-31 as an end, or a zone offset past year 9999 in UTC
        raise ValidationFailed({name: "is past the latest date this server handles (9999-12-30)"}) from None
    except ValueError:
        raise ValidationFailed({name: "must be a date (YYYY-MM-DD) or an ISO 8601 date and time"}) from None


def _range(since, until):
    clauses, args = [], []
    if since:
        clauses.append("ts >= ?")
        args.append(since)
    if until:
        clauses.append("ts < ?")
        args.append(until)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


@atexit.register
def _flush_all():
    """Rows still queued at shutdown are written (gunicorn's worker exits through sys.exit)."""
    for ledger in list(_open):
        with contextlib.suppress(Exception):
            ledger.flush()
