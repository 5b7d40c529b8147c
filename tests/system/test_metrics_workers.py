"""/metrics under gunicorn with one and with two gevent workers (prometheus_client's multiprocess mode): every
scrape, whichever worker answers it, counts every call; JSON log lines parse and carry no planted key."""

import concurrent.futures
import contextlib
import json
import os
import subprocess
import sys

import pytest
import requests

from tests.app_fixtures import http_session
from tests.fakes import FakeProvider
from tests.integration.test_observability import sample
from tests.loopback import free_port
from tests.system.supervisor_harness import stop_process_group, wait_until

pytestmark = pytest.mark.system

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "sk-planted-metrics-key-0123456789abcdef"
CALLS = 16


def _prepare(config_dir, fake):
    from webui.core.access.auth import AuthStore
    from webui.core.config import profile_ops
    from webui.core.config.service import ConfigService

    env = {"TRIPLO_CONFIG_DIR": str(config_dir), "WEBUI_USERNAME": "admin", "WEBUI_PASSWORD": "metrics pw 123"}
    svc = ConfigService(str(config_dir), environ=env)
    profile_ops.create_profile(svc, {"id": "m1", "name": "Metered", "provider": "open_ai", "model": "gpt-4o-mini",
                                     "base_url": fake.base_url, "api_key": KEY, "set_active": True,
                                     "budget": {"monthly_usd": 5}}, restart=False)
    AuthStore(str(config_dir)).ensure_initialized(env)
    return AuthStore(str(config_dir)).create_token("prometheus")[1]


@contextlib.contextmanager
def gunicorn(config_dir, workers, log_path):
    """gunicorn with the project's config and `-w N`, JSON logs into log_path; the process group stopped after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_", "OTEL_"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "prometheus_multiproc_dir")}
    env.update(TRIPLO_CONFIG_DIR=str(config_dir), PYTHONPATH=REPO, WEBUI_LOG_FORMAT="json", WEBUI_LOG_LEVEL="DEBUG")
    cmd = [sys.executable, "-m", "gunicorn", "-c", "python:webui.serve.gunicorn_conf", "-w", str(workers),
           "--bind", f"127.0.0.1:{port}", "webui:create_app()"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        with contextlib.suppress(requests.RequestException), http_session(base, trust_env=False) as http:
            return http.get(f"{base}/healthz", timeout=2).status_code == 200
        return False

    try:
        if not wait_until(healthy, 30):
            raise AssertionError("gunicorn did not start:\n" + open(log_path, errors="replace").read()[-3000:])
        yield base
    finally:
        stop_process_group(proc, grace=15)


def _calls(base, token, count, stream=False):
    """`count` completions at once on separate connections (so the workers share them)."""
    def one(_):
        with http_session(base, trust_env=False) as http:
            r = http.post(f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                          json={"model": "m1", "stream": stream, "messages": [{"role": "user", "content": "Hi"}]})
            assert r.status_code == 200, r.text
            return r.headers["X-Request-Id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.parametrize("workers", [1, 2])
def test_every_scrape_counts_every_workers_calls(tmp_path, workers):
    config_dir, log_path = tmp_path / "config", tmp_path / "server.log"
    config_dir.mkdir()
    with FakeProvider("open_ai", chunk_delay=0.01) as fake:
        token = _prepare(config_dir, fake)
        with gunicorn(config_dir, workers, log_path) as base:
            http = http_session(base, {"Authorization": f"Bearer {token}"}, trust_env=False)
            ids = _calls(base, token, CALLS)
            _calls(base, token, 4, stream=True)
            fake.fail(400, message=f"invalid key {KEY}")  # an error body quoting the key, logged at DEBUG
            r = http.post(f"{base}/v1/chat/completions", timeout=30,
                          json={"model": "m1", "messages": [{"role": "user", "content": "Hi"}]})
            assert r.status_code == 400
            scrapes = [http.get(f"{base}/metrics", timeout=10).text for _ in range(8)]
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    labels = dict(face="v1", profile="m1", provider="open_ai")
    for text in scrapes:  # whichever worker answered, the same totals
        assert sample(text, "webui_gateway_requests_total", outcome="ok", **labels) == CALLS + 4
        assert sample(text, "webui_gateway_requests_total", outcome="error", **labels) == 1
        assert sample(text, "webui_tokens_total", profile="m1", type="input") == 11 * (CALLS + 4)
        assert sample(text, "webui_upstream_latency_seconds_count", profile="m1", provider="open_ai") == CALLS + 5
        assert sample(text, "webui_upstream_latency_seconds_bucket", profile="m1", provider="open_ai",
                      le="+Inf") == CALLS + 5
        assert sample(text, "webui_time_to_first_token_seconds_count", profile="m1", provider="open_ai") == 4
        assert sample(text, "webui_gateway_overhead_seconds_count", face="v1") == CALLS + 1
        assert sample(text, "webui_streams_in_flight") == 0
        assert sample(text, "webui_cost_usd_total", profile="m1") > 0
        assert sample(text, "webui_budget_usd", profile="m1") == 5
        spent = sample(text, "webui_budget_spent_usd", profile="m1")
        assert spent == pytest.approx(sample(text, "webui_cost_usd_total", profile="m1"))
        assert sample(text, "webui_budget_remaining_usd", profile="m1") == pytest.approx(5 - spent)
    # JSON logs: every line one object; access lines carry the request id; no key anywhere
    records = [json.loads(line) for line in lines]
    assert KEY not in log_path.read_text(errors="replace")
    access = [r for r in records if r.get("logger") == "access" and r.get("path") == "/v1/chat/completions"]
    assert set(ids) <= {r["request_id"] for r in access}
    if workers == 2:  # the kernel decides which worker accepts a connection: usually both, at least one
        assert 1 <= len({r["pid"] for r in access}) <= 2
    assert any(r.get("logger", "").startswith("webui") for r in records)  # application lines too
