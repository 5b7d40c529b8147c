"""The Responses face (/v1/responses) driven by the official openai SDK against fakes of the three wire formats."""

import json
from types import SimpleNamespace

import openai
import pytest

from tests.app_fixtures import BASIC, http_session

KEY = "key-responses-0000-secret"
KINDS = ("open_ai", "anthropic", "gemini")
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [{"type": "function", "name": "get_weather", "description": "Weather now", "parameters": WEATHER}]
CALL = {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}


def _profiles(fakes):
    return [{"id": kind, "name": kind, "provider_type": kind, "model": fakes[kind].models[0],
             "base_url": fakes[kind].base_url, "api_key": KEY} for kind in fakes]


def _sdk(live, name="responses"):
    _record, token = live.app.extensions["triplo"].auth.create_token(name)
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=token, max_retries=0, timeout=10), token


@pytest.fixture
def face(provider_env, fake_provider, live_server):
    """A live app with one profile per wire format (ids = kinds) and the SDK pointed at it."""
    fakes = {kind: fake_provider(kind, reply="Fine weather today") for kind in KINDS}
    live = live_server()
    http = http_session(live.url, BASIC)
    r = http.post(f"{live.url}/api/v1/profiles?restart=false",
                  json={"default_profile_id": "open_ai", "llm_profiles": _profiles(fakes)})
    assert r.status_code == 200, r.text
    sdk, token = _sdk(live)
    yield SimpleNamespace(fakes=fakes, sdk=sdk, http=http, base=live.url, token=token, live=live,
                          start=live_server)
    sdk.close()
    http.close()


def sent_texts(face, kind):
    """The (role, text) pairs the upstream received, in each format's own words."""
    body = face.fakes[kind].last().body
    if kind == "open_ai":
        return [(m["role"], m.get("content")) for m in body["messages"]]
    if kind == "anthropic":
        system = [("system", body["system"] if isinstance(body["system"], str) else body["system"][0]["text"])] \
            if body.get("system") else []
        return system + [(m["role"], m["content"] if isinstance(m["content"], str) else
                          " ".join(p.get("text", "") for p in m["content"])) for m in body["messages"]]
    system = [("system", body["systemInstruction"]["parts"][0]["text"])] if body.get("systemInstruction") else []
    return system + [(c["role"], " ".join(p.get("text", "") for p in c["parts"])) for c in body["contents"]]


@pytest.mark.parametrize("kind", KINDS)
def test_create_text_with_instructions(face, kind):
    done = face.sdk.responses.create(model=kind, input="Weather?", instructions="Be brief.", temperature=0.2,
                                     max_output_tokens=50)
    assert done.object == "response" and done.status == "completed" and done.id.startswith("resp_")
    assert done.output_text == "Fine weather today" and done.output[0].type == "message"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (11, 7, 18)
    assert sent_texts(face, kind) == [("system", "Be brief."), ("user", "Weather?")]


