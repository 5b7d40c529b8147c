"""The Anthropic Messages face (/v1/messages), driven by the official `anthropic` SDK against fakes of every format."""

import anthropic
import pytest
import requests

from .messages_helpers import KEYS, MODELS, REPLIES, events, face  # noqa: F401 (fixture)

USER = [{"role": "user", "content": "Hi"}]
WEATHER = {"name": "get_weather", "description": "Weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.mark.parametrize("pid", ["oa", "cu", "an", "ge"])
def test_text_reply_through_each_format(face, pid):
    done = face.sdk.messages.create(model=pid, max_tokens=50, system="Be brief.", messages=USER,
                                    extra_body={"temperature": 0.2})  # sampling fields: older clients send them
    assert done.type == "message" and done.role == "assistant" and done.model == pid
    assert [b.type for b in done.content] == ["text"] and done.content[0].text == REPLIES[pid]
    assert done.stop_reason == "end_turn" and done.stop_sequence is None
    assert (done.usage.input_tokens, done.usage.output_tokens) == (11, 7)
    sent = face.fakes[pid].last()
    if pid == "an":  # passed through as the SDK sent it, under the profile's model and key
        assert sent.body == {"model": MODELS["an"], "max_tokens": 50, "system": "Be brief.", "messages": USER,
                             "temperature": 0.2}
        assert sent.headers["x-api-key"] == KEYS["an"]
    elif pid == "ge":
        assert sent.body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
        assert sent.body["generationConfig"]["maxOutputTokens"] == 50
        assert sent.body["generationConfig"]["temperature"] == 0.2
    else:
        assert sent.body["messages"] == [{"role": "system", "content": "Be brief."}, *USER]
        assert sent.body["temperature"] == 0.2 and sent.body["max_tokens"] == 50


@pytest.mark.parametrize("pid", ["oa", "an", "ge"])
def test_streamed_reply_through_each_format(face, pid):
    with face.sdk.messages.stream(model=pid, max_tokens=50, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == REPLIES[pid] and final.content[0].text == REPLIES[pid] and final.model == pid
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 7


def test_translated_stream_is_anthropics_event_sequence(face):
    r = requests.post(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, timeout=10,
                      json={"model": "cu", "max_tokens": 20, "stream": True, "messages": USER})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    seen = events(r.text)
    names = [name for name, _ in seen]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert all(data["type"] == name for name, data in seen)
    assert seen[-2][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert seen[-2][1]["usage"]["output_tokens"] == 7 and seen[-2][1]["usage"]["input_tokens"] == 11


@pytest.mark.parametrize("pid", ["oa", "an", "ge"])
@pytest.mark.parametrize("stream", [False, True])
def test_tool_loop_across_a_full_turn(face, pid, stream):
    fake = face.fakes[pid]
    fake.tool_calls = [{"id": "toolu_01" if pid == "an" else "call_01", "name": "get_weather",
                        "arguments": {"city": "Paris"}}]
    ask = dict(model=pid, max_tokens=100, tools=[WEATHER], messages=[{"role": "user", "content": "Weather?"}],
               tool_choice={"type": "tool", "name": "get_weather"})
    if stream:
        with face.sdk.messages.stream(**ask) as s:
            first = s.get_final_message()
    else:
        first = face.sdk.messages.create(**ask)
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "Paris"}
    sent = fake.last().body
    if pid == "oa":
        assert sent["tools"] == [{"type": "function", "function": {
            "name": "get_weather", "description": "Weather in a city", "parameters": WEATHER["input_schema"]}}]
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    fake.tool_calls = []
    history = ask["messages"] + [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21 C"}]}]
    done = face.sdk.messages.create(**dict(ask, messages=history, tool_choice={"type": "auto"}))
    assert done.stop_reason == "end_turn" and done.content[0].text == REPLIES[pid]
    sent = fake.last().body
    if pid == "oa":
        assert sent["messages"][-2]["tool_calls"][0]["function"] == {"name": "get_weather",
                                                                     "arguments": '{"city": "Paris"}'}
        assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 C"}
    elif pid == "ge":
        assert sent["contents"][-1]["parts"][0]["functionResponse"]["name"] == "get_weather"
    else:
        assert sent["messages"] == history


def test_streamed_tool_input_is_input_json_delta(face):
    face.fakes["oa"].tool_calls = [{"id": "call_9", "name": "get_weather", "arguments": {"city": "Oslo"}}]
    r = requests.post(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, timeout=10,
                      json={"model": "oa", "max_tokens": 20, "stream": True, "tools": [WEATHER], "messages": USER})
    seen = events(r.text)
    start = next(d for n, d in seen if n == "content_block_start")
    assert start["content_block"] == {"type": "tool_use", "id": "call_9", "name": "get_weather", "input": {}}
    parts = [d["delta"]["partial_json"] for n, d in seen if n == "content_block_delta"]
    assert all(d["delta"]["type"] == "input_json_delta" for n, d in seen if n == "content_block_delta")
    assert "".join(parts) == '{"city": "Oslo"}'
    assert seen[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_images_base64_and_url(face):
    content = [{"type": "text", "text": "What is this?"},
               {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}},
               {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}]
    face.sdk.messages.create(model="oa", max_tokens=20, messages=[{"role": "user", "content": content}])
    assert face.fakes["oa"].last().body["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    face.sdk.messages.create(model="ge", max_tokens=20, messages=[{"role": "user", "content": content[:2]}])
    assert face.fakes["ge"].last().body["contents"][0]["parts"][1] == {
        "inlineData": {"mimeType": "image/png", "data": PIXEL}}
    face.sdk.messages.create(model="an", max_tokens=20, messages=[{"role": "user", "content": content}])
    assert face.fakes["an"].last().body["messages"][0]["content"] == content


@pytest.mark.parametrize("pid", ["cu", "an"])
def test_stop_sequences(face, pid):
    face.fakes[pid].matched_stop = "THE END"
    done = face.sdk.messages.create(model=pid, max_tokens=20, messages=USER, stop_sequences=["THE END"])
    assert (done.stop_reason, done.stop_sequence) == ("stop_sequence", "THE END")
    sent = face.fakes[pid].last().body
    assert sent.get("stop_sequences" if pid == "an" else "stop") == ["THE END"]


def test_max_tokens_stop_reason_and_metadata_user(face):
    face.fakes["oa"].finish_reason = "length"
    done = face.sdk.messages.create(model="oa", max_tokens=3, messages=USER, metadata={"user_id": "player-7"},
                                    extra_body={"top_k": 5, "top_p": 0.9})
    assert done.stop_reason == "max_tokens"
    sent = face.fakes["oa"].last().body
    assert sent["user"] == "player-7" and sent["top_k"] == 5 and sent["top_p"] == 0.9


def test_anthropic_profile_gets_everything_as_sent(face):
    system = [{"type": "text", "text": "Long rules", "cache_control": {"type": "ephemeral"}}]
    body = {"model": "an", "max_tokens": 2048, "system": system, "messages": USER,
            "thinking": {"type": "enabled", "budget_tokens": 1024}, "metadata": {"user_id": "u1"}}
    r = requests.post(f"{face.base}/v1/messages?beta=true", timeout=10, json=body, headers={
        "x-api-key": face.token, "anthropic-version": "2023-06-01",
        "anthropic-beta": "interleaved-thinking-2025-05-14, files-api-2025-04-14"})
    assert r.status_code == 200, r.text
    sent = face.fakes["an"].last()
    assert sent.body == dict(body, model=MODELS["an"])
    assert sent.headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    assert r.headers["X-Triplo-Dropped-Betas"] == "files-api-2025-04-14"
    assert r.json()["model"] == "an" and r.headers["X-Triplo-Profile-Id"] == "an"


def test_role_prompt_goes_ahead_of_the_system(face):
    face.sdk.messages.create(model="role:gm", max_tokens=20, system="Short answers.", messages=USER)
    assert face.fakes["an"].last().body["system"] == "You narrate.\n\nShort answers."


@pytest.mark.parametrize("extra, field", [
    ({"thinking": {"type": "enabled", "budget_tokens": 1024}}, "thinking"),
    ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools[0]"),
    ({"messages": [{"role": "user", "content": [{"type": "search_result", "source": "x", "title": "t",
                                                 "content": []}]}]}, "messages[0].content[0].type"),
    ({"container": "c1"}, "container"),
])
def test_untranslatable_fields_are_named(face, extra, field):
    ask = dict({"model": "oa", "max_tokens": 20, "messages": USER}, **extra)
    with pytest.raises(anthropic.BadRequestError) as err:
        face.sdk.messages.create(**ask)
    assert err.value.body["error"]["type"] == "invalid_request_error"
    assert err.value.body["error"]["message"].startswith(f"{field}:")
    assert "profile 'oa'" in err.value.body["error"]["message"]
    assert face.fakes["oa"].count() == 0  # refused before any call


def test_thinking_disabled_and_cache_control_are_harmless(face):
    content = [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}]
    done = face.sdk.messages.create(model="oa", max_tokens=20, thinking={"type": "disabled"},
                                    messages=[{"role": "user", "content": content}])
    assert done.content[0].text == REPLIES["oa"]
    assert face.fakes["oa"].last().body["messages"] == [{"role": "user", "content": "Hi"}]


def test_errors_by_class(face):
    with pytest.raises(anthropic.NotFoundError) as err:
        face.sdk.messages.create(model="nope", max_tokens=20, messages=USER)
    assert err.value.body["error"]["type"] == "not_found_error"
    with pytest.raises(anthropic.BadRequestError) as err:
        face.sdk.messages.create(model="oa", max_tokens=20, messages=[])
    assert err.value.body == {"type": "error", "error": {
        "type": "invalid_request_error", "message": "messages: must be a non-empty list of messages"}}
    bad = anthropic.Anthropic(base_url=face.base, api_key="wrong-token", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as err:
        bad.messages.create(model="oa", max_tokens=20, messages=USER)
    assert err.value.body["error"]["type"] == "authentication_error"
    assert err.value.response.headers["x-should-retry"] == "false"
    face.fakes["oa"].fail(429, headers={"Retry-After": "0"}, times=5)
    with pytest.raises(anthropic.RateLimitError) as err:
        face.sdk.messages.create(model="oa", max_tokens=20, messages=USER)
    assert err.value.body["error"]["type"] == "rate_limit_error"
    assert "x-should-retry" not in err.value.response.headers  # a rate limit may be retried


def test_upstream_errors_keep_their_meaning(face):
    face.fakes["an"].fail(400, "prompt is too long: 300000 tokens > 200000 maximum")
    with pytest.raises(anthropic.BadRequestError, match="prompt is too long"):
        face.sdk.messages.create(model="an", max_tokens=20, messages=USER)
    face.fakes["oa"].required_key = "another-key"  # the profile's stored key is now wrong
    r = requests.post(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, timeout=10,
                      json={"model": "oa", "max_tokens": 20, "messages": USER})
    assert r.status_code == 502 and r.headers["x-should-retry"] == "false"
    assert r.json()["error"]["type"] == "api_error" and KEYS["oa"] not in r.text


def test_error_inside_a_stream_is_an_error_event(face):
    face.fakes["cu"].error_after = 1
    r = requests.post(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, timeout=10,
                      json={"model": "cu", "max_tokens": 20, "stream": True, "messages": USER})
    name, data = events(r.text)[-1]
    assert name == "error" and data["type"] == "error" and data["error"]["type"] == "api_error"


def test_models_in_anthropic_shape(face):
    listed = list(face.sdk.models.list())
    assert [m.id for m in listed] == ["oa", "cu", "an", "ge", "role:gm"]
    assert listed[0].type == "model" and listed[0].display_name == "Profile oa"
    assert face.sdk.models.retrieve("role:gm").display_name == "Game Master"
    page = requests.get(f"{face.base}/v1/models?limit=2&after_id=oa", timeout=10,
                        headers={"x-api-key": face.token, "anthropic-version": "2023-06-01"}).json()
    assert page == {"data": [{"type": "model", "id": i, "display_name": f"Profile {i}",
                              "created_at": "1970-01-01T00:00:00Z"} for i in ("cu", "an")],
                    "has_more": True, "first_id": "cu", "last_id": "an"}
    plain = requests.get(f"{face.base}/v1/models", headers={"Authorization": f"Bearer {face.token}"}, timeout=10)
    assert plain.json()["object"] == "list"  # without anthropic-version: OpenAI's shape, as before


def test_count_tokens(face):
    counted = face.sdk.messages.count_tokens(model="an", messages=USER)
    assert counted.input_tokens > 0 and face.fakes["an"].last().body["model"] == MODELS["an"]
    with pytest.raises(anthropic.BadRequestError, match="token counts come only from Anthropic profiles"):
        face.sdk.messages.count_tokens(model="oa", messages=USER)


def test_bearer_token_works_too_and_calls_are_metered(face):
    sdk = anthropic.Anthropic(base_url=face.base, auth_token=face.token, max_retries=0)
    sdk.messages.create(model="ge", max_tokens=20, messages=USER)
    with sdk.messages.stream(model="oa", max_tokens=20, messages=USER) as stream:
        stream.get_final_message()
    face.app.extensions["triplo"].usage.flush()
    rows = {row["key"]: row for row in face.http.get(f"{face.base}/api/usage?group_by=profile").json()["rows"]}
    assert rows["ge"]["requests"] == 1 and rows["ge"]["prompt_tokens"] == 11
    assert rows["oa"]["requests"] == 1 and rows["oa"]["completion_tokens"] == 7


@pytest.mark.parametrize("pid", ["oa", "an", "ge"])
def test_a_claude_code_shaped_request(face, pid):
    """What Claude Code sends: system and tools with cache_control, user_id metadata, betas, a streamed turn."""
    tool = dict(WEATHER, cache_control={"type": "ephemeral"})
    body = {"model": pid, "max_tokens": 32000, "temperature": 1, "stream": True,
            "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
            "tools": [tool], "metadata": {"user_id": "user_abc_account__session_1"},
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi",
                                                       "cache_control": {"type": "ephemeral"}}]}]}
    r = requests.post(f"{face.base}/v1/messages?beta=true", json=body, timeout=10, headers={
        "x-api-key": face.token, "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"})
    assert r.status_code == 200, r.text
    text = "".join(d["delta"]["text"] for n, d in events(r.text) if n == "content_block_delta")
    assert text == REPLIES[pid] and events(r.text)[-1][0] == "message_stop"
    sent = face.fakes[pid].last().body
    if pid == "an":
        assert sent == dict(body, model=MODELS["an"])
    elif pid == "ge":
        assert sent["systemInstruction"] == {"parts": [{"text": "You are Claude Code."}]} and "user" not in sent
    else:
        assert sent["messages"][0] == {"role": "system", "content": "You are Claude Code."}
        assert sent["user"] == "user_abc_account__session_1" and sent["stream"] is True


def test_wrong_method_answers_in_anthropics_shape(face):
    r = requests.get(f"{face.base}/v1/messages", headers={"x-api-key": face.token}, timeout=10)
    assert r.status_code == 405 and r.json()["type"] == "error"
    assert r.json()["error"]["type"] == "invalid_request_error"
