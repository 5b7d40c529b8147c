"""The fakes speak the real protocols: driven by the official openai, anthropic and google-genai SDKs."""

import anthropic
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

USER = [{"role": "user", "content": "Hi"}]


# --- OpenAI family ---------------------------------------------------------------------------------------

def openai_client(fake, **kw):
    return openai.OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, **kw)


def test_openai_chat(fake_openai):
    client = openai_client(fake_openai)
    reply = client.chat.completions.create(model="gpt-4o", messages=USER, max_completion_tokens=20, temperature=0.5)
    assert reply.choices[0].message.content == fake_openai.reply
    assert reply.choices[0].finish_reason == "stop" and reply.usage.prompt_tokens == 11
    rec = fake_openai.last("chat")
    assert (rec.method, rec.path) == ("POST", "/v1/chat/completions")
    assert rec.headers["authorization"] == "Bearer test-key"
    assert rec.body["max_completion_tokens"] == 20 and rec.body["model"] == "gpt-4o"


def test_openai_stream_with_usage(fake_openai):
    chunks = list(openai_client(fake_openai).chat.completions.create(
        model="gpt-4o", messages=USER, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == fake_openai.reply
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 7


def test_openai_models(fake_openai):
    assert [m.id for m in openai_client(fake_openai).models.list()] == fake_openai.models


@pytest.mark.parametrize("status, cls", [
    (400, openai.BadRequestError), (401, openai.AuthenticationError), (403, openai.PermissionDeniedError),
    (404, openai.NotFoundError), (429, openai.RateLimitError), (500, openai.InternalServerError),
])
def test_openai_error_classes(fake_openai, status, cls):
    fake_openai.fail(status, message="scripted")
    with pytest.raises(cls, match="scripted"):
        openai_client(fake_openai).chat.completions.create(model="gpt-4o", messages=USER)


def test_openai_auth_and_unknown_model(fake_openai):
    fake_openai.required_key, fake_openai.strict_models = "right-key", True
    with pytest.raises(openai.AuthenticationError, match="Incorrect API key"):
        openai_client(fake_openai).chat.completions.create(model="gpt-4o", messages=USER)
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        openai.OpenAI(api_key="right-key", base_url=fake_openai.base_url, max_retries=0).chat.completions.create(
            model="gpt-9", messages=USER)


def test_openai_mid_stream_error(fake_openai):
    fake_openai.error_after = 1
    with pytest.raises(openai.APIError):
        list(openai_client(fake_openai).chat.completions.create(model="gpt-4o", messages=USER, stream=True))


def test_openrouter_with_attribution_headers(fake_openrouter):
    client = openai_client(fake_openrouter, default_headers={"HTTP-Referer": "https://x.test", "X-Title": "T"})
    reply = client.chat.completions.create(model="openai/gpt-4o-mini", messages=USER, max_tokens=5)
    assert reply.choices[0].message.content == fake_openrouter.reply
    rec = fake_openrouter.last("chat")
    assert rec.path == "/api/v1/chat/completions" and rec.headers["x-title"] == "T"
    stream = client.chat.completions.create(model="openai/gpt-4o-mini", messages=USER, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == fake_openrouter.reply
    assert [m.id for m in client.models.list()] == fake_openrouter.models
    fake_openrouter.fail(402, message="no credits")
    with pytest.raises(openai.APIStatusError, match="no credits") as info:
        client.chat.completions.create(model="x", messages=USER)
    assert info.value.status_code == 402


def test_custom_server_flat_errors(fake_custom):
    client = openai_client(fake_custom)
    assert client.chat.completions.create(model="local-model", messages=USER).choices[0].message.content
    fake_custom.strict_models = True
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=USER)


def azure_client(fake, key="azure-key"):
    return openai.AzureOpenAI(api_key=key, azure_endpoint=fake.url, api_version="2024-10-21", max_retries=0)


def test_azure_deployment_chat_and_stream(fake_azure):
    client = azure_client(fake_azure)
    reply = client.chat.completions.create(model="gpt-4o", messages=USER)
    assert reply.choices[0].message.content == fake_azure.reply and reply.model == "gpt-4o"
    rec = fake_azure.last("chat")
    assert rec.path == "/openai/deployments/gpt-4o/chat/completions"
    assert rec.query == {"api-version": "2024-10-21"} and rec.headers["api-key"] == "azure-key"
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    assert chunks[0].choices == []  # the prompt_filter_results chunk
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == fake_azure.reply


def test_azure_errors(fake_azure):
    fake_azure.required_key, fake_azure.strict_models = "right", True
    with pytest.raises(openai.AuthenticationError):
        azure_client(fake_azure).chat.completions.create(model="gpt-4o", messages=USER)
    with pytest.raises(openai.NotFoundError, match="DeploymentNotFound|deployment"):
        azure_client(fake_azure, "right").chat.completions.create(model="missing", messages=USER)


# --- Anthropic ---------------------------------------------------------------------------------------------

def anthropic_client(fake, key="test-key"):
    return anthropic.Anthropic(api_key=key, base_url=fake.url, max_retries=0)


def test_anthropic_messages(fake_anthropic):
    reply = anthropic_client(fake_anthropic).messages.create(
        model="claude-x", max_tokens=16, system="Be brief.", messages=USER)
    assert reply.content[0].text == fake_anthropic.reply and reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (11, 7)
    rec = fake_anthropic.last("messages")
    assert rec.path == "/v1/messages" and rec.body["system"] == "Be brief." and rec.body["max_tokens"] == 16
    assert rec.headers.get("x-api-key") == "test-key" or rec.headers.get("authorization") == "Bearer test-key"
    assert rec.headers["anthropic-version"]


def test_anthropic_stream_named_events(fake_anthropic):
    with anthropic_client(fake_anthropic).messages.stream(model="claude-x", max_tokens=16, messages=USER) as s:
        assert "".join(s.text_stream) == fake_anthropic.reply
        final = s.get_final_message()
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 7


def test_anthropic_models_pagination(fake_anthropic):
    fake_anthropic.models = [f"claude-{i}" for i in range(5)]
    assert [m.id for m in anthropic_client(fake_anthropic).models.list(limit=2)] == fake_anthropic.models
    assert fake_anthropic.count("models") == 3


@pytest.mark.parametrize("status, cls", [
    (400, anthropic.BadRequestError), (401, anthropic.AuthenticationError), (404, anthropic.NotFoundError),
    (429, anthropic.RateLimitError), (500, anthropic.InternalServerError), (529, anthropic.OverloadedError),
])
def test_anthropic_error_classes(fake_anthropic, status, cls):
    fake_anthropic.fail(status)
    with pytest.raises(cls):
        anthropic_client(fake_anthropic).messages.create(model="claude-x", max_tokens=8, messages=USER)


def test_anthropic_accepts_either_auth_header(fake_anthropic):
    fake_anthropic.required_key = "right"
    with pytest.raises(anthropic.AuthenticationError):
        anthropic_client(fake_anthropic).messages.create(model="claude-x", max_tokens=8, messages=USER)
    anthropic_client(fake_anthropic, "right").messages.create(model="claude-x", max_tokens=8, messages=USER)


def test_anthropic_mid_stream_error(fake_anthropic):
    fake_anthropic.error_after = 1
    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        with anthropic_client(fake_anthropic).messages.stream(model="claude-x", max_tokens=8, messages=USER) as s:
            list(s.text_stream)


# --- Gemini ---------------------------------------------------------------------------------------------

def gemini_client(fake, key="test-key"):
    return genai.Client(api_key=key, http_options=types.HttpOptions(base_url=fake.url, api_version="v1beta"))


def test_gemini_generate(fake_gemini):
    client = gemini_client(fake_gemini)  # keep a reference: a collected Client closes its HTTP client
    reply = client.models.generate_content(
        model="gemini-2.5-flash", contents="Hi",
        config=types.GenerateContentConfig(system_instruction="Be brief.", temperature=0.3, max_output_tokens=20))
    assert reply.text == fake_gemini.reply and reply.usage_metadata.candidates_token_count == 7
    rec = fake_gemini.last()
    assert rec.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert rec.headers["x-goog-api-key"] == "test-key"
    assert rec.body["generationConfig"] == {"temperature": 0.3, "maxOutputTokens": 20}
    assert rec.body["systemInstruction"]["parts"] == [{"text": "Be brief."}]


def test_gemini_stream(fake_gemini):
    client = gemini_client(fake_gemini)
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi"))
    assert "".join(c.text for c in chunks) == fake_gemini.reply
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert fake_gemini.last().query == {"alt": "sse"}


def test_gemini_models_pagination(fake_gemini):
    client = gemini_client(fake_gemini)
    names = [m.name for m in client.models.list()]
    assert names == [f"models/{m}" for m in fake_gemini.models] + ["models/text-embedding-004"]
    assert fake_gemini.count("models") == 2


@pytest.mark.parametrize("status, cls", [(404, genai_errors.ClientError), (429, genai_errors.ClientError),
                                         (500, genai_errors.ServerError), (503, genai_errors.ServerError)])
def test_gemini_error_classes(fake_gemini, status, cls):
    fake_gemini.fail(status)
    client = gemini_client(fake_gemini)
    with pytest.raises(cls) as info:
        client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert info.value.code == status


def test_gemini_invalid_key_is_400(fake_gemini):
    fake_gemini.required_key = "right"
    client = gemini_client(fake_gemini)
    with pytest.raises(genai_errors.ClientError, match="API key not valid") as info:
        client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert info.value.code == 400 and info.value.status == "INVALID_ARGUMENT"


# --- tool calls, in each format (the OpenAI face's matrix relies on these) --------------------------------

CALLS = [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
         {"id": "call_2", "name": "get_weather", "arguments": {"city": "Oslo"}}]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}


def test_openai_tool_calls_and_logprobs(fake_openai):
    fake_openai.tool_calls = CALLS
    client = openai_client(fake_openai)
    reply = client.chat.completions.create(model="gpt-4o", messages=USER, tools=[WEATHER_TOOL])
    assert reply.choices[0].finish_reason == "tool_calls" and reply.choices[0].message.content is None
    assert [c.function.arguments for c in reply.choices[0].message.tool_calls] == ['{"city": "Paris"}',
                                                                                  '{"city": "Oslo"}']
    with client.chat.completions.stream(model="gpt-4o", messages=USER, tools=[WEATHER_TOOL]) as stream:
        final = stream.get_final_completion()
    assert [c.id for c in final.choices[0].message.tool_calls] == ["call_1", "call_2"]
    fake_openai.tool_calls = []
    reply = client.chat.completions.create(model="gpt-4o", messages=USER, logprobs=True)
    assert [t.token for t in reply.choices[0].logprobs.content] == fake_openai.reply.split(" ")


def test_anthropic_tool_use(fake_anthropic):
    fake_anthropic.tool_calls = CALLS
    client = anthropic_client(fake_anthropic)
    reply = client.messages.create(model="claude-x", max_tokens=16, messages=USER)
    assert reply.stop_reason == "tool_use"
    assert [(b.id, b.input) for b in reply.content if b.type == "tool_use"] == [
        ("call_1", {"city": "Paris"}), ("call_2", {"city": "Oslo"})]
    with client.messages.stream(model="claude-x", max_tokens=16, messages=USER) as s:
        final = s.get_final_message()
    assert [b.input for b in final.content if b.type == "tool_use"] == [{"city": "Paris"}, {"city": "Oslo"}]


def test_gemini_function_calls(fake_gemini):
    fake_gemini.tool_calls = CALLS
    client = gemini_client(fake_gemini)
    reply = client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert [(c.name, c.args) for c in reply.function_calls] == [("get_weather", {"city": "Paris"}),
                                                                ("get_weather", {"city": "Oslo"})]
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi"))
    assert [c.function_calls[0].args for c in chunks] == [{"city": "Paris"}, {"city": "Oslo"}]
