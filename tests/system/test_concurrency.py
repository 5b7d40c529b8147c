"""Concurrency: 8 clients save the same profile through the JSON API with revisions; no update is lost."""

import os
import threading
import time

import pytest
import requests

from tests.app_fixtures import BASIC, http_session

pytestmark = pytest.mark.system

FULL = os.environ.get("TRIPLO_FULL_PROOF") == "1"
CLIENTS = 8
SAVES = 100 if FULL else 10
BUDGET = 900 if FULL else 25  # seconds for the whole run
PROFILE = "shared"


def client_run(base, headers, index, outcome):
    """SAVES read-modify-write cycles, each adding one token to extra_params; on 409 re-read and retry."""
    http = http_session(base, headers)
    url = f"{base}/api/llm/profiles/{PROFILE}?restart=false"
    accepted, conflicts, stale_checked = [], 0, False
    deadline = time.monotonic() + BUDGET
    try:
        current = http.get(url, timeout=30)
        for k in range(SAVES):
            token = f"c{index}-{k}"
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"client {index} ran out of time at save {k}")
                assert current.status_code == 200, current.text[:300]
                etag = current.headers["ETag"]
                extra = dict(current.json()["profile"]["extra_params"], **{token: k})
                response = http.patch(url, json={"extra_params": extra}, headers={"If-Match": etag}, timeout=30)
                if response.status_code == 200:
                    accepted.append((token, response.headers["ETag"]))
                    if not stale_checked:  # the revision we just replaced is now stale: it must be refused
                        stale = http.patch(url, json={"extra_params": {}}, headers={"If-Match": etag}, timeout=30)
                        assert stale.status_code == 409, (stale.status_code, stale.text[:300])
                        assert stale.json()["error"] == "conflict"
                        stale_checked = True
                    current = response
                    break
                assert response.status_code == 409, (response.status_code, response.text[:300])
                assert response.json()["error"] == "conflict"
                conflicts += 1
                current = http.get(url, timeout=30)  # re-read, then retry on the fresh revision
    except BaseException as exc:  # reported by the test thread
        outcome[index] = exc
        return
    outcome[index] = (accepted, conflicts)


def test_no_update_lost(live):
    headers = dict(BASIC)
    created = requests.post(f"{live.url}/api/llm/profiles?restart=false", headers=headers, timeout=30,
                            json={"id": PROFILE, "name": "Shared", "provider": "open_ai", "model": "gpt-4o",
                                  "api_key": "sk-concurrency-test-0000"})
    assert created.status_code == 201, created.text[:500]

    outcome = {}
    threads = [threading.Thread(target=client_run, args=(live.url, headers, i, outcome), daemon=True)
               for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1, BUDGET + 30 - (time.monotonic() - started)))
    assert not any(t.is_alive() for t in threads), "a client hung"
    errors = {i: o for i, o in outcome.items() if isinstance(o, BaseException)}
    assert not errors, errors

    tokens = [tok for accepted, _ in outcome.values() for tok, _ in accepted]
    revisions = [rev for accepted, _ in outcome.values() for _, rev in accepted]
    conflicts = sum(c for _, c in outcome.values())
    assert len(tokens) == CLIENTS * SAVES
    assert len(set(revisions)) == len(revisions), "two accepted saves answered the same revision"

    final = requests.get(f"{live.url}/api/llm/profiles/{PROFILE}", headers=headers, timeout=30).json()["profile"]
    missing = set(tokens) - set(final["extra_params"])
    assert not missing, f"lost updates: {sorted(missing)[:10]}"
    assert len(final["extra_params"]) == CLIENTS * SAVES
    print(f"{len(tokens)} saves accepted, {conflicts} answered 409 and were retried, "
          f"{time.monotonic() - started:.1f} s")
