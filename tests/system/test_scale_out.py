"""Issue 21 with Redis: two gunicorn instances sharing Redis (through a proxy the tests cut) and one config folder.

Budgets hold by reservation across both, the login throttle and logouts are shared, Redis cut mid-run answers 503
on budgeted calls only and recovers without a restart, WEBUI_BUDGET_FAIL_OPEN lets them through, and slow Redis
calls wait on the event loop (not the process). Timings are generous bounds, not measurements.
"""

import concurrent.futures
import time

import pytest

from tests.app_fixtures import ADMIN_PASSWORD, basic, http_session, logged_in_session
from tests.fakes import FakeProvider
from tests.redis_fixtures import REDIS_HOST, REDIS_PORT
from tests.system import scale_out_harness as harness
from tests.system.supervisor_harness import wait_until
from webui.core.usage.budgets import worst_case_usd

pytestmark = pytest.mark.system
BUDGET = 0.5
MESSAGES = [{"role": "user", "content": "hi"}]
CALL_COST = (11 + 7) * 0.001  # the fake's usage at the profiles' price


@pytest.fixture(scope="module")
def fake():
    with FakeProvider("open_ai", stall=0.3) as server:
        yield server


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake):
    """Two instances, one config folder, Redis through a proxy, a key prefix of this module's own."""
    import uuid

    import redis

    from tests.fakes.tcp_proxy import TcpProxy

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2)
    client.ping()
    prefix = f"triplo-test:{uuid.uuid4().hex[:12]}:"
    proxy = TcpProxy(REDIS_HOST, REDIS_PORT).start()
    root = tmp_path_factory.mktemp("scale")
    config = root / "config"
    token = harness.prepare(config, fake, BUDGET)
    env = {"WEBUI_REDIS_URL": proxy.url, "WEBUI_REDIS_PREFIX": prefix}
    procs = [harness.start(config, root, name, **env) for name in ("one", "two")]
    try:
        harness.wait_up(*procs)
        yield type("World", (), {"procs": procs, "token": token, "proxy": proxy, "prefix": prefix, "redis": client,
                                 "config": config, "root": root, "env": env})
    finally:
        harness.stop(*procs)
        proxy.stop()
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)


def _call(base, token, model="capped", timeout=20):
    started = time.monotonic()
    response = http_session(trust_env=False, headers={"Authorization": f"Bearer {token}"}).post(
        f"{base}/v1/chat/completions", json={"model": model, "messages": MESSAGES}, timeout=timeout)
    return response.status_code, response.json(), time.monotonic() - started


def test_healthz_reports_redis(world):
    for proc in world.procs:
        assert harness.healthz(proc) == (200, {"ok": True, "store": "file", "redis": "ok"})


def test_thirty_concurrent_calls_across_both_spend_at_most_one_worst_case_past_the_budget(world):
    worst = worst_case_usd({"provider": "open_ai", "model": "gpt-4o-mini", "max_tokens": 100,
                            "pricing": harness.PRICED}, MESSAGES)
    bases = [world.procs[i % 2].base for i in range(30)]
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda base: _call(base, world.token), bases))
    ok = [a for a in answers if a[0] == 200]
    refused = [a for a in answers if a[0] == 429]
    assert len(ok) + len(refused) == 30, [a[:2] for a in answers if a[0] not in (200, 429)]
    assert ok and refused and all(a[1]["error"]["code"] == "budget_exceeded" or "budget" in str(a[1])
                                  for a in refused)
    assert len(ok) * CALL_COST <= BUDGET + worst, (len(ok), worst)  # without holds all 30 would pass: $0.54
    counter = world.redis.hgetall(f"{world.prefix}budget:capped:{time.strftime('%Y-%m', time.gmtime())}")
    assert float(counter[b"spent"]) == pytest.approx(len(ok) * CALL_COST)  # every hold settled to the real cost
    assert not [k for k in counter if k.startswith(b"h:")]  # none left holding


def test_logout_on_one_instance_ends_the_session_on_the_other(world):
    one, two = world.procs
    browser = logged_in_session(one.base)
    thief = http_session(two.base)
    thief.cookies.update(browser.cookies)
    assert thief.get(f"{two.base}/api/status", timeout=5).status_code == 200
    browser.post(f"{one.base}/logout", allow_redirects=False, timeout=5)
    assert thief.get(f"{two.base}/api/status", timeout=5).status_code == 401
    assert list(world.redis.scan_iter(match=world.prefix + "session-ended:*"))  # a digest, never the cookie's id


