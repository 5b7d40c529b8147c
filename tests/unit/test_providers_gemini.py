"""Gemini adapter: header auth (never ?key=), v1beta, camelCase config, SSE to EOF, paginated models."""

import threading

import pytest

from webui import errors as E
from webui.providers import get_adapter

from .provider_helpers import MESSAGES, PLANTED, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("gemini")


def test_request_headers_and_body(fake_gemini):
    convo = MESSAGES + [{"role": "assistant", "content": "A cave."}, {"role": "user", "content": "Go in."}]
    adapter.chat(call_for(fake_gemini, "gemini", model="models/gemini-2.5-pro", temperature=0.2, top_p=0.9,
                          presence_penalty=0.1, frequency_penalty=0.2, max_tokens=99, context_window=1000,
                          options={"json_mode": True},
                          extra_params={"generationConfig": {"topK": 3}, "safetySettings": []}), convo)
    rec = fake_gemini.last()
    assert rec.path == "/v1beta/models/gemini-2.5-pro:generateContent"
    assert rec.query == {} and PLANTED not in rec.path
    assert rec.headers["x-goog-api-key"] == PLANTED
    assert rec.body == {
        "contents": [{"role": "user", "parts": [{"text": "Where am I?"}]},
                     {"role": "model", "parts": [{"text": "A cave."}]},
                     {"role": "user", "parts": [{"text": "Go in."}]}],
        "systemInstruction": {"parts": [{"text": "You are the game master."}]},
        "generationConfig": {"temperature": 0.2, "topP": 0.9, "presencePenalty": 0.1, "frequencyPenalty": 0.2,
                             "maxOutputTokens": 99, "responseMimeType": "application/json", "topK": 3},
        "safetySettings": [],
    }


def test_minimal_body(fake_gemini):
    adapter.chat(call_for(fake_gemini, "gemini"), [{"role": "user", "content": "Hi"}])
    assert fake_gemini.last().body == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}


def test_chat_reply(fake_gemini):
    fake_gemini.finish_reason = "MAX_TOKENS"
    result = adapter.chat(call_for(fake_gemini, "gemini"), MESSAGES)
    assert (result.text, result.finish_reason, result.model) == (fake_gemini.reply, "length", "gemini-2.5-flash")
    assert result.usage == {"prompt_tokens": 11, "completion_tokens": 7}


def test_stream_ends_at_eof(fake_gemini):
    fake_gemini.gate = threading.Event()
    stream = adapter.stream(call_for(fake_gemini, "gemini"), MESSAGES)
    assert next(stream) == "Hello "
    fake_gemini.gate.set()
    deltas, end = split_stream(stream)
    assert end.text == fake_gemini.reply and end.finish_reason == "stop"
    assert end.usage == {"prompt_tokens": 11, "completion_tokens": 7}
    rec = fake_gemini.last()
    assert rec.path.endswith(":streamGenerateContent") and rec.query == {"alt": "sse"}


@pytest.mark.parametrize("chunked", [True, False])
def test_stream_cut_before_the_finish_reason(fake_gemini, chunked):
    fake_gemini.close_after, fake_gemini.chunked = 2, chunked
    stream = adapter.stream(call_for(fake_gemini, "gemini"), MESSAGES)
    assert [next(stream), next(stream)] == ["Hello ", "there, "]
    with pytest.raises(E.StreamInterrupted):
        next(stream)


def test_mid_stream_error(fake_gemini):
    fake_gemini.error_after = 1
    with pytest.raises(E.ProviderServerError, match="Internal error"):
        list(adapter.stream(call_for(fake_gemini, "gemini"), MESSAGES))


def test_invalid_key_400_is_auth_failed(fake_gemini):
    fake_gemini.required_key = "right"
    with pytest.raises(E.AuthFailed, match="API key not valid") as info:
        adapter.chat(call_for(fake_gemini, "gemini"), MESSAGES)
    assert info.value.upstream_status == 400
    assert fake_gemini.count() == 1


def test_unknown_model(fake_gemini):
    fake_gemini.strict_models = True
    with pytest.raises(E.ModelNotFound, match="is not found for API version"):
        adapter.chat(call_for(fake_gemini, "gemini", model="gemini-0"), MESSAGES)


def test_overloaded_503(fake_gemini, monkeypatch):
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    fake_gemini.fail(503)
    with pytest.raises(E.Overloaded):
        adapter.chat(call_for(fake_gemini, "gemini"), MESSAGES)


def test_blocked_prompt(fake_gemini):
    fake_gemini.fail(200, body={"promptFeedback": {"blockReason": "SAFETY"}})
    with pytest.raises(E.ProviderRequestError, match="blocked the prompt"):
        adapter.chat(call_for(fake_gemini, "gemini"), MESSAGES)


def test_models_follow_page_tokens_and_drop_non_chat_models(fake_gemini):
    fake_gemini.models = ["a", "b", "c"]
    assert adapter.list_models(PLANTED, fake_gemini.base_url) == ["a", "b", "c"]  # not text-embedding-004
    assert [r.query.get("pageToken") for r in fake_gemini.requests] == [None, "2"]
    assert all(r.headers["x-goog-api-key"] == PLANTED and "key" not in r.query for r in fake_gemini.requests)


def test_base_url_with_version_is_kept(fake_gemini):
    adapter.list_models(PLANTED, fake_gemini.url + "/v1")
    assert fake_gemini.last().path == "/v1/models"


def test_connection_test(fake_gemini):
    assert adapter.test(call_for(fake_gemini, "gemini"))["ok"] is True
    fake_gemini.required_key = "right"
    result = adapter.test(call_for(fake_gemini, "gemini"))
    assert result["ok"] is False and "rejected the credentials" in result["error"]
