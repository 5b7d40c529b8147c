"""Provider faults through the chat APIs: every case ends in bounded time with a clear error or a fallback answer."""

import time
from types import SimpleNamespace

import pytest

from tests.app_fixtures import LiveServer, http_session, make_app
from tests.integration.chat_helpers import sse_events
from tests.loopback import free_port

pytestmark = pytest.mark.system

# Small budgets so a broken fault path shows up as a slow test, not a hung one.
CONNECT, READ, RETRIES, BUDGET = 1, 1, 2, 3
BOUND = CONNECT + READ + BUDGET + 2  # seconds any single case may take, retries and fallback included
KEY = "sk-faults-0000-1111-2222"


@pytest.fixture(scope="module")
def faults_app(tmp_path_factory):
    """One live app for the module with profiles: a (OpenAI fake, scripted per case), b (healthy custom fake),
    fb (a's fake, falls back to b), dead (a refused port); role gm. A Bearer token keeps requests cheap."""
    from tests.fakes import FakeProvider

    with pytest.MonkeyPatch.context() as monkeypatch, FakeProvider("open_ai") as fake_a, \
            FakeProvider("custom", reply="Beta saves the day") as fake_b:
        monkeypatch.setenv("WEBUI_PROVIDER_CONNECT_TIMEOUT", str(CONNECT))
        monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", str(READ))
        monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", str(RETRIES))
        monkeypatch.setenv("WEBUI_PROVIDER_RETRY_BUDGET", str(BUDGET))
        monkeypatch.setenv("WEBUI_PROVIDER_BACKOFF", "0.01")
        config_dir = tmp_path_factory.mktemp("faults-config")
        app = make_app(config_dir)
        with LiveServer(app) as live:
            _, token = app.extensions["triplo"].auth.create_token("faults")
            http = http_session(live.url, {"Authorization": f"Bearer {token}"})
            base = live.url
            profiles = [
                {"id": "a", "name": "A", "provider": "open_ai", "model": "gpt-4o", "base_url": fake_a.base_url,
                 "api_key": KEY, "set_active": True},
                {"id": "b", "name": "B", "provider": "custom", "model": "llama-3", "base_url": fake_b.base_url},
                {"id": "fb", "name": "With fallback", "provider": "open_ai", "model": "gpt-4o",
                 "base_url": fake_a.base_url, "fallback_profile_ids": ["b"]},
                {"id": "dead", "name": "Dead", "provider": "custom", "model": "x",
                 "base_url": f"http://127.0.0.1:{free_port()}/v1"},
            ]
            for body in profiles:
                r = http.post(f"{base}/api/llm/profiles?restart=false", json=body, timeout=10)
                assert r.status_code == 201, r.text
            r = http.put(f"{base}/api/v1/roles", timeout=10,
                         json={"roles": [{"id": "gm", "name": "Game Master", "type": "gm"}]})
            assert r.status_code == 200, r.text
            yield SimpleNamespace(http=http, base=base, a=fake_a, b=fake_b)
            http.close()


@pytest.fixture
def faults(faults_app):
    """The module's app with fake a back to normal behaviour."""
    a = faults_app.a
    a.reset()
    a.reply, a.chunks, a.stall, a.malformed, a.close_after = "Alpha answers", None, 0.0, False, None
    faults_app.b.reset()
    return faults_app


def v1_chat(env, profile, stream):
    """POST /api/v1/sessions/<new>/chat; (response, seconds)."""
    sid = env.http.post(f"{env.base}/api/v1/sessions", json={}, timeout=10).json()["session_id"]
    started = time.monotonic()
    r = env.http.post(f"{env.base}/api/v1/sessions/{sid}/chat", timeout=BOUND + 5,
                      json={"role_id": "gm", "message": "Hello?", "llm_profile_id": profile, "stream": stream})
    return r, time.monotonic() - started


def face_chat(env, profile, stream):
    """POST /v1/chat/completions; (response, seconds)."""
    started = time.monotonic()
    r = env.http.post(f"{env.base}/v1/chat/completions", timeout=BOUND + 5,
                      json={"model": profile, "messages": [{"role": "user", "content": "Hello?"}], "stream": stream})
    return r, time.monotonic() - started


def error_of(response):
    """(status, code, message) of a failed answer: a JSON error, or the error event of a started stream."""
    if response.headers.get("Content-Type", "").startswith("text/event-stream"):
        events = sse_events(response.text)
        errors = [data for event, data in events if event == "error" or "error" in data]
        assert errors, f"the stream ended without an error event: {response.text[:500]}"
        err = errors[-1].get("error", errors[-1])
        if isinstance(err, dict):  # OpenAI shape: {"error": {"message", "type", "code"}}
            return response.status_code, err.get("code") or err.get("type") or err.get("error"), err.get("message")
        return response.status_code, errors[-1].get("error"), errors[-1].get("message")
    body = response.json()
    err = body.get("error")
    if isinstance(err, dict):
        return response.status_code, err.get("code") or err.get("type"), err.get("message")
    return response.status_code, err, body.get("message")


