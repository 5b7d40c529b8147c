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
    assert float(r.headers["X-Gateway-Overhead-Ms"]) >= 0
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
        assert r.status_code == 200 and float(r.headers["X-Gateway-Overhead-Ms"]) >= 0
        r = http.post(f"{live.url}/v1/chat/completions", json=dict(body, stream=True), timeout=10)
        assert r.status_code == 200 and "X-Gateway-Overhead-Ms" not in r.headers
    chat = live.app.extensions["triplo"].chat
    wait_clock.start()
    result = gateway.chat(*chat.plan_completion("slow", body["messages"]))
    assert result.upstream_ms >= 300 and wait_clock.total_ms() >= 300


def test_models_carry_known_limits(provider_env, fake_provider, live_server):
    """Profile settings first, then the catalog's numbers; nothing when neither knows (never guessed)."""
    fake = fake_provider("open_ai")
    live = live_server()
    profiles = [{"id": "own", "name": "own", "provider_type": "openai", "model": "gpt-4o", "base_url": fake.base_url,
                 "api_key": "key-0000", "context_window": 32000, "max_tokens": 2000},
                {"id": "known", "name": "known", "provider_type": "openai", "model": "gpt-4o-mini",
                 "base_url": fake.base_url, "api_key": "key-0000"},
                {"id": "local", "name": "local", "provider_type": "local_openai", "model": "my-gguf",
                 "base_url": fake.base_url}]
    with http_session(live.url, BASIC) as http:
        assert http.post(f"{live.url}/api/v1/profiles?restart=false",
                         json={"default_profile_id": "own", "llm_profiles": profiles}).status_code == 200
        assert http.put(f"{live.url}/api/v1/roles", json={"roles": [
            {"id": "gm", "name": "GM", "ai_config": {"profile_id": "known"}}]}).status_code == 200
        data = {m["id"]: m for m in http.get(f"{live.url}/v1/models").json()["data"]}
        one = http.get(f"{live.url}/v1/models/known").json()
    assert (data["own"]["context_window"], data["own"]["context_length"], data["own"]["max_output_tokens"]) == (
        32000, 32000, 2000)
    assert (data["known"]["context_window"], data["known"]["max_output_tokens"]) == (128_000, 16_384)
    assert "context_window" not in data["local"] and "max_output_tokens" not in data["local"]
    assert data["role:gm"]["context_window"] == 128_000 and one["max_output_tokens"] == 16_384
