"""/healthz: {"ok", "store", "redis"}; 503 while a configured Redis is down, 200 again once it answers."""

import time

from tests.app_fixtures import http_session, make_app


def test_without_redis_the_state_is_off(live):
    response = http_session(trust_env=False).get(f"{live.url}/healthz", timeout=5)
    assert response.status_code == 200 and response.json() == {"ok": True, "store": "file", "redis": "off"}


def test_with_redis_down_it_is_503_and_recovers(config_dir, live_server, redis_proxy, redis_prefix):
    server = live_server(make_app(config_dir, WEBUI_REDIS_URL=redis_proxy.url, WEBUI_REDIS_PREFIX=redis_prefix))
    http = http_session(trust_env=False)
    assert http.get(f"{server.url}/healthz", timeout=5).json() == {"ok": True, "store": "file", "redis": "ok"}
    redis_proxy.cut()
    deadline, answer = time.monotonic() + 5, None
    while time.monotonic() < deadline:
        answer = http.get(f"{server.url}/healthz", timeout=5)
        if answer.status_code == 503:
            break
        time.sleep(0.2)
    assert answer.status_code == 503 and answer.json() == {"ok": False, "store": "file", "redis": "down"}
    redis_proxy.restore()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and http.get(f"{server.url}/healthz", timeout=5).status_code != 200:
        time.sleep(0.2)
    assert http.get(f"{server.url}/healthz", timeout=5).json()["redis"] == "ok"
