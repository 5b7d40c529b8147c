"""The OpenAI-family wire formats of the fakes (OpenAI, OpenRouter, Azure, generic compatible) and the registry."""

import json
import re

from .wire import bearer as _bearer, comment, fake_vector, now, sse, token_count

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_error",
          404: "invalid_request_error", 429: "requests"}
_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


class OpenAIFormat:
    """api.openai.com/v1: Chat Completions, SSE ending in [DONE], nested error objects."""

    kind = "open_ai"
    base_path = "/v1"
    stream_type = "text/event-stream"
    default_models = ["gpt-4o-mini", "gpt-4o", "o3-mini"]
    default_page_size = 1000

    def route(self, method, path, query, body):
        if method == "POST" and path == f"{self.base_path}/chat/completions":
            return "chat", {"stream": bool(body.get("stream"))}
        if method == "GET" and path == f"{self.base_path}/models":
            return "models", {}
        if method == "POST" and path == f"{self.base_path}/embeddings":
            return "embed", {}
        return None

    def credential(self, headers, query):
        return _bearer(headers)

    def embed_body(self, fake, body):
        """POST /embeddings: one vector per input (always floats: the fake ignores encoding_format)."""
        items = body.get("input")
        items = [items] if isinstance(items, str) or (items and isinstance(items[0], int)) else list(items or [])
        tokens = token_count(items)
        return {"object": "list", "model": body.get("model"),
                "data": [{"object": "embedding", "index": i, "embedding": fake_vector(t, body.get("dimensions"))}
                         for i, t in enumerate(items)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    def error_body(self, status, message):
        kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": _CODES.get(status)}}

    def auth_error(self, received):
        # Like the real API, the message quotes the key it got: clients must scrub it.
        return 401, self.error_body(401, f"Incorrect API key provided: {received}. You can find your API key "
                                         "at https://platform.openai.com/account/api-keys.")

    def model_not_found(self, model):
        return self.error_body(404, f"The model `{model}` does not exist or you do not have access to it.")

    def usage(self, fake):
        if fake.usage is None:
            return None
        p, c = fake.usage
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
                "prompt_tokens_details": {"cached_tokens": fake.cache_read}}

    def finish(self, fake):
        return fake.finish_reason or ("tool_calls" if fake.tool_calls else "stop")

    def tool_calls(self, fake):
        return [{"id": t["id"], "type": "function",
                 "function": {"name": t["name"], "arguments": json.dumps(t["arguments"])}} for t in fake.tool_calls]

    def logprobs(self, body, text):
        """Per-word log probabilities when the request asked for them (else None)."""
        if not body.get("logprobs"):
            return None
        return {"content": [{"token": w, "logprob": -0.25, "bytes": list(w.encode()), "top_logprobs": []}
                            for w in text.split(" ") if w], "refusal": None}

    def chat_body(self, fake, model, body):
        message = {"role": "assistant", "content": fake.reply, "refusal": None}
        if fake.tool_calls:
            message.update(content=None, tool_calls=self.tool_calls(fake))
        out = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": now(), "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": self.logprobs(body, fake.reply),
                         "finish_reason": self.finish(fake),
                         **({"stop_reason": fake.matched_stop} if fake.matched_stop else {})}],
            "usage": self.usage(fake), "system_fingerprint": "fp_fake",
        }
        if out["usage"] is None:
            del out["usage"]
        return out

    def chunk(self, model, delta, finish=None, **extra):
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": now(), "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish, **extra}]}

    def frames(self, fake, model, body):
        yield False, sse(self.chunk(model, {"role": "assistant", "content": ""}))
        if fake.tool_calls:
            # As OpenAI streams them: id, type and name once, then the arguments in fragments, by index.
            for i, call in enumerate(self.tool_calls(fake)):
                args = call["function"]["arguments"]
                yield True, sse(self.chunk(model, {"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                                                   "function": {"name": call["function"]["name"],
                                                                                "arguments": ""}}]}))
                for part in (args[:len(args) // 2], args[len(args) // 2:]):
                    yield True, sse(self.chunk(model, {"tool_calls": [{"index": i, "function": {"arguments": part}}]}))
        else:
            for text in fake.deltas():
                yield True, sse(self.chunk(model, {"content": text}, logprobs=self.logprobs(body, text)))
        yield False, sse(self.chunk(model, {}, self.finish(fake)))
        if (body.get("stream_options") or {}).get("include_usage") and fake.usage is not None:
            yield False, sse({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": now(),
                              "model": model, "choices": [], "usage": self.usage(fake)})
        yield False, b"data: [DONE]\n\n"

    def error_frame(self):
        return sse({"error": {"message": "The server had an error while processing your request.",
                              "type": "server_error", "param": None, "code": None}})

    def models_body(self, fake, query):
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                                           for m in fake.models]}


class OpenRouterFormat(OpenAIFormat):
    """openrouter.ai/api/v1: OpenAI schema, keep-alive comments, integer error codes, public model list."""

    kind = "open_router"
    base_path = "/api/v1"
    default_models = ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "meta-llama/llama-3.1-8b-instruct"]

    def route(self, method, path, query, body):
        found = super().route(method, path, query, body)
        if found and found[0] == "models":
            return "models", {"auth": False}
        return found

    def error_body(self, status, message):
        return {"error": {"code": status, "message": message, "metadata": {}}}

    def frames(self, fake, model, body):
        yield False, comment("OPENROUTER PROCESSING")
        for i, frame in enumerate(super().frames(fake, model, body)):
            if i == 2:
                yield False, comment("OPENROUTER PROCESSING")
            yield frame

    def error_frame(self):
        return sse({"id": "gen-fake", "object": "chat.completion.chunk", "created": now(), "model": "fake",
                    "error": {"code": 502, "message": "Provider returned error"},
                    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]})

    def models_body(self, fake, query):
        return {"data": [{"id": m, "canonical_slug": m, "name": m.split("/")[-1], "created": 1700000000,
                          "context_length": 128000, "pricing": {"prompt": "0.00000015", "completion": "0.0000006"},
                          "supported_parameters": ["max_tokens", "temperature"]} for m in fake.models]}


