"""Redis for the tests: the server on 127.0.0.1:6379 (scripts/test.sh starts it), a key prefix per test."""

import uuid

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def _client():
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2, socket_connect_timeout=2)


@pytest.fixture(scope="session")
def redis_server():
    """A client of the real server; the test fails when it does not answer (scripts/test.sh starts one)."""
    client = _client()
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test against
        pytest.fail(f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT} ({type(exc).__name__}); "
                    "run the tests through scripts/test.sh, which starts it", pytrace=False)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_server):
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    from webui.providers import models_cache

    prefix = f"triplo-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    models_cache.CACHE.use(None)  # an app made in this process with Redis shared the process-wide model-list cache
    keys = list(redis_server.scan_iter(match=prefix + "*", count=500))
    if keys:
        redis_server.delete(*keys)


@pytest.fixture
def redis_proxy(redis_server):
    """A TcpProxy in front of the real Redis (cut() / restore() an outage)."""
    from tests.fakes.tcp_proxy import TcpProxy

    proxy = TcpProxy(REDIS_HOST, REDIS_PORT).start()
    yield proxy
    proxy.stop()