def script(env, case):
    """Make fake a misbehave as the case says."""
    a = env.a
    if case == "timeout":
        a.stall = READ + 1.5
    elif case == "429_retry_after_0":
        a.fail(429, headers={"Retry-After": "0"}, times=1)
    elif case == "429_retry_after_long":
        a.fail(429, headers={"Retry-After": "60"}, times=10)
    elif case == "500":
        a.fail(500, times=10)
    elif case == "529":
        a.fail(529, times=10)
    elif case == "malformed":
        a.malformed = True
    elif case == "truncated":
        a.chunks, a.close_after = ["Alpha ", "answers ", "at ", "length"], 2


# (case, profile, stream, expected: "ok" | "fallback" | (statuses, error codes))
CASES = [
    ("timeout", "a", False, ((504,), ("provider_timeout",))),
    ("timeout", "a", True, ((200, 504), ("provider_timeout",))),
    ("429_retry_after_0", "a", False, "ok"),
    ("429_retry_after_long", "a", False, ((502, 429), ("rate_limited",))),
    ("500", "a", False, ((502,), ("provider_server_error",))),
    ("500", "a", True, ((200, 502), ("provider_server_error",))),
    ("529", "a", False, ((502, 503), ("provider_overloaded",))),
    ("malformed", "a", False, ((502,), ("provider_malformed_response",))),
    ("malformed", "a", True, ((200, 502), ("provider_malformed_response", "provider_stream_interrupted"))),
    ("truncated", "a", True, ((200, 502), ("provider_stream_interrupted",))),
    ("refused", "dead", False, ((502,), ("provider_unreachable",))),
    ("refused", "dead", True, ((200, 502), ("provider_unreachable",))),
    ("500", "fb", False, "fallback"),
    ("timeout", "fb", False, "fallback"),
    ("500", "fb", True, "fallback"),
]


@pytest.mark.parametrize("case, profile, stream, expected", CASES,
                         ids=[f"{c}-{p}-{'stream' if s else 'json'}" for c, p, s, _ in CASES])
def test_v1_chat_fault(faults, case, profile, stream, expected):
    script(faults, case)
    r, took = v1_chat(faults, profile, stream)
    assert took < BOUND, f"{case} took {took:.1f} s (bound {BOUND} s)"
    check(r, expected, stream, v1=True)
    if case == "429_retry_after_0":
        assert faults.a.count("chat") == 2, "the 429 was not retried once"
    elif case in ("500", "529") and profile == "a":
        assert faults.a.count("chat") == RETRIES + 1, "retries are not bounded by WEBUI_PROVIDER_MAX_RETRIES"
    elif expected == "fallback":
        assert faults.b.count("chat") == 1


FACE_CASES = [
    ("timeout", "a", False, ((504,), ("provider_timeout",))),
    ("429_retry_after_long", "a", False, ((429,), ("rate_limited", "rate_limit_error"))),
    ("500", "a", True, ((200, 502), ("provider_server_error",))),
    ("truncated", "a", True, ((200, 502), ("provider_stream_interrupted",))),
    ("refused", "dead", False, ((502,), ("provider_unreachable",))),
    ("500", "fb", False, "fallback"),
]


@pytest.mark.parametrize("case, profile, stream, expected", FACE_CASES,
                         ids=[f"{c}-{p}-{'stream' if s else 'json'}" for c, p, s, _ in FACE_CASES])
def test_openai_face_fault(faults, case, profile, stream, expected):
    script(faults, case)
    r, took = face_chat(faults, profile, stream)
    assert took < BOUND, f"{case} took {took:.1f} s (bound {BOUND} s)"
    check(r, expected, stream, v1=False)


def check(r, expected, stream, v1):
    """The answer is the expected success, fallback answer, or a clear error."""
    if expected in ("ok", "fallback"):
        assert r.status_code == 200, r.text[:500]
        want = "Alpha answers" if expected == "ok" else "Beta saves the day"
        if stream:
            events = sse_events(r.text)
            assert not any(e == "error" or "error" in d for e, d in events), r.text[:500]
            assert want.replace(" ", "") in r.text.replace(" ", "").replace('"', ""), r.text[:500]
        elif v1:
            body = r.json()
            assert body["content"] == want
            if expected == "fallback":
                assert body["metadata"]["fallback_from"] == "fb" and body["used_profile_id"] == "b"
        else:
            assert r.json()["choices"][0]["message"]["content"] == want
            if expected == "fallback":
                assert r.headers.get("X-Triplo-Fallback-From") == "fb"
        return
    statuses, codes = expected
    status, code, message = error_of(r)
    assert status in statuses, (status, r.text[:500])
    assert code in codes, (code, r.text[:500])
    assert isinstance(message, str) and len(message) > 10, r.text[:500]
    assert KEY not in r.text
