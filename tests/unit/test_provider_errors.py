"""Transport behaviour shared by every adapter: status -> error class, retries, timeouts, secrets."""

import logging
import socket
import time

import pytest

from webui import errors as E
from webui.providers import get_adapter
from webui.providers.upstream_errors import extract_message, parse_retry_after

from tests.loopback import free_port

from .provider_helpers import MESSAGES, PLANTED, call_for

pytestmark = pytest.mark.usefixtures("provider_env")


@pytest.fixture
def openai(fake_openai):
    return fake_openai, get_adapter("open_ai"), call_for(fake_openai, "open_ai")


@pytest.mark.parametrize("status, cls", [
    (400, E.ProviderRequestError), (401, E.AuthFailed), (403, E.AuthFailed), (404, E.ModelNotFound),
    (402, E.ProviderRequestError), (408, E.ProviderTimeout), (422, E.ProviderRequestError),
    (429, E.RateLimited), (500, E.ProviderServerError), (502, E.ProviderServerError),
    (529, E.Overloaded),
])
def test_status_maps_to_error_class(openai, monkeypatch, status, cls):
    fake, adapter, call = openai
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    fake.fail(status, message=f"detail for {status}")
    with pytest.raises(cls) as info:
        adapter.chat(call, MESSAGES)
    err = info.value
    assert type(err) is cls
    assert f"detail for {status}" in err.message and "OpenAI" in err.message
    assert err.upstream_status == status and err.to_dict()["upstream_status"] == status


@pytest.mark.parametrize("message, cls", [("Service Unavailable", E.ProviderServerError),
                                          ("The model is overloaded. Please try again later.", E.Overloaded)])
def test_503_is_overloaded_only_when_the_provider_says_so(openai, monkeypatch, message, cls):
    fake, adapter, call = openai
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    fake.fail(503, message=message)
    with pytest.raises(cls):
        adapter.chat(call, MESSAGES)


def test_404_without_a_provider_body_points_at_the_base_url(openai):
    fake, adapter, call = openai
    fake.fail(404, body="<html>Not Found</html>")
    with pytest.raises(E.ProviderRequestError, match="Check the base URL"):
        adapter.chat(call, MESSAGES)


@pytest.mark.parametrize("body, expected", [
    ({"error": {"message": "nested", "type": "x", "param": None, "code": "c"}}, "nested"),
    ({"error": {"code": 402, "message": "openrouter credits", "metadata": {}}}, "openrouter credits"),
    ({"type": "error", "error": {"type": "overloaded_error", "message": "anthropic"}}, "anthropic"),
    ({"error": {"code": 404, "message": "gemini", "status": "NOT_FOUND"}}, "gemini"),
    ({"error": "model 'x' not found"}, "model 'x' not found"),
    ({"object": "error", "message": "flat vllm", "type": "NotFoundError", "code": 404}, "flat vllm"),
    ({"detail": "fastapi style"}, "fastapi style"),
    ([{"error": {"code": 400, "message": "gemini array"}}], "gemini array"),
    ("plain text body", "plain text body"),
    ("<html><body>502</body></html>", None),
    ("", None),
])
def test_extract_message_from_every_body_shape(body, expected):
    import json

    assert extract_message(body if isinstance(body, str) else json.dumps(body)) == expected


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "3"}, 3.0), ({"retry-after-ms": "250"}, 0.25), ({"retry-after": "soon"}, None),
    ({}, None), ({"retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"}, 0.0),
])
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


# --- retries -----------------------------------------------------------------------------------------

def test_5xx_is_retried_then_succeeds(openai):
    fake, adapter, call = openai
    fake.fail(500, times=2)
    assert adapter.chat(call, MESSAGES).text == fake.reply
    assert fake.count("chat") == 3


def test_retries_are_bounded_in_count(openai):
    fake, adapter, call = openai
    fake.fail(502, times=5)
    with pytest.raises(E.ProviderServerError):
        adapter.chat(call, MESSAGES)
    assert fake.count("chat") == 3  # 1 + WEBUI_PROVIDER_MAX_RETRIES


def test_retry_after_is_honoured(openai):
    fake, adapter, call = openai
    fake.fail(429, headers={"Retry-After": "0.3"})
    started = time.monotonic()
    assert adapter.chat(call, MESSAGES).text == fake.reply
    assert time.monotonic() - started >= 0.3
    assert fake.count("chat") == 2


