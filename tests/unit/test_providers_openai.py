"""OpenAI adapter against the OpenAI fake: request shape, replies, streams, models, test()."""

import threading

import pytest

from webui import errors as E
from webui.providers import get_adapter

from .provider_helpers import MESSAGES, PLANTED, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("open_ai")


def test_request_headers_and_body(fake_openai):
    call = call_for(fake_openai, "open_ai", model="gpt-4o", temperature=0.4, top_p=0.9, presence_penalty=0.5,
                    frequency_penalty=-0.5, max_tokens=256, context_window=8000, options={"json_mode": True},
                    extra_params={"seed": 7, "top_p": None})
    adapter.chat(call, MESSAGES)
    rec = fake_openai.last("chat")
    assert rec.method == "POST" and rec.path == "/v1/chat/completions"
    assert rec.headers["authorization"] == f"Bearer {PLANTED}"
    assert rec.headers["content-type"] == "application/json"
    assert rec.body == {
        "model": "gpt-4o", "messages": MESSAGES, "temperature": 0.4, "presence_penalty": 0.5,
        "frequency_penalty": -0.5, "max_completion_tokens": 256, "response_format": {"type": "json_object"},
        "seed": 7,  # extra_params last; its None removed top_p
    }


def test_none_fields_are_not_sent(fake_openai):
    adapter.chat(call_for(fake_openai, "open_ai", temperature=None, max_tokens=None), MESSAGES)
    assert set(fake_openai.last("chat").body) == {"model", "messages"}


def test_chat_reply(fake_openai):
    fake_openai.reply, fake_openai.usage, fake_openai.finish_reason = "A dark cave.", (20, 4), "length"
    result = adapter.chat(call_for(fake_openai, "open_ai", model="gpt-4o"), MESSAGES)
    assert (result.text, result.finish_reason, result.model) == ("A dark cave.", "length", "gpt-4o")
    assert result.usage == {"prompt_tokens": 20, "completion_tokens": 4}
    assert isinstance(result.latency_ms, int) and result.latency_ms >= 0


def test_stream_with_usage_chunk(fake_openai):
    fake_openai.chunks = ["A ", "dark ", "cave."]
    deltas, end = split_stream(adapter.stream(call_for(fake_openai, "open_ai"), MESSAGES))
    assert deltas == ["A ", "dark ", "cave."]
    assert (end.text, end.finish_reason, end.usage) == ("A dark cave.", "stop",
                                                        {"prompt_tokens": 11, "completion_tokens": 7})
    body = fake_openai.last("chat").body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("chunked", [True, False])
def test_deltas_arrive_incrementally(fake_openai, chunked):
    # The fake holds everything after the first delta until the test has seen that delta.
    fake_openai.gate, fake_openai.chunked = threading.Event(), chunked
    stream = adapter.stream(call_for(fake_openai, "open_ai"), MESSAGES)
    assert next(stream) == "Hello "
    fake_openai.gate.set()
    deltas, end = split_stream(stream)
    assert end.text == fake_openai.reply


@pytest.mark.parametrize("chunked", [True, False])
def test_stream_closed_mid_way(fake_openai, chunked):
    fake_openai.close_after, fake_openai.chunked = 1, chunked
    stream = adapter.stream(call_for(fake_openai, "open_ai"), MESSAGES)
    assert next(stream) == "Hello "
    with pytest.raises(E.StreamInterrupted, match="closed the connection"):
        list(stream)


def test_mid_stream_error_event(fake_openai):
    fake_openai.error_after = 2
    stream = adapter.stream(call_for(fake_openai, "open_ai"), MESSAGES)
    assert [next(stream), next(stream)] == ["Hello ", "there, "]
    with pytest.raises(E.ProviderError, match="server had an error"):
        next(stream)


