"""The Messages face shares the gateway: fallback (never dropping what was asked), the stream cap, the ledger."""

import threading

import anthropic
import pytest
import requests

from .messages_helpers import REPLIES, face  # noqa: F401 (fixture)

USER = [{"role": "user", "content": "Hi"}]


def _fallback(face, profile_id, to):
    r = face.http.patch(f"{face.base}/api/llm/profiles/{profile_id}?restart=false", json={"fallback_profile_ids": to})
    assert r.status_code == 200, r.text


def test_anthropic_profile_falls_back_to_a_translated_one(face):
    _fallback(face, "an", ["oa"])
    face.fakes["an"].fail(529, times=10)
    raw = face.sdk.messages.with_raw_response.create(model="an", max_tokens=20, messages=USER)
    done = raw.parse()
    assert done.content[0].text == REPLIES["oa"] and done.model == "an"
    assert raw.headers["X-Triplo-Profile-Id"] == "oa" and raw.headers["X-Triplo-Fallback-From"] == "an"


def test_fallback_that_cannot_honour_the_request_is_skipped(face):
    _fallback(face, "an", ["oa"])
    face.fakes["an"].fail(529, times=10)
    with pytest.raises(anthropic.InternalServerError) as err:
        face.sdk.messages.create(model="an", max_tokens=2048, messages=USER,
                                 thinking={"type": "enabled", "budget_tokens": 1024})
    assert err.value.status_code == 502 and face.fakes["oa"].count() == 0  # never called without `thinking`


def test_streamed_fallback_before_the_first_event(face):
    _fallback(face, "oa", ["an"])
    face.fakes["oa"].fail(500, times=10)
    with face.sdk.messages.stream(model="oa", max_tokens=20, messages=USER) as stream:
        assert "".join(stream.text_stream) == REPLIES["an"]


@pytest.mark.parametrize("face", [{"WEBUI_MAX_STREAMS": "1"}], indirect=True)
def test_streams_count_against_the_cap(face):
    gate = face.fakes["cu"].gate = threading.Event()
    held = requests.post(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, stream=True, timeout=10,
                         json={"model": "cu", "max_tokens": 20, "stream": True, "messages": USER})
    try:
        assert held.status_code == 200
        next(held.iter_content(64))  # the stream is open and holds the only slot
        with pytest.raises(anthropic.InternalServerError) as err:
            face.sdk.messages.create(model="cu", max_tokens=20, messages=USER, stream=True)
        assert err.value.status_code == 503 and err.value.body["error"]["type"] == "overloaded_error"
        assert err.value.response.headers["Retry-After"] and "x-should-retry" not in err.value.response.headers
    finally:
        gate.set()
        held.close()


def test_an_error_event_right_after_message_start_still_falls_back(face):
    _fallback(face, "an", ["oa"])
    face.fakes["an"].error_after = 0  # message_start, then an overloaded_error event
    with face.sdk.messages.stream(model="an", max_tokens=20, messages=USER) as stream:
        assert "".join(stream.text_stream) == REPLIES["oa"]