class CustomFormat(OpenAIFormat):
    """A generic OpenAI-compatible server (vLLM, llama.cpp, LM Studio): flat error bodies like older vLLM.

    Like llama.cpp's llama-server where it matters: `max_completion_tokens` is ignored and `max_tokens` cuts the
    reply; a `developer` message is a 500 (its chat templates know system/user/assistant/tool only); a prompt
    over `fake.context_size` words is a 400 exceed_context_size_error, or, streamed, a 200 whose body is one
    `error:` line (not an SSE data line) and no [DONE]."""

    kind = "custom"
    default_models = ["local-model", "qwen2.5-7b-instruct"]
    ROLES = ("system", "user", "assistant", "tool")

    def error_body(self, status, message):
        return {"object": "error", "message": message, "type": "BadRequestError", "param": None, "code": status}

    def refusal(self, fake, body, stream):
        """(status, body or stream bytes) for what llama-server refuses, else None."""
        roles = [m.get("role") for m in body.get("messages") or () if isinstance(m, dict)]
        odd = next((r for r in roles if r not in self.ROLES), None)
        if odd:
            return 500, {"error": {"code": 500, "type": "server_error",
                                   "message": f"Unknown role: {odd}. Only system, user, assistant and tool."}}
        words = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or () if isinstance(m, dict))
        if fake.context_size is not None and words > fake.context_size:
            err = {"code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": words,
                   "n_ctx": fake.context_size, "message": "the request exceeds the available context size, try "
                                                          "increasing it"}
            return (200, b"error: " + json.dumps(err).encode() + b"\n\n") if stream else (400, {"error": err})
        return None

    def chat_body(self, fake, model, body):
        out = super().chat_body(fake, model, body)
        limit = body.get("max_tokens")  # max_completion_tokens means nothing here
        message = out["choices"][0]["message"]
        words = (message.get("content") or "").split(" ")
        if isinstance(limit, int) and message.get("content") and len(words) > limit:
            message["content"] = " ".join(words[:limit])
            out["choices"][0]["finish_reason"] = "length"
            if out.get("usage"):
                out["usage"].update(completion_tokens=limit, total_tokens=out["usage"]["prompt_tokens"] + limit)
        return out

    def frames(self, fake, model, body):
        limit, sent = body.get("max_tokens"), 0
        for is_delta, frame in super().frames(fake, model, body):
            if is_delta and not fake.tool_calls and isinstance(limit, int) and sent >= limit:
                continue  # past max_tokens: no more text, and the reply ends for its length
            if isinstance(limit, int) and sent >= limit and b'"finish_reason": "stop"' in frame:
                frame = frame.replace(b'"finish_reason": "stop"', b'"finish_reason": "length"')
            sent += is_delta
            yield is_delta, frame


_DEPLOYMENT = re.compile(r"^/openai/deployments/([^/]+)/(chat/completions|embeddings)$")


class AzureFormat(OpenAIFormat):
    """Azure OpenAI classic: /openai/deployments/{dep}/chat/completions?api-version=, api-key header."""

    kind = "azure"
    base_path = "/openai"  # Azure's documented base URL; SDKs take the bare endpoint (fake.url)
    default_models = ["gpt-4o-mini", "gpt-4o"]

    def route(self, method, path, query, body):
        match = _DEPLOYMENT.match(path)
        known = (method == "POST" and match) or (method == "GET" and path == "/openai/models")
        if not known:
            return None
        if not query.get("api-version"):
            return "fixed", {"answer": (404, {"error": {"code": "404", "message": "Resource not found"}})}
        if match and match.group(2) == "embeddings":
            return "embed", {"model": match.group(1)}
        if match:
            return "chat", {"stream": bool(body.get("stream")), "model": match.group(1)}
        return "models", {}

    def credential(self, headers, query):
        return headers.get("api-key") or _bearer(headers)

    def error_body(self, status, message):
        code = {404: "DeploymentNotFound", 400: "BadRequest"}.get(status, str(status))
        return {"error": {"code": code, "message": message}}

    def auth_error(self, received):
        return 401, self.error_body(401, "Access denied due to invalid subscription key or wrong API endpoint. "
                                         "Make sure to provide a valid key for an active subscription.")

    def model_not_found(self, model):
        return self.error_body(404, "The API deployment for this resource does not exist. If you created the "
                                    "deployment within the last 5 minutes, please wait a moment and try again.")

    def frames(self, fake, model, body):
        # Azure's first chunk carries only prompt_filter_results and an empty choices list.
        yield False, sse({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                          "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]})
        yield from super().frames(fake, model, body)


def format_for(kind):
    """The wire format object for a fake kind."""
    from .formats_native import AnthropicFormat, GeminiFormat, OllamaFormat

    formats = {"open_ai": OpenAIFormat, "open_router": OpenRouterFormat, "custom": CustomFormat,
               "azure": AzureFormat, "anthropic": AnthropicFormat, "gemini": GeminiFormat, "ollama": OllamaFormat}
    if kind not in formats:
        raise ValueError(f"unknown fake kind {kind!r}; one of {sorted(formats)}")
    return formats[kind]()