@pytest.mark.parametrize("kind", KINDS)
def test_stream_typed_events(face, kind):
    events = list(face.sdk.responses.create(model=kind, input="Weather?", stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 3 and "".join(deltas) == "Fine weather today" == events[-1].response.output_text
    assert events[-1].response.usage.output_tokens == 7


def test_stream_helper_final_response(face):
    with face.sdk.responses.stream(model="open_ai", input="Weather?") as stream:
        final = stream.get_final_response()
    assert final.output_text == "Fine weather today"
    assert face.sdk.responses.retrieve(final.id).output_text == "Fine weather today"  # a stream is stored too


@pytest.mark.parametrize("kind", KINDS)
def test_tool_loop_with_previous_response(face, kind):
    face.fakes[kind].tool_calls = [CALL]
    first = face.sdk.responses.create(model=kind, input="Weather in Paris?", tools=TOOLS, tool_choice="required")
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "Paris"}
    face.fakes[kind].tool_calls = []
    second = face.sdk.responses.create(model=kind, previous_response_id=first.id, tools=TOOLS, input=[
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny, 21 C"}])
    assert second.output_text == "Fine weather today" and second.previous_response_id == first.id
    body = face.fakes[kind].last().body
    if kind == "open_ai":
        assert body["messages"][1]["tool_calls"][0]["id"] == calls[0].call_id
        assert body["messages"][2] == {"role": "tool", "tool_call_id": calls[0].call_id, "content": "sunny, 21 C"}
    elif kind == "anthropic":
        assert [b["id"] for b in body["messages"][1]["content"] if b["type"] == "tool_use"] == [calls[0].call_id]
        assert body["messages"][2]["content"][0]["type"] == "tool_result"
    else:
        assert any("functionCall" in part for part in body["contents"][1]["parts"])
        assert body["contents"][2]["parts"][0]["functionResponse"]["name"] == "get_weather"


@pytest.mark.parametrize("kind", KINDS)
def test_streamed_tool_call_events(face, kind):
    face.fakes[kind].tool_calls = [CALL]
    events = list(face.sdk.responses.create(model=kind, input="Paris?", tools=TOOLS, stream=True))
    types = [e.type for e in events]
    assert "response.function_call_arguments.delta" in types and "response.function_call_arguments.done" in types
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert json.loads(done.arguments) == {"city": "Paris"}
    final = events[-1].response
    assert final.output[-1].type == "function_call" and final.output[-1].name == "get_weather"
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_previous_response_survives_a_restart(face):
    first = face.sdk.responses.create(model="open_ai", input="My name is Ada.")
    face.live.server.shutdown()  # the first app is gone; a new one on the same folder takes over
    again = face.start()
    sdk, _token = _sdk(again, "after-restart")
    with sdk:
        assert sdk.responses.retrieve(first.id).output_text == "Fine weather today"
        sdk.responses.create(model="open_ai", input="What is my name?", previous_response_id=first.id)
    assert sent_texts(face, "open_ai") == [("user", "My name is Ada."), ("assistant", "Fine weather today"),
                                           ("user", "What is my name?")]


def test_store_false_retrieve_delete(face):
    kept = face.sdk.responses.create(model="open_ai", input="Hi")
    assert face.sdk.responses.retrieve(kept.id).id == kept.id
    gone = face.sdk.responses.create(model="open_ai", input="Hi", store=False)
    assert gone.store is False
    with pytest.raises(openai.NotFoundError):
        face.sdk.responses.retrieve(gone.id)
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.responses.create(model="open_ai", input="Again", previous_response_id=gone.id)
    assert err.value.param == "previous_response_id"
    face.sdk.responses.delete(kept.id)
    with pytest.raises(openai.NotFoundError):
        face.sdk.responses.retrieve(kept.id)
    with pytest.raises(openai.NotFoundError):
        face.sdk.responses.delete(kept.id)


@pytest.mark.parametrize("extra, param", [
    ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
    ({"background": True}, "background"),
    ({"input": [{"type": "item_reference", "id": "x"}]}, "input[0].type"),
    ({"conversation": "conv_1"}, "conversation"),
    ({"frobnicate": 1}, "frobnicate"),
])
def test_untranslatable_is_a_clear_400(face, extra, param):
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.responses.create(model="open_ai", input=extra.pop("input", "Hi"), extra_body=extra)
    assert err.value.param == param and param in err.value.message
    assert face.fakes["open_ai"].count() == 0  # refused before any upstream call


def test_headers_and_role_models(face):
    raw = face.http.post(f"{face.base}/v1/responses", json={"model": "gemini", "input": "Hi"},
                         headers={"Authorization": f"Bearer {face.token}"}, timeout=10)
    assert raw.status_code == 200, raw.text
    assert raw.headers["X-Triplo-Profile-Id"] == "gemini" and float(raw.headers["X-Gateway-Overhead-Ms"]) >= 0
