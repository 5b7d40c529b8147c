"""Anthropic adapter: headers, system placement, max_tokens default, named events, paginated models."""

import threading

import pytest

from webui import errors as E
from webui.providers import get_adapter
from webui.providers.anthropic import JSON_HINT

from .provider_helpers import MESSAGES, PLANTED, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("anthropic")


def test_request_headers_and_body(fake_anthropic):
    convo = MESSAGES + [{"role": "user", "content": "Look around."},
                        {"role": "assistant", "content": "A cave."}, {"role": "user", "content": "Go in."}]
    adapter.chat(call_for(fake_anthropic, "anthropic", temperature=0.3, top_p=0.8, presence_penalty=0,
                          frequency_penalty=None, extra_params={"top_k": 5}), convo)
    rec = fake_anthropic.last("messages")
    assert rec.path == "/v1/messages"
    assert rec.headers["x-api-key"] == PLANTED and rec.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in rec.headers
    assert rec.body == {
        "model": fake_anthropic.models[0], "max_tokens": 1024, "system": "You are the game master.",
        "messages": [{"role": "user", "content": "Where am I?\n\nLook around."},
                     {"role": "assistant", "content": "A cave."}, {"role": "user", "content": "Go in."}],
        "temperature": 0.3, "top_p": 0.8, "top_k": 5,
    }


def test_max_tokens_and_json_hint(fake_anthropic):
    adapter.chat(call_for(fake_anthropic, "anthropic", max_tokens=50, options={"json_mode": True}), MESSAGES)
    body = fake_anthropic.last().body
    assert body["max_tokens"] == 50
    assert body["system"] == f"You are the game master.\n\n{JSON_HINT}"


def test_base_url_with_v1_is_accepted(fake_anthropic):
    adapter.chat(call_for(fake_anthropic, "anthropic", base_url=fake_anthropic.url + "/v1/"), MESSAGES)
    assert fake_anthropic.last().path == "/v1/messages"


def test_chat_reply(fake_anthropic):
    fake_anthropic.finish_reason = "max_tokens"
    result = adapter.chat(call_for(fake_anthropic, "anthropic"), MESSAGES)
    assert (result.text, result.finish_reason) == (fake_anthropic.reply, "length")
    assert result.usage == {"prompt_tokens": 11, "completion_tokens": 7}
    assert result.model == fake_anthropic.models[0]


def test_stream_named_events(fake_anthropic):
    fake_anthropic.gate = threading.Event()
    stream = adapter.stream(call_for(fake_anthropic, "anthropic"), MESSAGES)
    assert next(stream) == "Hello "
    fake_anthropic.gate.set()
    deltas, end = split_stream(stream)
    assert end.text == fake_anthropic.reply and end.finish_reason == "stop"
    assert end.usage == {"prompt_tokens": 11, "completion_tokens": 7}
    assert fake_anthropic.last().body["stream"] is True


def test_mid_stream_overloaded_event(fake_anthropic):
    fake_anthropic.error_after = 1
    stream = adapter.stream(call_for(fake_anthropic, "anthropic"), MESSAGES)
    next(stream)
    with pytest.raises(E.Overloaded, match="Overloaded"):
        next(stream)


def test_stream_closed_mid_way(fake_anthropic):
    fake_anthropic.close_after = 2
    with pytest.raises(E.StreamInterrupted):
        list(adapter.stream(call_for(fake_anthropic, "anthropic"), MESSAGES))


def test_529_is_overloaded_and_retried(fake_anthropic):
    fake_anthropic.fail(529)
    assert adapter.chat(call_for(fake_anthropic, "anthropic"), MESSAGES).text == fake_anthropic.reply
    assert fake_anthropic.count("messages") == 2


@pytest.mark.parametrize("status, cls", [(401, E.AuthFailed), (404, E.ModelNotFound), (400, E.ProviderRequestError)])
def test_errors(fake_anthropic, status, cls):
    fake_anthropic.fail(status, message="from anthropic")
    with pytest.raises(cls, match="from anthropic"):
        adapter.chat(call_for(fake_anthropic, "anthropic"), MESSAGES)


def test_models_follow_the_cursor(fake_anthropic):
    fake_anthropic.models = [f"claude-{i}" for i in range(5)]
    fake_anthropic.page_size = 2
    assert adapter.list_models(PLANTED, fake_anthropic.base_url) == fake_anthropic.models
    pages = [r.query.get("after_id") for r in fake_anthropic.requests]
    assert pages == [None, "claude-1", "claude-3"]
    assert all(r.headers["x-api-key"] == PLANTED for r in fake_anthropic.requests)


def test_connection_test_lists_models(fake_anthropic):
    assert adapter.test(call_for(fake_anthropic, "anthropic"))["ok"] is True
    assert all(r.path == "/v1/models" for r in fake_anthropic.requests)
    fake_anthropic.required_key = "right"
    result = adapter.test(call_for(fake_anthropic, "anthropic"))
    assert result["ok"] is False and "invalid x-api-key" in result["error"]
