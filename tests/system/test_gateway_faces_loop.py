"""The Responses and Embeddings faces under the production runner (one gevent worker): 40 calls waiting on a
slow upstream at once, each storing its Response in sessions.db or writing a ledger row, finish together while
/healthz keeps answering; nothing they do (upstream waits, SQLite reads and writes) holds the event loop."""

import json
import threading
import time

import pytest

from tests.fakes import FakeProvider
from tests.system.test_capacity import _prepare, _request, quiet_fake, served  # noqa: F401 (fixture)

pytestmark = pytest.mark.system
CALLS = 40
STALL = 1.0


def test_slow_upstream_calls_run_side_by_side(tmp_path, quiet_fake):  # noqa: F811
    with FakeProvider("open_ai", reply="Slow but sure", stall=STALL) as fake:
        token = _prepare(tmp_path / "cfg", fake)
        with served(tmp_path / "cfg") as port:
            results = [None] * CALLS

            def client(i):
                path, body = ("/v1/responses", {"model": "cap", "input": f"hi {i}"}) if i % 2 else \
                    ("/v1/embeddings", {"model": "cap", "input": f"text {i}"})
                status, _, raw = _request(port, "POST", path, token, body, timeout=60)
                results[i] = (status, json.loads(raw))

            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CALLS)]
            for thread in threads:
                thread.start()
            health = []
            while any(t.is_alive() for t in threads) and time.monotonic() - started < 60:
                before = time.monotonic()
                status, _, _ = _request(port, "GET", "/healthz", token, timeout=30)
                health.append(time.monotonic() - before)
                assert status == 200
                time.sleep(0.1)
            for thread in threads:
                thread.join(max(0.1, 60 - (time.monotonic() - started)))
            elapsed = time.monotonic() - started
            stored = [r for s, r in results[1::2] if s == 200]
            status, _, raw = _request(port, "GET", f"/v1/responses/{stored[0]['id']}", token)
    assert all(r and r[0] == 200 for r in results), [r for r in results if not r or r[0] != 200][:3]
    assert all(r["output"][0]["content"][0]["text"] == "Slow but sure" for _, r in results[1::2])
    assert all(len(r["data"][0]["embedding"]) == 4 for _, r in results[0::2])
    assert status == 200 and json.loads(raw)["id"] == stored[0]["id"]
    # One after another they would take CALLS x STALL = 40 s; side by side about one stall (generous bound).
    assert elapsed < CALLS * STALL / 3, elapsed
    # /healthz kept answering while the calls waited: its median, since one sample on a machine loaded far past
    # its CPU count can take seconds for reasons of its own (main's capacity test shows the same outliers).
    assert len(health) >= 3 and sorted(health)[len(health) // 2] < 1, sorted(health)
