"""The OpenAI face, feature by feature, for each wire format: the official openai SDK calls our /v1 on a live
server, recording fakes (OpenAI, Anthropic, Gemini) answer; asserted: what the upstream received, what the SDK got."""

import json
from types import SimpleNamespace

import openai
import pytest

from tests.app_fixtures import BASIC, http_session

KEY = "key-matrix-0000-secret"
KINDS = ("open_ai", "anthropic", "gemini")
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather now", "parameters": WEATHER}}]
CALL = {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
HI = [{"role": "user", "content": "Hi"}]
PNG = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture
def face(provider_env, fake_provider, live_server):
    """A live app with one profile per wire format (ids = kinds, plus `an_drop` dropping what Anthropic lacks)."""
    fakes = {kind: fake_provider(kind) for kind in KINDS}
    live = live_server()
    http = http_session(live.url, BASIC)
    profiles = [{"id": kind, "name": kind, "provider_type": kind, "model": fakes[kind].models[0],
                 "base_url": fakes[kind].base_url, "api_key": KEY} for kind in KINDS]
    profiles.append(dict(profiles[1], id="an_drop", name="an_drop", options={"drop_unsupported": True}))
    r = http.post(f"{live.url}/api/v1/profiles?restart=false", json={"default_profile_id": "open_ai",
                                                                    "llm_profiles": profiles})
    assert r.status_code == 200, r.text
    _record, token = live.app.extensions["triplo"].auth.create_token("matrix")
    sdk = openai.OpenAI(base_url=f"{live.url}/v1", api_key=token, max_retries=2, timeout=10)
    yield SimpleNamespace(fakes=fakes, sdk=sdk, http=http, base=live.url, token=token)
    sdk.close()
    http.close()


def upstream(face, kind):
    return face.fakes[kind].last().body


# ---- tools and tool calls ---------------------------------------------------------------------------------

TOOLS_SENT = {
    "open_ai": lambda b: b["tools"] == TOOLS and b["tool_choice"] == "required",
    "anthropic": lambda b: b["tools"] == [{"name": "get_weather", "description": "Weather now", "input_schema": WEATHER}]
    and b["tool_choice"] == {"type": "any"},
    "gemini": lambda b: b["tools"] == [{"functionDeclarations": [
        {"name": "get_weather", "description": "Weather now", "parametersJsonSchema": WEATHER}]}]
    and b["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}},
}


@pytest.mark.parametrize("kind", KINDS)
def test_tool_calls(face, kind):
    face.fakes[kind].tool_calls = [CALL]
    done = face.sdk.chat.completions.create(model=kind, messages=HI, tools=TOOLS, tool_choice="required")
    assert TOOLS_SENT[kind](upstream(face, kind)), upstream(face, kind)
    choice = done.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id


@pytest.mark.parametrize("kind", KINDS)
def test_streamed_tool_calls_rebuilt_by_the_sdk(face, kind):
    face.fakes[kind].tool_calls = [CALL, dict(CALL, id="call_2", arguments={"city": "Oslo"})]
    with face.sdk.chat.completions.stream(model=kind, messages=HI, tools=TOOLS) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert [json.loads(c.function.arguments) for c in calls] == [{"city": "Paris"}, {"city": "Oslo"}]
    assert [c.function.name for c in calls] == ["get_weather"] * 2 and len({c.id for c in calls}) == 2
    assert final.choices[0].finish_reason == "tool_calls"


HISTORY = [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 C"},
]
HISTORY_SENT = {
    "open_ai": lambda b: b["messages"] == HISTORY,
    "anthropic": lambda b: b["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "Sunny, 21 C"}]}],
    "gemini": lambda b: b["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                         "response": {"result": "Sunny, 21 C"}}}]}],
}


@pytest.mark.parametrize("kind", KINDS)
def test_tool_results_go_back(face, kind):
    done = face.sdk.chat.completions.create(model=kind, messages=HISTORY, tools=TOOLS)
    assert HISTORY_SENT[kind](upstream(face, kind)), upstream(face, kind)
    assert done.choices[0].message.content == face.fakes[kind].reply


# ---- images, stop, structured output, extra fields --------------------------------------------------------

IMAGE_SENT = {
    "open_ai": lambda b: b["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": PNG}},
    "anthropic": lambda b: b["messages"][0]["content"][1] == {
        "type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
    "gemini": lambda b: b["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png",
                                                                        "data": "iVBORw0KGgo="}},
}


@pytest.mark.parametrize("kind", KINDS)
def test_images(face, kind):
    content = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": PNG}}]
    face.sdk.chat.completions.create(model=kind, messages=[{"role": "user", "content": content}])
    assert IMAGE_SENT[kind](upstream(face, kind)), upstream(face, kind)


def test_https_images_anthropic_url_source_gemini_refused(face):
    content = [{"type": "image_url", "image_url": {"url": "https://example.test/cat.png"}}]
    face.sdk.chat.completions.create(model="anthropic", messages=[{"role": "user", "content": content}])
    assert upstream(face, "anthropic")["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "url", "url": "https://example.test/cat.png"}}]
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.chat.completions.create(model="gemini", messages=[{"role": "user", "content": content}])
    assert "Gemini" in err.value.message and face.fakes["gemini"].count() == 0


STOP_SENT = {
    "open_ai": lambda b: b["stop"] == ["END", "##"] and b["seed"] == 7,
    "anthropic": lambda b: b["stop_sequences"] == ["END", "##"],
    "gemini": lambda b: b["generationConfig"]["stopSequences"] == ["END", "##"] and b["generationConfig"]["seed"] == 7,
}


@pytest.mark.parametrize("kind", KINDS)
def test_stop_and_seed(face, kind):
    extra = {} if kind == "anthropic" else {"seed": 7}
    face.sdk.chat.completions.create(model=kind, messages=HI, stop=["END", "##"], **extra)
    assert STOP_SENT[kind](upstream(face, kind)), upstream(face, kind)


SCHEMA = {"type": "json_schema", "json_schema": {"name": "w", "schema": WEATHER, "strict": True}}


def test_json_schema(face):
    face.sdk.chat.completions.create(model="open_ai", messages=HI, response_format=SCHEMA)
    assert upstream(face, "open_ai")["response_format"] == SCHEMA
    face.sdk.chat.completions.create(model="gemini", messages=HI, response_format=SCHEMA)
    config = upstream(face, "gemini")["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["responseJsonSchema"] == WEATHER
    face.sdk.chat.completions.create(model="anthropic", messages=HI, response_format=SCHEMA)  # native
    assert upstream(face, "anthropic")["output_config"] == {"format": {"type": "json_schema", "schema": WEATHER}}


@pytest.mark.parametrize("param, value", [("logprobs", True), ("seed", 3), ("n", 2), ("presence_penalty", 0.5)])
def test_what_anthropic_cannot_do_is_a_400_naming_it(face, param, value):
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.chat.completions.create(model="anthropic", messages=HI, **{param: value})
    assert err.value.param == param and err.value.code == "unsupported_parameter"
    assert param in err.value.message and "Anthropic" in err.value.message
    assert face.fakes["anthropic"].count() == 0
    face.sdk.chat.completions.create(model="an_drop", messages=HI, **{param: value})
    assert param not in upstream(face, "anthropic")


def test_everything_reaches_an_openai_upstream_as_sent(face):
    sent = dict(temperature=0.1, max_completion_tokens=33, stop="X", seed=5, user="u-1", parallel_tool_calls=False,
                tools=TOOLS, tool_choice={"type": "function", "function": {"name": "get_weather"}},
                logprobs=True, top_logprobs=2, response_format={"type": "json_object"})
    messages = [{"role": "developer", "content": "Be terse."},
                {"role": "user", "name": "ann", "content": [{"type": "text", "text": "Hi"}]}]
    done = face.sdk.chat.completions.create(model="open_ai", messages=messages, extra_body={"top_k": 4}, **sent)
    body = upstream(face, "open_ai")
    assert {k: body[k] for k in sent} == sent and body["top_k"] == 4 and body["messages"] == messages
    assert body["model"] == face.fakes["open_ai"].models[0] and "max_tokens" not in body
    assert done.choices[0].logprobs.content[0].token == "Hello" and done.system_fingerprint == "fp_fake"
    assert done.usage.prompt_tokens_details.cached_tokens == 0  # the upstream's usage as it came


def test_extra_fields_anthropic_gemini(face):
    face.sdk.chat.completions.create(model="anthropic", messages=HI, extra_body={"top_k": 4}, user="u-1")
    assert upstream(face, "anthropic")["top_k"] == 4
    assert upstream(face, "anthropic")["metadata"] == {"user_id": "u-1"}
    face.sdk.chat.completions.create(model="gemini", messages=HI, extra_body={"top_k": 4})
    assert upstream(face, "gemini")["generationConfig"]["topK"] == 4
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.chat.completions.create(model="gemini", messages=HI, extra_body={"made_up": 1})
    assert err.value.param == "made_up"


# ---- usage -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_stream_usage_is_the_upstreams(face, kind):
    chunks = list(face.sdk.chat.completions.create(model=kind, messages=HI, stream=True,
                                                   stream_options={"include_usage": True}))
    assert chunks[-1].choices == [] and (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (11, 7)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == face.fakes[kind].reply


def test_unknown_usage_is_never_zeros(face):
    face.fakes["open_ai"].usage = None
    chunks = list(face.sdk.chat.completions.create(model="open_ai", messages=HI, stream=True,
                                                   stream_options={"include_usage": True}))
    assert all(c.usage is None for c in chunks) and chunks[-1].choices  # no usage chunk at all
    assert face.sdk.chat.completions.create(model="open_ai", messages=HI).usage is None


# ---- errors keep their meaning -----------------------------------------------------------------------------

@pytest.mark.parametrize("status, cls", [(400, openai.BadRequestError), (404, openai.NotFoundError),
                                         (413, openai.APIStatusError), (422, openai.UnprocessableEntityError)])
def test_upstream_4xx_keeps_status_and_code_and_is_never_retried(face, status, cls):
    fake = face.fakes["open_ai"]
    fake.fail(status, body={"error": {"message": f"too long for {KEY}", "type": "invalid_request_error",
                                      "param": "messages", "code": "context_length_exceeded"}}, times=5)
    with pytest.raises(cls) as err:  # the SDK may retry (max_retries=2): it must not, and neither may we
        face.sdk.chat.completions.create(model="open_ai", messages=HI)
    assert err.value.status_code == status and fake.count() == 1
    assert err.value.code == "context_length_exceeded" and err.value.param == "messages"
    assert "too long for" in err.value.message and KEY not in err.value.message


def test_upstream_4xx_of_other_formats(face):
    face.fakes["anthropic"].fail(400, "prompt is too long", times=3)
    with pytest.raises(openai.BadRequestError, match="prompt is too long"):
        face.sdk.chat.completions.create(model="anthropic", messages=HI)
    assert face.fakes["anthropic"].count() == 1


def test_429_auth_5xx(face):
    fake = face.fakes["open_ai"]
    fake.fail(429, headers={"Retry-After": "0"}, times=3)  # our own retries (2) run out
    r = face.http.post(f"{face.base}/v1/chat/completions", json={"model": "open_ai", "messages": HI})
    assert r.status_code == 429 and r.headers["Retry-After"] == "0" and r.json()["error"]["code"] == "rate_limited"
    fake.reset()
    fake.fail(401)
    r = face.http.post(f"{face.base}/v1/chat/completions", json={"model": "open_ai", "messages": HI})
    assert r.status_code == 502 and r.json()["error"]["code"] == "provider_auth_failed" and fake.count() == 1
    fake.fail(500, times=3)
    r = face.http.post(f"{face.base}/v1/chat/completions", json={"model": "open_ai", "messages": HI})
    assert r.status_code == 502


def test_game_master_api_maps_errors_the_same_way(face):
    r = face.http.put(f"{face.base}/api/v1/roles", json={"roles": [{"id": "gm", "name": "GM"}]})
    assert r.status_code == 200, r.text
    sid = face.http.post(f"{face.base}/api/v1/sessions", json={}).json()["session_id"]
    face.fakes["open_ai"].fail(400, body={"error": {"message": "too long", "type": "invalid_request_error",
                                                    "param": "messages", "code": "context_length_exceeded"}})
    r = face.http.post(f"{face.base}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "Hi"})
    assert r.status_code == 400 and r.json()["upstream_code"] == "context_length_exceeded"
    assert face.fakes["open_ai"].count() == 1
    face.fakes["open_ai"].fail(429, headers={"Retry-After": "0"}, times=3)
    r = face.http.post(f"{face.base}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "Hi"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "0"


@pytest.mark.parametrize("kind, stream", [("open_ai", False), ("anthropic", False), ("gemini", True)])
def test_game_master_roles_with_tools_record_the_calls(face, kind, stream):
    role = {"id": "scout", "name": "Scout", "ai_config": {"profile_id": kind, "tools": TOOLS}}
    assert face.http.put(f"{face.base}/api/v1/roles", json={"roles": [role]}).status_code == 200
    sid = face.http.post(f"{face.base}/api/v1/sessions", json={}).json()["session_id"]
    face.fakes[kind].tool_calls = [CALL]
    r = face.http.post(f"{face.base}/api/v1/sessions/{sid}/chat", json={"role_id": "scout", "message": "Go",
                                                                        "stream": stream})
    assert r.status_code == 200, r.text
    assert "get_weather" in json.dumps(upstream(face, kind)["tools"])
    stored = face.http.get(f"{face.base}/api/v1/sessions/{sid}").json()["messages"][-1]["metadata"]
    [call] = stored["tool_calls"]
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert stored["finish_reason"] == "tool_calls"
