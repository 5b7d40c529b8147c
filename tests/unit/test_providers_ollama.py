"""Ollama adapter: native /api/chat, options, NDJSON stream, /api/tags, optional Bearer token."""

import threading

import pytest

from webui import errors as E
from webui.providers import get_adapter

from .provider_helpers import MESSAGES, call_for, split_stream

pytestmark = pytest.mark.usefixtures("provider_env")

adapter = get_adapter("ollama")


def test_request_body(fake_ollama):
    adapter.chat(call_for(fake_ollama, "ollama", api_key=None, temperature=0.6, top_p=0.5, presence_penalty=0.1,
                          frequency_penalty=0.2, max_tokens=77, context_window=8192, options={"json_mode": True},
                          extra_params={"options": {"seed": 1}, "keep_alive": "5m"}), MESSAGES)
    rec = fake_ollama.last()
    assert rec.path == "/api/chat" and "authorization" not in rec.headers
    assert rec.body == {
        "model": "llama3.1:latest", "messages": MESSAGES, "stream": False, "format": "json", "keep_alive": "5m",
        "options": {"temperature": 0.6, "top_p": 0.5, "presence_penalty": 0.1, "frequency_penalty": 0.2,
                    "num_predict": 77, "num_ctx": 8192, "seed": 1},
    }


def test_local_parameters_from_options_go_on_the_wire(fake_ollama):
    # num_ctx and num_gpu inside Ollama's options, keep_alive at the top level; options.num_ctx wins over
    # the context window, extra_params still win over both.
    adapter.chat(call_for(fake_ollama, "ollama", api_key=None, context_window=4096,
                          options={"num_ctx": 16384, "num_gpu": 0, "keep_alive": "1h"}), MESSAGES)
    body = fake_ollama.last().body
    assert body["keep_alive"] == "1h" and "keep_alive" not in body["options"]
    assert body["options"]["num_ctx"] == 16384 and body["options"]["num_gpu"] == 0
    adapter.chat(call_for(fake_ollama, "ollama", api_key=None, options={"keep_alive": -1},
                          extra_params={"keep_alive": "10m"}), MESSAGES)
    body = fake_ollama.last().body
    assert body["keep_alive"] == "10m" and "num_gpu" not in (body.get("options") or {})


def test_pull_streams_the_status_lines(fake_ollama):
    fake_ollama.pull_layers, fake_ollama.pull_steps = 1, 2
    lines = list(adapter.pull(fake_ollama.url, None, "phi3"))
    assert lines[0] == {"status": "pulling manifest"} and lines[-1] == {"status": "success"}
    assert [line["completed"] for line in lines if "digest" in line] == [0, 500, 1000]
    assert fake_ollama.last("pull").body == {"model": "phi3", "stream": True}
    fake_ollama.pull_error = "pull model manifest: file does not exist"
    with pytest.raises(E.ProviderError, match="file does not exist"):
        list(adapter.pull(fake_ollama.url, None, "nope"))


def test_token_is_sent_as_bearer(fake_ollama):
    fake_ollama.required_key = "olm-token-123456"
    adapter.chat(call_for(fake_ollama, "ollama", api_key=None, token="olm-token-123456"), MESSAGES)
    assert fake_ollama.last().headers["authorization"] == "Bearer olm-token-123456"


def test_openai_style_url_is_mapped_to_the_native_root(fake_ollama):
    adapter.chat(call_for(fake_ollama, "ollama", base_url=fake_ollama.url + "/v1"), MESSAGES)
    assert fake_ollama.last().path == "/api/chat"


def test_chat_reply(fake_ollama):
    result = adapter.chat(call_for(fake_ollama, "ollama"), MESSAGES)
    assert (result.text, result.finish_reason, result.model) == (fake_ollama.reply, "stop", "llama3.1:latest")
    assert result.usage == {"prompt_tokens": 11, "completion_tokens": 7}


def test_ndjson_stream(fake_ollama):
    fake_ollama.gate = threading.Event()
    stream = adapter.stream(call_for(fake_ollama, "ollama"), MESSAGES)
    assert next(stream) == "Hello "
    fake_ollama.gate.set()
    deltas, end = split_stream(stream)
    assert end.text == fake_ollama.reply and end.usage == {"prompt_tokens": 11, "completion_tokens": 7}
    assert fake_ollama.last().body["stream"] is True


def test_stream_error_line(fake_ollama):
    fake_ollama.error_after = 1
    with pytest.raises(E.ProviderError, match="error was encountered"):
        list(adapter.stream(call_for(fake_ollama, "ollama"), MESSAGES))


def test_stream_cut_before_done(fake_ollama):
    fake_ollama.close_after = 1
    with pytest.raises(E.StreamInterrupted):
        list(adapter.stream(call_for(fake_ollama, "ollama"), MESSAGES))


def test_unknown_model(fake_ollama):
    fake_ollama.strict_models = True
    with pytest.raises(E.ModelNotFound, match="model 'nope' not found"):
        adapter.chat(call_for(fake_ollama, "ollama", model="nope"), MESSAGES)


def test_tags(fake_ollama):
    assert adapter.list_models(None, fake_ollama.base_url) == fake_ollama.models
    assert fake_ollama.last().path == "/api/tags"


@pytest.mark.parametrize("model, ok", [("llama3.1", True), ("llama3.1:latest", True), ("mistral:7b", True),
                                       ("phi3", False)])
def test_connection_test_checks_the_model_is_pulled(fake_ollama, model, ok):
    result = adapter.test(call_for(fake_ollama, "ollama", model=model))
    assert result["ok"] is ok
    if not ok:
        assert "ollama pull phi3" in result["error"]