def test_list_models(fake_openai):
    fake_openai.models = ["gpt-4o", "gpt-4o-mini", "gpt-4o"]
    assert adapter.list_models(PLANTED, fake_openai.base_url) == ["gpt-4o", "gpt-4o-mini"]
    rec = fake_openai.last("models")
    assert (rec.method, rec.path, rec.headers["authorization"]) == ("GET", "/v1/models", f"Bearer {PLANTED}")


def test_list_models_needs_a_key(fake_openai):
    with pytest.raises(E.MissingCredential):
        adapter.list_models(None, fake_openai.base_url)
    assert fake_openai.count() == 0


def test_model_not_found(fake_openai):
    fake_openai.strict_models = True
    with pytest.raises(E.ModelNotFound, match="does not know the model 'gpt-9'"):
        adapter.chat(call_for(fake_openai, "open_ai", model="gpt-9"), MESSAGES)


def test_connection_test_lists_models(fake_openai):
    result = adapter.test(call_for(fake_openai, "open_ai"))
    assert result["ok"] is True and result["error"] is None and result["model"] == "gpt-4o-mini"
    assert [r.path for r in fake_openai.requests] == ["/v1/models"]


def test_connection_test_reports_a_bad_key(fake_openai):
    fake_openai.required_key = "sk-right"
    result = adapter.test(call_for(fake_openai, "open_ai"))
    assert result["ok"] is False and "rejected the credentials (HTTP 401)" in result["error"]
    assert PLANTED not in result["error"]


def test_connection_test_never_raises(fake_openai):
    result = adapter.test(call_for(fake_openai, "open_ai", api_key=None))
    assert result["ok"] is False and result["error"].startswith("No API key for OpenAI")


def test_cookies_are_not_carried_between_calls(fake_openai):
    reply = {"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}]}
    fake_openai.fail(200, body=reply, headers={"Set-Cookie": "__cf_bm=abc; Path=/"})
    adapter.chat(call_for(fake_openai, "open_ai"), MESSAGES)
    adapter.chat(call_for(fake_openai, "open_ai", api_key="sk-another-caller-0000"), MESSAGES)
    assert "cookie" not in fake_openai.last("chat").headers


def test_a_finished_stream_gives_its_connection_back_for_the_next(fake_openai):
    adapter = get_adapter("open_ai")
    pool = adapter._pool.get()._direct.connection_from_url(fake_openai.base_url)
    ports = set()
    for _ in range(3):
        deltas, end = split_stream(adapter.stream(call_for(fake_openai, "open_ai"), MESSAGES))
        assert "".join(deltas) == end.text and end.finish_reason
        ports |= {c.sock.getsockname()[1] for c in pool.pool.queue if c is not None and c.sock is not None}
    assert len(ports) == 1  # [DONE], then the body's last chunk read: one open socket served all three


def test_a_close_delimited_stream_still_ends_cleanly(fake_openai):
    fake_openai.chunked = False
    deltas, end = split_stream(get_adapter("open_ai").stream(call_for(fake_openai, "open_ai"), MESSAGES))
    assert "".join(deltas) == end.text and end.finish_reason


def test_a_body_that_never_ends_after_done_still_ends_the_stream_and_is_not_pooled():
    import json
    import socket

    hold = threading.Event()
    event = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
    frames = [f"data: {json.dumps(event)}\n\n".encode(), b"data: [DONE]\n\n"]

    def serve(listener):
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames))
            hold.wait(30)  # no terminating chunk: the body stays open

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        fake = type("Fake", (), {"models": ["gpt-4o-mini"], "base_url": base_url})
        adapter = get_adapter("open_ai")
        try:
            deltas, end = split_stream(adapter.stream(call_for(fake, "open_ai"), MESSAGES))
            assert deltas == ["hi"] and end.finish_reason == "stop"
            pool = adapter._pool.get()._direct.connection_from_url(fake.base_url)
            assert not [c for c in pool.pool.queue if c is not None and c.sock is not None]  # closed, not pooled
        finally:
            hold.set()