def test_retry_after_beyond_the_budget_fails_at_once(openai):
    fake, adapter, call = openai
    fake.fail(429, headers={"Retry-After": "30"})
    started = time.monotonic()
    with pytest.raises(E.RateLimited) as info:
        adapter.chat(call, MESSAGES)
    assert time.monotonic() - started < 10  # far below the 30 s it was told to wait
    assert info.value.retry_after == 30 and info.value.to_dict()["retry_after"] == 30
    assert "Retry after 30 s" in info.value.message
    assert fake.count("chat") == 1


def test_retries_stop_when_the_time_budget_runs_out(openai, monkeypatch):
    fake, adapter, call = openai
    monkeypatch.setenv("WEBUI_PROVIDER_RETRY_BUDGET", "0.5")
    fake.fail(429, headers={"Retry-After": "0.3"}, times=3)
    with pytest.raises(E.RateLimited):
        adapter.chat(call, MESSAGES)
    assert fake.count("chat") == 2  # waited once (0.3 s), the second wait would overrun 0.5 s


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(openai, status):
    fake, adapter, call = openai
    fake.fail(status, times=3)
    with pytest.raises(E.ProviderError):
        adapter.chat(call, MESSAGES)
    assert fake.count("chat") == 1


def test_stream_request_is_retried_before_streaming(openai):
    fake, adapter, call = openai
    fake.fail(503, message="busy", times=1)
    assert "".join(x for x in adapter.stream(call, MESSAGES) if isinstance(x, str)) == fake.reply
    assert fake.count("chat") == 2


# --- timeouts, unreachable, malformed ------------------------------------------------------------------

def test_read_timeout_on_a_stalling_provider(openai, monkeypatch):
    fake, adapter, call = openai
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "0.3")
    fake.stall = 5
    started = time.monotonic()
    with pytest.raises(E.ProviderTimeout, match="did not answer within 0.3 s"):
        adapter.chat(call, MESSAGES)
    assert time.monotonic() - started < 4  # well under the 5 s stall, with room for a loaded CI machine
    assert fake.count("chat") == 1  # a timeout is not retried: the request may be running


def test_read_timeout_mid_stream(openai, monkeypatch):
    fake, adapter, call = openai
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "0.3")
    fake.chunk_delay = 3
    stream = adapter.stream(call, MESSAGES)
    assert next(stream) == "Hello "
    with pytest.raises(E.ProviderTimeout, match="mid-reply"):
        next(stream)


def test_connect_timeout(monkeypatch):
    # A listening socket whose backlog is full drops further SYNs: connect() hangs until the timeout.
    monkeypatch.setenv("WEBUI_PROVIDER_CONNECT_TIMEOUT", "0.3")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        time.sleep(0.05)
        call = call_for(type("F", (), {"models": ["m"], "base_url": f"http://127.0.0.1:{port}/v1"})(), "open_ai")
        started = time.monotonic()
        with pytest.raises(E.ProviderTimeout, match="Could not connect"):
            get_adapter("open_ai").chat(call, MESSAGES)
        assert time.monotonic() - started < 3
    finally:
        for s in fillers:
            s.close()
        server.close()


def test_connection_refused_is_unreachable():
    dead = type("F", (), {"models": ["m"], "base_url": f"http://127.0.0.1:{free_port()}/v1"})()
    with pytest.raises(E.Unreachable) as info:
        get_adapter("open_ai").chat(call_for(dead, "open_ai"), MESSAGES)
    assert info.value.retryable and "Cannot reach OpenAI at http://127.0.0.1:" in info.value.message
    assert info.value.__cause__ is None  # nothing chained that could quote a URL or header


def test_invalid_base_url():
    bad = type("F", (), {"models": ["m"], "base_url": "not a url"})()
    with pytest.raises(E.ProviderRequestError, match="not a valid http"):
        get_adapter("open_ai").chat(call_for(bad, "open_ai"), MESSAGES)


def test_unparsable_reply_is_malformed(openai):
    fake, adapter, call = openai
    fake.malformed = True
    with pytest.raises(E.MalformedResponse):
        adapter.chat(call, MESSAGES)
    with pytest.raises(E.MalformedResponse):
        list(adapter.stream(call, MESSAGES))


