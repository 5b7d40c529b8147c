"""The custom (OpenAI-compatible) adapter: local servers and Azure deployments."""

import pytest

from webui import errors as E
from webui.providers import get_adapter
from webui.providers.openai_compat import azure_api_version, azure_endpoint, is_azure

from .provider_helpers import MESSAGES, PLANTED, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("custom")


def test_local_server_without_key(fake_custom):
    result = adapter.chat(call_for(fake_custom, "custom", api_key=None, max_tokens=64), MESSAGES)
    assert result.text == fake_custom.reply
    rec = fake_custom.last("chat")
    assert "authorization" not in rec.headers
    assert rec.body["max_tokens"] == 64 and "stream_options" not in rec.body


def test_optional_key_is_sent_as_bearer(fake_custom):
    adapter.chat(call_for(fake_custom, "custom"), MESSAGES)
    assert fake_custom.last("chat").headers["authorization"] == f"Bearer {PLANTED}"


def test_bare_origin_gets_v1(fake_custom):
    adapter.chat(call_for(fake_custom, "custom", base_url=fake_custom.url), MESSAGES)
    assert fake_custom.last("chat").path == "/v1/chat/completions"
    assert adapter.list_models(None, fake_custom.url + "/") == fake_custom.models


def test_stream_asks_for_usage(fake_custom):
    deltas, end = split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))
    assert "".join(deltas) == end.text == fake_custom.reply
    assert fake_custom.last("chat").body["stream_options"] == {"include_usage": True}
    assert end.usage == {"prompt_tokens": 11, "completion_tokens": 7}


def test_stream_without_usage_when_the_server_sends_none(fake_custom):
    fake_custom.usage = None  # the server ignores include_usage
    deltas, end = split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))
    assert end.usage == {"prompt_tokens": None, "completion_tokens": None} and end.wire_usage is None


def test_a_server_rejecting_stream_options_is_asked_once(fake_custom):
    fake_custom.fail(400, "Unrecognized request argument supplied: stream_options")
    deltas, end = split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))
    assert "".join(deltas) == fake_custom.reply
    sent = [r.body for r in fake_custom.requests]
    assert len(sent) == 2 and sent[0]["stream_options"] == {"include_usage": True} and "stream_options" not in sent[1]
    split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))  # remembered for this base URL
    assert fake_custom.count("chat") == 3 and "stream_options" not in fake_custom.last("chat").body


def test_other_400s_on_a_stream_are_not_remembered(fake_custom):
    fake_custom.fail(400, "context too long", times=2)
    with pytest.raises(E.ProviderRequestError) as info:
        split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))
    assert info.value.status == 400 and fake_custom.count("chat") == 2
    split_stream(adapter.stream(call_for(fake_custom, "custom"), MESSAGES))
    assert fake_custom.last("chat").body["stream_options"] == {"include_usage": True}


def test_flat_error_body(fake_custom):
    fake_custom.strict_models = True
    with pytest.raises(E.ModelNotFound, match="does not exist"):
        adapter.chat(call_for(fake_custom, "custom", model="nope"), MESSAGES)


def test_connection_test_completes_one_token(fake_custom):
    assert adapter.test(call_for(fake_custom, "custom", api_key=None))["ok"] is True
    assert fake_custom.last().body["max_tokens"] == 1


# --- Azure -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, options, expected", [
    ("https://res.openai.azure.com", {}, True),
    ("https://res.cognitiveservices.azure.com/", {}, True),
    ("https://res.openai.azure.com/openai/v1", {}, False),
    ("http://127.0.0.1:9/openai", {}, True),
    ("http://127.0.0.1:9/openai/deployments/gpt/chat/completions?api-version=2024-06-01", {}, True),
    ("http://127.0.0.1:9", {"azure": True}, True),
    ("http://127.0.0.1:9", {"api_version": "2025-01-01-preview"}, True),
    ("http://localhost:1234/v1", {}, False),
])
def test_azure_detection(url, options, expected):
    assert is_azure(url, {"options": options}) is expected


def test_azure_endpoint_and_version():
    url = "https://res.openai.azure.com/openai/deployments/x/chat/completions?api-version=2024-06-01"
    assert azure_endpoint(url) == "https://res.openai.azure.com"
    assert azure_api_version(url, {}) == "2024-06-01"
    assert azure_api_version("https://res.openai.azure.com", {}) == "2024-10-21"
    assert azure_api_version(url, {"options": {"api_version": "2025-01-01-preview"}}) == "2025-01-01-preview"


def test_azure_deployment_url_and_api_key_header(fake_azure):
    call = call_for(fake_azure, "custom", model="gpt-4o", max_tokens=50)
    result = adapter.chat(call, MESSAGES)
    assert result.text == fake_azure.reply
    rec = fake_azure.last("chat")
    assert rec.path == "/openai/deployments/gpt-4o/chat/completions"
    assert rec.query == {"api-version": "2024-10-21"}
    assert rec.headers["api-key"] == PLANTED and "authorization" not in rec.headers
    assert rec.body["max_tokens"] == 50


def test_azure_by_option_on_a_bare_endpoint(fake_azure):
    call = call_for(fake_azure, "custom", base_url=fake_azure.url, options={"api_version": "2024-06-01"})
    adapter.chat(call, MESSAGES)
    assert fake_azure.last("chat").query == {"api-version": "2024-06-01"}


def test_azure_stream_with_empty_first_chunk(fake_azure):
    deltas, end = split_stream(adapter.stream(call_for(fake_azure, "custom"), MESSAGES))
    assert "".join(deltas) == fake_azure.reply
    assert end.usage == {"prompt_tokens": 11, "completion_tokens": 7}
    assert fake_azure.last("chat").body["stream_options"] == {"include_usage": True}


def test_azure_unknown_deployment(fake_azure):
    fake_azure.strict_models = True
    with pytest.raises(E.ModelNotFound, match="deployment for this resource does not exist"):
        adapter.chat(call_for(fake_azure, "custom", model="nope"), MESSAGES)


def test_azure_bad_key(fake_azure):
    fake_azure.required_key = "right"
    with pytest.raises(E.AuthFailed, match="Access denied"):
        adapter.chat(call_for(fake_azure, "custom"), MESSAGES)


def test_azure_models(fake_azure):
    assert adapter.list_models(PLANTED, fake_azure.base_url) == fake_azure.models
    rec = fake_azure.last("models")
    assert (rec.path, rec.query, rec.headers["api-key"]) == ("/openai/models", {"api-version": "2024-10-21"}, PLANTED)
