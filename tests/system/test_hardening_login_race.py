"""Issue 24, item 11: parallel correct logins on a fresh worker all pass (in flight is not failed)."""

import threading

import pytest

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER, basic, http_session

pytestmark = pytest.mark.system


@pytest.mark.parametrize("how", ["basic", "form"])
def test_item11_parallel_correct_logins_are_never_refused_for_being_early(live, how):
    statuses, start = [], threading.Barrier(20)

    def log_in():
        http = http_session(live.url, trust_env=False)
        start.wait(timeout=30)
        if how == "form":
            reply = http.post(f"{live.url}/login", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                              allow_redirects=False, timeout=60)
        else:
            reply = http.get(f"{live.url}/api/status", headers=basic(), timeout=60)
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=log_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 20, statuses
    assert 429 not in statuses and set(statuses) <= {200, 302, 303}, statuses
