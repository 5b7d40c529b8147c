"""What real clients hit on the Chat Completions face, each sent by the official openai SDK as the client library
sent it, to fakes that behave like the real servers (the custom fake: llama.cpp's llama-server)."""

import json
from types import SimpleNamespace

import openai
import pytest

from tests.app_fixtures import BASIC, http_session

KEY = "key-defects-0000-secret"
KINDS = ("open_ai", "custom", "anthropic", "gemini")
HI = [{"role": "user", "content": "Hi"}]
PDF = "data:application/pdf;base64,JVBERi0xLjQK"


def tool(name):
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}


@pytest.fixture
def face(provider_env, fake_provider, live_server):
    """A live app with one profile per format (ids = kinds); the OpenAI and custom ones set their own values."""
    fakes = {kind: fake_provider(kind) for kind in KINDS}
    fakes["locked"] = fake_provider("custom", required_key="another-key")
    live = live_server()
    http = http_session(live.url, BASIC)
    profiles = [{"id": kind, "name": kind, "provider_type": kind, "model": fakes[kind].models[0],
                 "base_url": fakes[kind].base_url, "api_key": KEY} for kind in KINDS]
    profiles[0].update(temperature=0.3, max_tokens=64)
    profiles[1].update(max_tokens=50)
    profiles.append(dict(profiles[1], id="bad_key", name="bad_key", base_url=fakes["locked"].base_url))
    r = http.post(f"{live.url}/api/v1/profiles?restart=false", json={"default_profile_id": "open_ai",
                                                                    "llm_profiles": profiles})
    assert r.status_code == 200, r.text
    _record, token = live.app.extensions["triplo"].auth.create_token("defects")
    sdk = openai.OpenAI(base_url=f"{live.url}/v1", api_key=token, max_retries=2, timeout=10)
    yield SimpleNamespace(fakes=fakes, sdk=sdk, http=http, base=live.url)
    sdk.close()
    http.close()


def upstream(face, kind):
    return face.fakes[kind].last().body


# 1. Gemini tool loops: ids unique across the conversation, results mapped back by id -------------------------

def test_gemini_tool_loop_keeps_each_result_with_its_call(face):
    fake, messages = face.fakes["gemini"], [{"role": "user", "content": "Weather, then time, in Paris"}]
    results = {"get_weather": '{"sky": "sunny"}', "get_time": "noon"}
    for name in ("get_weather", "get_time"):  # two turns, each forcing one tool
        fake.tool_calls = [{"id": None, "name": name, "arguments": {"city": "Paris"}}]
        done = face.sdk.chat.completions.create(model="gemini", messages=messages, tools=[tool("get_weather"),
                                                tool("get_time")], tool_choice={"type": "function",
                                                                                "function": {"name": name}})
        [call] = done.choices[0].message.tool_calls
        messages += [done.choices[0].message.model_dump(exclude_none=True),
                     {"role": "tool", "tool_call_id": call.id, "content": results[name]}]
    ids = [m["tool_calls"][0]["id"] for m in messages if m.get("tool_calls")]
    assert len(set(ids)) == 2, ids
    fake.tool_calls = []
    face.sdk.chat.completions.create(model="gemini", messages=messages)
    answers = [p["functionResponse"] for c in upstream(face, "gemini")["contents"] for p in c["parts"]
               if "functionResponse" in p]
    # By name, as each call was made; a JSON object result goes as that object (Gemini wants an object).
    assert answers == [{"name": "get_weather", "response": {"sky": "sunny"}},
                       {"name": "get_time", "response": {"result": "noon"}}]


# 2. max_completion_tokens toward a server that only knows max_tokens ----------------------------------------

def test_max_completion_tokens_reaches_a_custom_server_as_max_tokens(face):
    face.fakes["custom"].reply = "one two three four five six seven"
    done = face.sdk.chat.completions.create(model="custom", messages=HI, max_completion_tokens=3)
    body = upstream(face, "custom")
    assert body["max_tokens"] == 3 and "max_completion_tokens" not in body
    assert len(done.choices[0].message.content.split()) == 3 and done.choices[0].finish_reason == "length"
    chunks = list(face.sdk.chat.completions.create(model="custom", messages=HI, max_completion_tokens=3, stream=True))
    assert upstream(face, "custom")["max_tokens"] == 3 and chunks[-1].choices[0].finish_reason == "length"
    assert len("".join(c.choices[0].delta.content or "" for c in chunks).split()) == 3
    face.sdk.chat.completions.create(model="custom", messages=HI, extra_body={"max_completion_tokens": None})
    assert upstream(face, "custom")["max_tokens"] == 50  # the profile's own value is not dropped


