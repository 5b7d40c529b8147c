"""The shared-state primitives (webui.core.shared), the same tests over both backends: in process and real Redis."""

import threading
import time

import pytest

from webui.errors import SharedStateDown
from webui.core.shared import LocalShared, open_shared
from webui.core.shared.redis_backend import RedisShared
from tests.redis_fixtures import REDIS_URL


@pytest.fixture(params=["local", "redis"])
def shared(request):
    if request.param == "local":
        return LocalShared()
    return RedisShared(REDIS_URL, request.getfixturevalue("redis_prefix"))


def test_open_shared_is_local_without_a_url_and_redis_with_one():
    assert open_shared({}).kind == "local" and open_shared({}).health() == "off"
    backend = open_shared({"WEBUI_REDIS_URL": REDIS_URL}, "x:")
    assert backend.kind == "redis" and backend.prefix == "x:"


def test_reserve_refuses_once_spent_and_holds_reach_the_limit(shared):
    seeds = []
    first, committed = shared.reserve("b:p", 4.0, 10.0, seed=lambda: seeds.append(1) or 3.0)
    assert first is not None and committed == 3.0 and seeds == [1]
    second, committed = shared.reserve("b:p", 4.0, 10.0, seed=lambda: seeds.append(1) or 0.0)
    assert second is not None and committed == 7.0 and seeds == [1]  # seeded once
    third, committed = shared.reserve("b:p", 0.5, 10.0, seed=lambda: 0.0)
    assert third is None and committed == 11.0  # 3 + 4 + 4 >= 10: refused, the overshoot is one worst case
    shared.release(second)
    shared.settle(first, 1.25)
    assert shared.committed("b:p") == pytest.approx(4.25)
    again, committed = shared.reserve("b:p", 4.0, 10.0, seed=lambda: 0.0)
    assert again is not None and committed == pytest.approx(4.25)


def test_a_hold_nobody_settles_expires(shared):
    held, _ = shared.reserve("b:q", 9.0, 10.0, seed=lambda: 0.0, hold_seconds=0)
    assert held is not None
    time.sleep(0.02)
    later, committed = shared.reserve("b:q", 9.0, 10.0, seed=lambda: 0.0)
    assert later is not None and committed == 0.0


def test_thirty_threads_cannot_overshoot_the_limit(shared):
    granted = []

    def one():
        held, _ = shared.reserve("b:race", 1.0, 10.0, seed=lambda: 0.0)
        if held is not None:
            granted.append(held)

    threads = [threading.Thread(target=one) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(granted) == 10


def test_rate_counter_answers_retry_after(shared):
    verdicts = [shared.hit("rpm:t", limit=3, window=60) for _ in range(4)]
    assert [allowed for allowed, _ in verdicts] == [True, True, True, False]
    assert 1 <= verdicts[-1][1] <= 60
    assert shared.hit("rpm:t", limit=3, window=60, cost=5) == (False, 60)  # never fits
    assert shared.hit("tpm:t", limit=1000, window=60, cost=600)[0] is True
    assert shared.hit("tpm:t", limit=1000, window=60, cost=600)[0] is False


def test_values_and_counters(shared):
    assert shared.get("v") is None
    shared.put("v", "1", 60)
    assert shared.get("v") == "1"
    shared.delete("v")
    assert shared.get("v") is None
    assert shared.bump("c", "failures", 1, 60, stamp={"last": 5.5})["failures"] == 1
    fields = shared.bump("c", "failures", 1, 60)
    assert fields["failures"] == 2 and fields["last"] == 5.5 and shared.fields("c") == fields
    assert shared.fields("none") == {}


def test_unreachable_redis_is_shared_state_down_within_a_second_or_two(redis_proxy):
    backend = RedisShared(redis_proxy.url, "t:")
    assert backend.health() == "ok"
    redis_proxy.cut()
    started = time.monotonic()
    with pytest.raises(SharedStateDown) as err:
        backend.reserve("b:x", 1.0, 2.0, seed=lambda: 0.0)
    assert err.value.status == 503 and "WEBUI_REDIS_URL" in err.value.message
    with pytest.raises(SharedStateDown):
        backend.get("k")  # the circuit: at once
    assert time.monotonic() - started < 3
    time.sleep(0.6)
    assert backend.health() == "down"
    redis_proxy.restore()
    deadline = time.monotonic() + 5
    while backend.health() != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert backend.health() == "ok" and backend.get("k") is None  # recovered without a new client
