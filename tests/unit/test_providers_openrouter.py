"""OpenRouter adapter: max_tokens, attribution headers, keep-alive comments, public model list."""

import pytest

from webui import errors as E
from webui.providers import get_adapter

from .provider_helpers import MESSAGES, PLANTED, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("open_router")


def test_request_headers_and_body(fake_openrouter):
    adapter.chat(call_for(fake_openrouter, "open_router", max_tokens=300, temperature=1.2,
                          extra_params={"provider": {"order": ["openai"]}}), MESSAGES)
    rec = fake_openrouter.last("chat")
    assert rec.path == "/api/v1/chat/completions"
    assert rec.headers["authorization"] == f"Bearer {PLANTED}"
    assert rec.headers["http-referer"] and rec.headers["x-openrouter-title"] == "Triplo Web UI"
    assert rec.headers["x-title"] == "Triplo Web UI"
    assert rec.body["max_tokens"] == 300 and "max_completion_tokens" not in rec.body
    assert rec.body["provider"] == {"order": ["openai"]} and rec.body["temperature"] == 1.2


def test_attribution_is_configurable(fake_openrouter, monkeypatch):
    monkeypatch.setenv("WEBUI_OPENROUTER_REFERER", "https://example.test/app")
    monkeypatch.setenv("WEBUI_OPENROUTER_TITLE", "My Table")
    adapter.chat(call_for(fake_openrouter, "open_router"), MESSAGES)
    headers = fake_openrouter.last("chat").headers
    assert (headers["http-referer"], headers["x-openrouter-title"]) == ("https://example.test/app", "My Table")


def test_stream_skips_processing_comments(fake_openrouter):
    deltas, end = split_stream(adapter.stream(call_for(fake_openrouter, "open_router"), MESSAGES))
    assert "".join(deltas) == fake_openrouter.reply == end.text
    assert end.usage == {"prompt_tokens": 11, "completion_tokens": 7}


def test_mid_stream_error_uses_the_integer_code(fake_openrouter):
    fake_openrouter.error_after = 1
    stream = adapter.stream(call_for(fake_openrouter, "open_router"), MESSAGES)
    assert next(stream) == "Hello "
    with pytest.raises(E.ProviderServerError, match="Provider returned error") as info:
        next(stream)
    assert info.value.upstream_status == 502


def test_error_body_with_integer_code(fake_openrouter):
    fake_openrouter.fail(402, message="Insufficient credits")
    with pytest.raises(E.ProviderRequestError, match="Insufficient credits"):
        adapter.chat(call_for(fake_openrouter, "open_router"), MESSAGES)


def test_model_list_needs_no_key(fake_openrouter):
    fake_openrouter.required_key = "sk-or-right"
    assert adapter.list_models(None, fake_openrouter.base_url) == fake_openrouter.models
    assert "authorization" not in fake_openrouter.last("models").headers


def test_connection_test_completes_one_token(fake_openrouter):
    result = adapter.test(call_for(fake_openrouter, "open_router", max_tokens=4000, options={"json_mode": True}))
    assert result["ok"] is True
    rec = fake_openrouter.last()
    assert rec.path == "/api/v1/chat/completions" and rec.body["max_tokens"] == 1
    assert "response_format" not in rec.body


def test_connection_test_catches_a_bad_key(fake_openrouter):
    fake_openrouter.required_key = "sk-or-right"
    result = adapter.test(call_for(fake_openrouter, "open_router"))
    assert result["ok"] is False and "OpenRouter rejected the credentials" in result["error"]