def test_reply_without_choices_is_malformed(openai):
    fake, adapter, call = openai
    fake.fail(200, body={"object": "chat.completion"})
    with pytest.raises(E.MalformedResponse, match="without choices"):
        adapter.chat(call, MESSAGES)


# --- secrets --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["open_ai", "open_router", "anthropic", "gemini"])
def test_missing_key_says_what_to_do(provider):
    adapter = get_adapter(provider)
    fake = type("F", (), {"models": ["m"], "base_url": "http://127.0.0.1:9/"})()
    with pytest.raises(E.MissingCredential) as info:
        adapter.chat(call_for(fake, provider, api_key=None), MESSAGES)
    assert info.value.message.startswith(f"No API key for {adapter.label}: add it under API & Models or set ")
    assert adapter.env_var in info.value.message


def assert_clean(err, *secrets):
    texts = [str(err), repr(err), err.message, str(err.to_dict()), str(err.details)]
    for secret in secrets:
        assert all(secret not in t for t in texts), texts


def test_key_echoed_by_the_provider_is_scrubbed(openai):
    fake, adapter, call = openai
    fake.required_key = "sk-the-right-one"
    with pytest.raises(E.AuthFailed) as info:
        adapter.chat(call, MESSAGES)
    assert "Incorrect API key provided: ***" in info.value.message
    assert_clean(info.value, PLANTED)
    assert adapter.test(call)["error"].count("***") == 1


def test_debug_logs_redact_auth_headers(openai, caplog):
    fake, adapter, call = openai
    caplog.set_level(logging.DEBUG)
    adapter.chat(call, MESSAGES)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "'Authorization': 'Bearer ***'" in text
    assert PLANTED not in text


@pytest.mark.parametrize("kind, provider", [("open_ai", "open_ai"), ("open_router", "open_router"),
                                            ("custom", "custom"), ("azure", "custom"), ("anthropic", "anthropic"),
                                            ("gemini", "gemini"), ("ollama", "ollama")])
def test_planted_key_never_in_errors_or_logs(fake_provider, caplog, monkeypatch, kind, provider):
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "1")
    caplog.set_level(logging.DEBUG)
    fake = fake_provider(kind, required_key="sk-something-else")
    adapter = get_adapter(provider)
    call = call_for(fake, provider, token=PLANTED if provider == "ollama" else None)
    failures = []
    for action in (lambda: adapter.chat(call, MESSAGES), lambda: list(adapter.stream(call, MESSAGES)),
                   lambda: adapter.list_models(PLANTED, fake.base_url, PLANTED)):
        try:
            action()
        except E.WebUIError as exc:
            failures.append(exc)
    fake.required_key = None
    for status in (400, 404, 429, 500):
        fake.fail(status, message=f"bad key {PLANTED} here", times=2)
        try:
            adapter.chat(call, MESSAGES)
        except E.ProviderError as exc:
            failures.append(exc)
    fake.error_after = 1
    with pytest.raises(E.ProviderError) as info:
        list(adapter.stream(call, MESSAGES))
    failures.append(info.value)
    result = adapter.test(call)
    assert len(failures) >= 5
    for exc in failures:
        assert_clean(exc, PLANTED)
    assert PLANTED not in str(result)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert PLANTED not in logged
    # The key really was sent (so the test would catch a leak).
    assert any(PLANTED in str(r.headers) for r in fake.requests if r.path.endswith(("completions", "messages",
                                                                                    "generateContent", "chat")))


@pytest.mark.parametrize("then, cls", [("stall", E.ProviderTimeout), ("close", E.StreamInterrupted)])
def test_body_cut_or_stalled_after_the_headers(monkeypatch, then, cls):
    # A raw server: headers and part of a sized body, then it stalls or hangs up.
    import threading

    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "0.3")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    done = threading.Event()

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"choi")
        if then == "stall":
            done.wait(3)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        fake = type("F", (), {"models": ["m"], "base_url": f"http://127.0.0.1:{server.getsockname()[1]}/v1"})()
        with pytest.raises(cls):
            get_adapter("open_ai").chat(call_for(fake, "open_ai"), MESSAGES)
    finally:
        done.set()
        thread.join(5)
        server.close()