# 3. developer messages toward llama.cpp -------------------------------------------------------------------------

def test_developer_message_goes_to_a_custom_server_as_system(face):
    messages = [{"role": "developer", "content": "Be terse."}, *HI]
    done = face.sdk.chat.completions.create(model="custom", messages=messages)
    assert done.choices[0].message.content
    assert [m["role"] for m in upstream(face, "custom")["messages"]] == ["system", "user"]
    face.sdk.chat.completions.create(model="open_ai", messages=messages)
    assert upstream(face, "open_ai")["messages"][0]["role"] == "developer"  # OpenAI takes it as sent


# 4. x-should-retry ----------------------------------------------------------------------------------------------

def test_a_refused_key_is_not_retried_by_the_sdk(face):
    with pytest.raises(openai.APIStatusError) as err:
        face.sdk.chat.completions.create(model="bad_key", messages=HI)
    assert err.value.status_code == 502 and err.value.code == "provider_auth_failed"
    assert err.value.response.headers["x-should-retry"] == "false"
    assert face.fakes["locked"].count() == 1  # neither we nor the SDK (max_retries=2) tried again
    face.fakes["open_ai"].fail(429, headers={"Retry-After": "0"}, times=9)
    r = face.http.post(f"{face.base}/v1/chat/completions", json={"model": "open_ai", "messages": HI})
    assert r.status_code == 429 and r.headers["x-should-retry"] == "true"


# 5. a streamed context overflow ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stream", [False, True])
def test_context_overflow_is_a_400_streamed_or_not(face, stream):
    fake = face.fakes["custom"]
    fake.context_size = 3
    long = [{"role": "user", "content": "one two three four five six"}]
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.chat.completions.create(model="custom", messages=long, stream=stream)
    assert err.value.code == "context_length_exceeded" and "context size" in err.value.message
    assert err.value.response.headers["x-should-retry"] == "false" and fake.count() == 1


# 6. null means "not set" ----------------------------------------------------------------------------------------

def test_null_sampling_fields_keep_the_profiles_values(face):
    face.sdk.chat.completions.create(model="open_ai", messages=HI, temperature=None, max_tokens=None)
    body = upstream(face, "open_ai")
    assert body["temperature"] == 0.3 and body["max_completion_tokens"] == 64 and "max_tokens" not in body


# 7. PDFs, Gemini's `user` -----------------------------------------------------------------------------------------