def test_redis_cut_mid_run_fails_budgeted_calls_closed_and_recovers(world):
    one, two = world.procs
    world.proxy.cut()
    try:
        status, body, took = _call(one.base, world.token)
        assert status == 503 and body["error"]["code"] == "shared_state_unavailable", body
        assert "Redis" in body["error"]["message"] and took < 3
        assert _call(two.base, world.token, model="free")[0] == 200  # no budget: no shared state needed
        assert wait_until(lambda: harness.healthz(two) == (503, {"ok": False, "store": "file", "redis": "down"}),
                          5, 0.2)
    finally:
        world.proxy.restore()
    assert wait_until(lambda: harness.healthz(one) == (200, {"ok": True, "store": "file", "redis": "ok"}), 10, 0.2)
    assert wait_until(lambda: _call(one.base, world.token)[0] in (200, 429), 10, 0.3)  # recovered, no restart


def test_fail_open_lets_budgeted_calls_through_while_redis_is_down(world, fake):
    from tests.fakes.tcp_proxy import TcpProxy

    proxy = TcpProxy(REDIS_HOST, REDIS_PORT).start()
    proc = harness.start(world.config, world.root, "open", WEBUI_REDIS_URL=proxy.url,
                         WEBUI_REDIS_PREFIX=world.prefix + "open:", WEBUI_BUDGET_FAIL_OPEN="1")
    try:
        harness.wait_up(proc)
        proxy.cut()
        status, body, _ = _call(proc.base, world.token)
        assert status in (200, 429), body  # the process's own counter (seeded from the ledger) decides
        assert body.get("error", {}).get("code") != "shared_state_unavailable"
    finally:
        harness.stop(proc)
        proxy.stop()


def test_slow_redis_calls_wait_on_the_event_loop(world, fake):
    """40 budgeted calls whose Redis round trips each take >= 0.3 s are in flight; /healthz still answers at once."""
    from tests.fakes.tcp_proxy import TcpProxy

    proxy = TcpProxy(REDIS_HOST, REDIS_PORT).start()
    proc = harness.start(world.config, world.root, "slow", WEBUI_REDIS_URL=proxy.url,
                         WEBUI_REDIS_PREFIX=world.prefix + "slow:")
    try:
        harness.wait_up(proc)
        proxy.delay = 0.3
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            calls = [pool.submit(_call, proc.base, world.token, "capped", 30) for _ in range(40)]
            time.sleep(0.4)  # the calls are waiting on Redis now
            probes = []
            for _ in range(10):
                started = time.monotonic()
                assert harness.healthz(proc)[0] == 200
                probes.append(time.monotonic() - started)
            slow = [c.result()[2] for c in calls]
        # Were the Redis waits blocking the process, each probe would queue behind seconds of them.
        assert min(slow) >= 0.6 and max(probes) < 1.0 and sorted(probes)[5] < 0.25, (sorted(probes), min(slow))
    finally:
        proxy.delay = 0
        harness.stop(proc)
        proxy.stop()


def test_login_throttle_counts_failures_on_both_instances_together(world):
    """Six wrong passwords alternating between the instances: each saw three, the shared count is six."""
    one, two = world.procs
    wrong = basic(password="not " + ADMIN_PASSWORD)
    statuses = [http_session(trust_env=False, headers=wrong).get(f"{(one, two)[i % 2].base}/api/status",
                                                                  timeout=5).status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:], statuses
    refused = http_session(trust_env=False, headers=wrong).get(f"{two.base}/api/status", timeout=5)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_several_workers_are_refused_without_both_urls(tmp_path):
    proc = harness.start(tmp_path / "cfg", tmp_path, "refused", WEBUI_WORKERS=2, WEBUI_REDIS_URL="redis://127.0.0.1:1")
    try:
        proc.wait(timeout=30)
    finally:
        harness.stop(proc)
    out = proc.log.read_text()
    assert proc.returncode != 0 and "WEBUI_WORKERS=2 needs WEBUI_DATABASE_URL set" in out, out


def test_two_workers_with_both_urls_serve(world, fresh_pg_url):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIPLO_", "WEBUI_"))}
    copied = subprocess.run([sys.executable, "-m", "webui", "migrate-store", fresh_pg_url], capture_output=True,
                            text=True, timeout=60, env=dict(env, TRIPLO_CONFIG_DIR=str(world.config)))
    assert copied.returncode == 0, copied.stderr  # the folder (profiles, the token) now lives in the database
    proc = harness.start(world.config, world.root, "workers", WEBUI_WORKERS=2, **world.env,
                         WEBUI_DATABASE_URL=fresh_pg_url)
    try:
        harness.wait_up(proc)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 2
        assert {_call(proc.base, world.token, model="free")[0] for _ in range(4)} == {200}
    finally:
        harness.stop(proc)
