"""Usage ledger: the time a call spends recording its row (critical path), and GET /api/usage over 100,000 rows."""

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import BENCH_PASSWORD, bench_env, machine, pct, percentile  # noqa: E402

from webui.core.usage.metering import Meter  # noqa: E402
from webui.core.usage.ledger import UsageLedger, stamp  # noqa: E402
from webui.core.usage.ledger_schema import COLUMNS  # noqa: E402


class Answer:
    """What the gateway hands the meter: a reply's model, usage and latency."""

    model, latency_ms, usage = "gpt-4o-2024-08-06", 420, {"prompt_tokens": 812, "completion_tokens": 233}


def fill(db_path, rows, days):
    """`rows` ledger rows over the last `days` days: 20 profiles, 12 roles, 2,000 sessions (setup, not timed)."""
    rnd = random.Random(17)
    now = datetime.now(timezone.utc)
    batch = []
    for i in range(rows):
        moment = now - timedelta(seconds=rnd.uniform(0, days * 86400))
        ts = stamp(moment)
        batch.append((ts, ts[:10], rnd.choice(("chat", "v1")), f"profile-{rnd.randrange(20)}",
                      rnd.choice([None] + [f"role-{r}" for r in range(12)]), f"session-{rnd.randrange(2000)}",
                      "open_ai", "gpt-4o", rnd.randrange(50, 4000), rnd.randrange(10, 800),
                      rnd.choice((None, rnd.uniform(0, 0.05))), rnd.randrange(100, 5000), "ok", None, None,
                      rnd.choice((None, rnd.randrange(0, 3000))), rnd.choice((None, rnd.randrange(0, 500)))))
    batch.sort()  # rows arrive in time order in real life
    with sqlite3.connect(db_path) as conn:
        conn.executemany(f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                         batch)


def bench_record(tmp, count):
    """Time ledger.record() (a deque append) and Meter.succeeded() (price lookup + cost + record) per call."""
    ledger = UsageLedger(os.path.join(tmp, "record.db"))
    profile = {"id": "alpha", "provider": "open_ai", "model": "gpt-4o"}
    meter = Meter(ledger, {"alpha": profile}, "chat", "gm", "s1")
    record, succeeded = [], []
    row = {"api": "chat", "profile_id": "alpha", "role_id": "gm", "session_id": "s1", "provider": "open_ai",
           "model": "gpt-4o", "prompt_tokens": 812, "completion_tokens": 233, "cost_usd": 0.0043,
           "latency_ms": 420, "outcome": "ok"}
    for _ in range(count):
        started = time.perf_counter()
        ledger.record(row)
        record.append(time.perf_counter() - started)
        started = time.perf_counter()
        meter.succeeded("alpha", profile, Answer)
        succeeded.append(time.perf_counter() - started)
    started = time.perf_counter()
    ledger.flush()
    drained = time.perf_counter() - started
    ledger.close()
    return record, succeeded, drained


def bench_query(tmp, rows, days, count, budget):
    """ledger.summary per group_by (30 days and all time), and GET /api/usage through the app (test client)."""
    from webui import create_app

    env = bench_env(tmp)
    app = create_app({"TESTING": True, "CONFIG_DIR": tmp, "ENVIRON": env})
    ledger = app.extensions["triplo"].usage
    fill(ledger.db_path, rows, days)
    since = stamp(datetime.now(timezone.utc) - timedelta(days=30))
    client = app.test_client()
    login = client.post("/login", data={"username": "admin", "password": BENCH_PASSWORD})
    assert login.status_code in (200, 302, 303), login.status_code
    results = {}
    for group in ("profile", "role", "session", "day"):
        for label, bound, query in (("30 days", since, f"&since={since[:10]}"), ("all", None, "")):
            for kind in ("summary", "http"):
                times, deadline = [], time.monotonic() + budget
                for _ in range(count):
                    if time.monotonic() > deadline:
                        break
                    started = time.perf_counter()
                    if kind == "summary":
                        ledger.summary(group, bound)
                    else:
                        response = client.get(f"/api/usage?group_by={group}{query}")
                        assert response.status_code == 200, response.status_code
                    times.append(time.perf_counter() - started)
                results[(group, label, kind)] = times
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="ledger rows for the query benchmark")
    parser.add_argument("--days", type=int, default=90, help="days the rows are spread over")
    parser.add_argument("--records", type=int, default=20_000, help="record() calls timed")
    parser.add_argument("--queries", type=int, default=30, help="queries per group/range")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per measurement at most")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as tmp:
        record, succeeded, drained = bench_record(tmp, args.records)
        print(f"ledger.record()            ms  {pct(record)}")
        print(f"meter.succeeded() (+price) ms  {pct(succeeded)}")
        print(f"writer: {len(record) * 2:,} rows committed in {drained * 1000:.1f} ms by flush() (off the reply path)")
        results = bench_query(tmp, args.rows, args.days, args.queries, args.budget)
    print(f"\nGET /api/usage over {args.rows:,} rows spread over {args.days} days:")
    worst = 0
    for (group, label, kind), times in results.items():
        print(f"  group_by={group:8s} {label:8s} {kind:8s} ms  {pct(times)}")
        worst = max(worst, percentile(times, 50))
    added = percentile(succeeded, 50) * 1000
    print(f"\ntarget ledger write added p50 <= 0.2 ms: {added:.4f} ms -> {'MET' if added <= 0.2 else 'MISSED'}")
    print(f"target /api/usage p50 <= 50 ms (worst case above): {worst * 1000:.2f} ms -> "
          f"{'MET' if worst * 1000 <= 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