def test_pdf_parts_reach_anthropic_and_gemini(face):
    content = [{"type": "text", "text": "Summarise"},
               {"type": "file", "file": {"filename": "a.pdf", "file_data": PDF}}]
    face.sdk.chat.completions.create(model="anthropic", messages=[{"role": "user", "content": content}])
    [turn] = upstream(face, "anthropic")["messages"]
    assert turn["content"][1] == {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                                 "data": "JVBERi0xLjQK"}}
    face.sdk.chat.completions.create(model="gemini", messages=[{"role": "user", "content": content}])
    [turn] = upstream(face, "gemini")["contents"]
    assert turn["parts"][1] == {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0xLjQK"}}
    with pytest.raises(openai.BadRequestError) as err:  # an upload id names nothing the upstream has
        face.sdk.chat.completions.create(model="gemini", messages=[{"role": "user", "content": [
            {"type": "file", "file": {"file_id": "file-1"}}]}])
    assert "file" in err.value.message


def test_gemini_drops_user(face):
    face.sdk.chat.completions.create(model="gemini", messages=HI, user="u-1")
    assert "u-1" not in json.dumps(upstream(face, "gemini"))


# Prompt caching: marks reach Anthropic, cached tokens come back in OpenAI's shape, priced and recorded ---------

def test_prompt_cache_marks_usage_and_cost(face):
    fake = face.fakes["anthropic"]
    fake.usage, fake.cache_read, fake.cache_write = (62_000, 1_000), 50_000, 10_000
    system = {"role": "system", "content": [{"type": "text", "text": "A long rulebook", "cache_control":
                                             {"type": "ephemeral"}}]}
    raw = face.sdk.chat.completions.with_raw_response.create(model="anthropic", messages=[system, *HI])
    body = upstream(face, "anthropic")
    assert body["system"] == [{"type": "text", "text": "A long rulebook", "cache_control": {"type": "ephemeral"}}]
    done = raw.parse()
    assert done.usage.prompt_tokens == 62_000 and done.usage.prompt_tokens_details.cached_tokens == 50_000
    # 2,000 x $3 + 50,000 x $0.30 + 10,000 x $3.75 + 1,000 x $15 per 1M tokens (Claude Sonnet 4)
    assert raw.headers["X-Request-Cost"] == "0.0735"
    rows = face.http.get(f"{face.base}/api/usage", params={"group_by": "profile"}).json()["rows"]
    [row] = [r for r in rows if r["key"] == "anthropic"]
    assert (row["cache_read_tokens"], row["cache_write_tokens"], row["cost_usd"]) == (50_000, 10_000, 0.0735)
    assert "Cached in" in face.http.get(f"{face.base}/usage").text


@pytest.mark.parametrize("kind", ["gemini", "open_ai", "anthropic"])
def test_cached_tokens_in_every_format_streamed(face, kind):
    face.fakes[kind].usage, face.fakes[kind].cache_read = (1_000, 5), 800
    chunks = list(face.sdk.chat.completions.create(model=kind, messages=HI, stream=True,
                                                   stream_options={"include_usage": True}))
    used = chunks[-1].usage
    assert (used.prompt_tokens, used.prompt_tokens_details.cached_tokens) == (1_000, 800)


def test_cache_marks_are_not_sent_to_openai(face):
    content = [{"type": "text", "text": "Rules", "cache_control": {"type": "ephemeral"}}]
    face.sdk.chat.completions.create(model="open_ai", messages=[{"role": "user", "content": content}])
    assert upstream(face, "open_ai")["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Rules"}]}]


# Structured output and reasoning ---------------------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_json_schema_to_anthropic_is_native_output_config(face):
    face.sdk.chat.completions.create(model="anthropic", messages=HI, response_format={
        "type": "json_schema", "json_schema": {"name": "place", "schema": SCHEMA}})
    assert upstream(face, "anthropic")["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}


def test_reasoning_effort_to_anthropic_thinking_and_back(face):
    fake = face.fakes["anthropic"]
    fake.thinking = "First, the weather."
    done = face.sdk.chat.completions.create(model="anthropic", messages=HI, reasoning_effort="low", max_tokens=500)
    body = upstream(face, "anthropic")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048} and body["max_tokens"] == 2548
    assert "temperature" not in body  # the profile's own temperature: thinking takes none
    assert done.choices[0].message.content == fake.reply
    assert done.choices[0].message.model_extra["reasoning_content"] == "First, the weather."
    chunks = list(face.sdk.chat.completions.create(model="anthropic", messages=HI, reasoning_effort="low",
                                                   stream=True))
    thought = "".join((c.choices[0].delta.model_extra or {}).get("reasoning_content") or "" for c in chunks
                      if c.choices)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (thought, text) == ("First, the weather.", fake.reply)


def test_reasoning_effort_to_gemini_thinking_config_and_back(face):
    fake = face.fakes["gemini"]
    fake.thinking = "Thinking about Paris."
    done = face.sdk.chat.completions.create(model="gemini", messages=HI, reasoning_effort="medium")
    config = upstream(face, "gemini")["generationConfig"]
    assert config["thinkingConfig"] == {"thinkingBudget": 8192, "includeThoughts": True}
    assert done.choices[0].message.content == fake.reply
    assert done.choices[0].message.model_extra["reasoning_content"] == "Thinking about Paris."
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.chat.completions.create(model="gemini", messages=HI, extra_body={"reasoning_effort": "extreme"})
    assert err.value.param == "reasoning_effort"
