"""Embeddings per wire format: OpenAI's /embeddings (OpenAI, OpenRouter, custom servers, Azure deployments),
Gemini's embedContent / batchEmbedContents, Ollama's /api/embed; Anthropic has none. Vectors come back as floats."""

import time
from dataclasses import dataclass, field
from urllib.parse import quote

from webui.errors import MalformedResponse, Untranslatable
from webui.providers import get_adapter, transport
from webui.providers.openai_compat import azure_api_version, azure_endpoint, is_azure
from webui.providers.results import ms_since, usage

OPENAI_FORMAT = ("open_ai", "open_router", "custom")
PROVIDERS = OPENAI_FORMAT + ("gemini", "ollama")


@dataclass
class EmbedResult:
    """Vectors in input order and what metering reads (usage, model, latency_ms)."""

    vectors: list
    model: str | None
    latency_ms: int = 0
    usage: dict = field(default_factory=lambda: usage(None, None))
    text: str = ""  # metering and the gateway read a reply's text; an embedding has none


def embed(call, inputs, dimensions=None):
    """The vectors of `inputs` (a list of strings, or of token lists for OpenAI-format servers) for one Call."""
    provider = (call.profile or {}).get("provider")
    if provider not in PROVIDERS:
        raise Untranslatable("model", f"the profile's provider ({provider}) has no embeddings endpoint")
    if provider not in OPENAI_FORMAT and not all(isinstance(i, str) for i in inputs):
        raise Untranslatable("input", f"token arrays are taken by OpenAI-format servers only, not {provider}")
    adapter = get_adapter(provider)
    started = time.monotonic()
    run = _openai if provider in OPENAI_FORMAT else _gemini if provider == "gemini" else _ollama
    vectors, model, used = run(adapter, call, inputs, dimensions)
    if len(vectors) != len(inputs) or not all(isinstance(v, list) for v in vectors):
        raise MalformedResponse(f"{adapter.label} sent {len(vectors)} embeddings for {len(inputs)} inputs",
                                provider=adapter.label)
    return EmbedResult(vectors, model or call.profile.get("model"), ms_since(started), used)


def _post(adapter, call, url, body, headers):
    secrets = adapter.secrets(call.api_key, call.token)
    resp = adapter.send("POST", url, secrets=secrets, headers=headers, json_body=body, model=call.profile.get("model"))
    data = transport.parse_json(resp.content, label=adapter.label)
    if not isinstance(data, dict):
        raise MalformedResponse(f"{adapter.label} sent an embeddings answer that is not an object",
                                provider=adapter.label)
    if data.get("error"):
        raise adapter.payload_error(data["error"], secrets, call.profile.get("model"))
    return data


def _openai(adapter, call, inputs, dimensions):
    body = {"model": call.profile.get("model"), "input": inputs, "encoding_format": "float"}
    if dimensions is not None:
        body["dimensions"] = dimensions
    url, headers = f"{adapter.base_url(call.base_url)}/embeddings", adapter.headers(adapter.key_of(call))
    if adapter.id == "custom" and is_azure(call.base_url, call.profile):  # the deployment's own embeddings path
        deployment = quote(str(call.profile.get("model") or ""), safe="")
        url = (f"{azure_endpoint(call.base_url)}/openai/deployments/{deployment}/embeddings?api-version="
               f"{quote(azure_api_version(call.base_url, call.profile), safe='')}")
        headers = {"api-key": call.api_key} if call.api_key else {}
    data = _post(adapter, call, url, body, headers)
    items = sorted((d for d in data.get("data") or [] if isinstance(d, dict)), key=lambda d: d.get("index", 0))
    used = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return [d.get("embedding") for d in items], data.get("model"), usage(used.get("prompt_tokens"), 0)


def _gemini(adapter, call, inputs, dimensions):
    model = adapter.model_path(call.profile.get("model"))
    base = f"{adapter.base_url(call.base_url)}/{model}"
    headers = adapter.headers(adapter.key_of(call))

    def request(text):
        one = {"content": {"parts": [{"text": text}]}}
        if dimensions is not None:
            one["outputDimensionality"] = dimensions
        return one

    if len(inputs) == 1:
        data = _post(adapter, call, f"{base}:embedContent", request(inputs[0]), headers)
        found = [(data.get("embedding") or {}).get("values")]
    else:
        body = {"requests": [dict(request(text), model=model) for text in inputs]}
        data = _post(adapter, call, f"{base}:batchEmbedContents", body, headers)
        found = [(e or {}).get("values") for e in data.get("embeddings") or []]
    meta = data.get("usageMetadata") if isinstance(data.get("usageMetadata"), dict) else {}
    return found, None, usage(meta.get("promptTokenCount"), 0 if meta else None)


def _ollama(adapter, call, inputs, dimensions):
    body = {"model": call.profile.get("model"), "input": inputs}
    if dimensions is not None:
        body["dimensions"] = dimensions
    data = _post(adapter, call, f"{adapter.base_url(call.base_url)}/api/embed", body, adapter.headers(call.token))
    return data.get("embeddings") or [], data.get("model"), usage(data.get("prompt_eval_count"), 0)
