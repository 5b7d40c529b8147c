"""CORS on the gateway faces (off by default, WEBUI_CORS_ORIGINS) and X-Gateway-Overhead-Ms."""

import pytest

from webui.core.chat import gateway
from webui.providers import wait_clock

from tests.app_fixtures import BASIC, http_session

PREFLIGHT = {"Origin": "https://chat.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os"}


def test_cors_is_off_by_default(client):
    r = client.options("/v1/chat/completions", headers=PREFLIGHT)
    assert r.status_code == 401 and "Access-Control-Allow-Origin" not in r.headers
    r = client.get("/v1/models", headers={"Origin": "https://chat.example", **BASIC})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize("app", [{"WEBUI_CORS_ORIGINS": "https://chat.example, http://localhost:3000"}],
                         indirect=True)
def test_cors_for_listed_origins(client):
    r = client.options("/v1/chat/completions", headers=PREFLIGHT)  # no credentials: a preflight carries none
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://chat.example"
    assert r.headers["Access-Control-Allow-Headers"] == PREFLIGHT["Access-Control-Request-Headers"]
    assert "POST" in r.headers["Access-Control-Allow-Methods"] and "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in r.headers  # cookies never ride along
    r = client.get("/v1/models", headers={"Origin": "https://chat.example", **BASIC})
    assert r.headers["Access-Control-Allow-Origin"] == "https://chat.example"
    assert "X-Request-Cost" in r.headers["Access-Control-Expose-Headers"]
    r = client.get("/v1/models", headers={"Origin": "https://chat.example"})  # a refusal is readable too
    assert r.status_code == 401 and r.headers["Access-Control-Allow-Origin"] == "https://chat.example"
    other = dict(PREFLIGHT, Origin="https://evil.example")
    r = client.options("/v1/chat/completions", headers=other)
    assert r.status_code == 401 and "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize("app", [{"WEBUI_CORS_ORIGINS": "*"}], indirect=True)
def test_cors_never_for_the_config_pages_and_api(client):
    r = client.options("/v1/responses", headers=PREFLIGHT)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == "*"
    for path in ("/api/config", "/api/v1/profiles", "/"):
        r = client.options(path, headers=PREFLIGHT)
        assert "Access-Control-Allow-Origin" not in r.headers, path
        r = client.get(path, headers={"Origin": "https://chat.example", **BASIC})
        assert "Access-Control-Allow-Origin" not in r.headers, path


def test_overhead_header_on_gateway_answers_only(client):
    r = client.get("/v1/models", headers=BASIC)
    assert int(r.headers["X-Gateway-Overhead-Ms"]) >= 0
    assert "X-Gateway-Overhead-Ms" not in client.get("/api/v1/profiles", headers=BASIC).headers


def test_overhead_leaves_out_the_upstream_wait(provider_env, fake_provider, live_server):
    """A stalled upstream: its wait is counted by the transport (a lower bound, never a timing race), the header
    is on the whole answer and absent from a stream."""
    fake = fake_provider("open_ai", stall=0.3)
    live = live_server()
    profile = {"id": "slow", "name": "slow", "provider_type": "openai", "model": "gpt-4o", "base_url": fake.base_url,
               "api_key": "key-slow-0000"}
    with http_session(live.url, BASIC) as http:
        assert http.post(f"{live.url}/api/v1/profiles?restart=false",
                         json={"default_profile_id": "slow", "llm_profiles": [profile]}).status_code == 200
        body = {"model": "slow", "messages": [{"role": "user", "content": "Hi"}]}
        r = http.post(f"{live.url}/v1/chat/completions", json=body, timeout=10)
        assert r.status_code == 200 and int(r.headers["X-Gateway-Overhead-Ms"]) >= 0
        r = http.post(f"{live.url}/v1/chat/completions", json=dict(body, stream=True), timeout=10)
        assert r.status_code == 200 and "X-Gateway-Overhead-Ms" not in r.headers
    chat = live.app.extensions["triplo"].chat
    wait_clock.start()
    result = gateway.chat(*chat.plan_completion("slow", body["messages"]))
    assert result.upstream_ms >= 300 and wait_clock.total_ms() >= 300
