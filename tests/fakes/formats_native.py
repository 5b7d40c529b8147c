"""The non-OpenAI wire formats of the fakes: Anthropic Messages, Gemini generateContent, Ollama native."""

import json
import re

from .wire import bearer as _bearer, fake_vector, ndjson, sse, token_count

_ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
                    403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                    429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error"}
_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


class AnthropicFormat:
    """api.anthropic.com: /v1/messages, named SSE events, cursor-paginated /v1/models."""

    kind = "anthropic"
    base_path = ""
    stream_type = "text/event-stream"
    default_models = ["claude-sonnet-4-20250514", "claude-3-5-haiku-20241022", "claude-opus-4-20250514"]
    default_page_size = 2

    def route(self, method, path, query, body):
        if method == "POST" and path == "/v1/messages":
            return "chat", {"stream": bool(body.get("stream"))}
        if method == "POST" and path == "/v1/messages/count_tokens":
            # A word count stands in for the tokenizer: enough to tell the caller's request reached the fake.
            words = len(json.dumps(body.get("messages") or []).split())
            return "fixed", {"answer": (200, {"input_tokens": words})}
        if method == "GET" and path == "/v1/models":
            return "models", {}
        return None

    def credential(self, headers, query):
        # SDK 0.x sends x-api-key, SDK 2.x sends Bearer: accept both.
        return headers.get("x-api-key") or _bearer(headers)

    def error_body(self, status, message):
        kind = _ANTHROPIC_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"}

    def auth_error(self, received):
        return 401, self.error_body(401, "invalid x-api-key")

    def model_not_found(self, model):
        return self.error_body(404, f"model: {model}")

    def stop_reason(self, fake):
        if fake.matched_stop:
            return "stop_sequence"
        return fake.finish_reason or ("tool_use" if fake.tool_calls else "end_turn")

    @staticmethod
    def usage(fake):
        """input_tokens leaves the cache reads and writes out (they are counted beside it)."""
        p, c = fake.usage or (0, 0)
        return {"input_tokens": p - fake.cache_read - fake.cache_write, "output_tokens": c,
                "cache_creation_input_tokens": fake.cache_write, "cache_read_input_tokens": fake.cache_read}

    def chat_body(self, fake, model, body):
        content = [{"type": "thinking", "thinking": fake.thinking, "signature": "sig"}] if fake.thinking else []
        content += [{"type": "text", "text": fake.reply}]
        content += [{"type": "tool_use", "id": t["id"], "name": t["name"], "input": t["arguments"]}
                    for t in fake.tool_calls]
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": self.stop_reason(fake),
                "stop_sequence": fake.matched_stop, "usage": self.usage(fake)}

    def frames(self, fake, model, body):
        p, c = fake.usage or (0, 0)
        ev = lambda data: sse(data, data["type"])  # noqa: E731 - every event carries its name
        yield False, ev({"type": "message_start", "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": dict(self.usage(fake), output_tokens=1)}})
        first = 0
        if fake.thinking:
            first = 1
            yield False, ev({"type": "content_block_start", "index": 0,
                             "content_block": {"type": "thinking", "thinking": "", "signature": ""}})
            yield True, ev({"type": "content_block_delta", "index": 0,
                            "delta": {"type": "thinking_delta", "thinking": fake.thinking}})
            yield False, ev({"type": "content_block_delta", "index": 0,
                             "delta": {"type": "signature_delta", "signature": "sig"}})
            yield False, ev({"type": "content_block_stop", "index": 0})
        yield False, ev({"type": "content_block_start", "index": first,
                         "content_block": {"type": "text", "text": ""}})
        yield False, ev({"type": "ping"})
        for text in fake.deltas():
            yield True, ev({"type": "content_block_delta", "index": first,
                            "delta": {"type": "text_delta", "text": text}})
        yield False, ev({"type": "content_block_stop", "index": first})
        for i, call in enumerate(fake.tool_calls, start=first + 1):  # tool_use blocks after the text, input in fragments
            args = json.dumps(call["arguments"])
            yield True, ev({"type": "content_block_start", "index": i, "content_block": {
                "type": "tool_use", "id": call["id"], "name": call["name"], "input": {}}})
            for part in (args[:len(args) // 2], args[len(args) // 2:]):
                yield True, ev({"type": "content_block_delta", "index": i,
                                "delta": {"type": "input_json_delta", "partial_json": part}})
            yield False, ev({"type": "content_block_stop", "index": i})
        yield False, ev({"type": "message_delta", "delta": {"stop_reason": self.stop_reason(fake),
                                                            "stop_sequence": fake.matched_stop},
                         "usage": {"output_tokens": c}})
        yield False, ev({"type": "message_stop"})

    def error_frame(self):
        return sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error")

    def models_body(self, fake, query):
        ids = list(fake.models)
        start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
        size = min(int(query.get("limit") or 20), fake.page_size)
        page = ids[start:start + size]
        return {"data": [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                         for m in page],
                "has_more": start + size < len(ids), "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None}


_GEMINI_CHAT = re.compile(r"^/(v1beta|v1)/models/([^/:]+):(generateContent|streamGenerateContent)$")
_GEMINI_LIST = re.compile(r"^/(v1beta|v1)/models$")
_GEMINI_EMBED = re.compile(r"^/(v1beta|v1)/models/([^/:]+):(embedContent|batchEmbedContents)$")


class GeminiFormat:
    """generativelanguage.googleapis.com: /v1beta (and /v1) models/{m}:generateContent, SSE ending at EOF."""

    kind = "gemini"
    base_path = ""  # the adapter adds /v1beta; SDKs take the root plus api_version
    stream_type = "text/event-stream"
    default_models = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash"]
    default_page_size = 2
    embedding_models = ["text-embedding-004"]  # listed but not chat-capable

    def route(self, method, path, query, body):
        match = _GEMINI_CHAT.match(path)
        if method == "POST" and match:
            stream = match.group(3) == "streamGenerateContent"
            if stream and query.get("alt") != "sse":
                return "fixed", {"answer": (400, self.error_body(400, "The fake only streams with alt=sse."))}
            return "chat", {"stream": stream, "model": match.group(2)}
        if method == "GET" and _GEMINI_LIST.match(path):
            return "models", {}
        embed = _GEMINI_EMBED.match(path)
        if method == "POST" and embed:
            return "embed", {"model": embed.group(2), "batch": embed.group(3) == "batchEmbedContents"}
        return None

    def embed_body(self, fake, body):
        """embedContent -> {embedding: {values}}; batchEmbedContents -> {embeddings: [{values}]} (no usage)."""

        def values(one):
            text = " ".join(p.get("text", "") for p in (one.get("content") or {}).get("parts") or [])
            return {"values": fake_vector(text, one.get("outputDimensionality"))}

        if "requests" in body:
            return {"embeddings": [values(one) for one in body["requests"]]}
        return {"embedding": values(body)}

    def credential(self, headers, query):
        return headers.get("x-goog-api-key") or query.get("key")

    def error_body(self, status, message):
        return {"error": {"code": status, "message": message, "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}}

    def auth_error(self, received):
        body = self.error_body(400, "API key not valid. Please pass a valid API key.")
        body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                     "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]
        return 400, body

    def model_not_found(self, model):
        return self.error_body(404, f"models/{model} is not found for API version v1beta, or is not supported "
                                    "for generateContent. Call ListModels to see the list of available models.")

    def usage(self, fake):
        p, c = fake.usage or (0, 0)
        out = {"promptTokenCount": p, "candidatesTokenCount": c, "totalTokenCount": p + c}
        if fake.cache_read:
            out["cachedContentTokenCount"] = fake.cache_read  # counted inside promptTokenCount
        return out

    def candidate(self, text, finish=None, calls=(), thought=None):
        parts = [{"text": thought, "thought": True}] if thought else []
        parts += [{"text": text}] if text or not calls else []
        # Gemini calls carry no id unless asked; finishReason stays STOP (providers.md §10.3).
        parts += [{"functionCall": {"name": t["name"], "args": t["arguments"]}} for t in calls]
        out = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            out["finishReason"] = finish
        return out

    def chat_body(self, fake, model, body):
        text = "" if fake.tool_calls else fake.reply
        return {"candidates": [self.candidate(text, fake.finish_reason or "STOP", fake.tool_calls, fake.thinking)],
                "usageMetadata": self.usage(fake), "modelVersion": model, "responseId": "fake-response"}

    def frames(self, fake, model, body):
        # Text, or whole functionCall parts one per chunk; the last chunk finishes and reports usage.
        pieces = [(None, t) for t in fake.tool_calls] or [(text, None) for text in fake.deltas()]
        for i, (text, call) in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = {"candidates": [self.candidate(text or "", (fake.finish_reason or "STOP") if last else None,
                                                   [call] if call else (), fake.thinking if i == 0 else None)],
                     "modelVersion": model, "responseId": "fake-response"}
            if last:
                chunk["usageMetadata"] = self.usage(fake)
            yield True, sse(chunk)

    def error_frame(self):
        return sse({"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}})

    def models_body(self, fake, query):
        entries = [(m, ["generateContent", "countTokens"]) for m in fake.models]
        entries += [(m, ["embedContent"]) for m in self.embedding_models]
        start = int(query.get("pageToken") or 0)
        size = min(int(query.get("pageSize") or 50), fake.page_size)
        page = entries[start:start + size]
        out = {"models": [{"name": f"models/{m}", "displayName": m, "version": "001", "inputTokenLimit": 1048576,
                           "outputTokenLimit": 8192, "supportedGenerationMethods": methods} for m, methods in page]}
        if start + size < len(entries):
            out["nextPageToken"] = str(start + size)
        return out


class OllamaFormat:
    """Ollama native: /api/chat (stream defaults to true, NDJSON), /api/tags, {"error": "..."} bodies."""

    kind = "ollama"
    base_path = ""
    stream_type = "application/x-ndjson"
    default_models = ["llama3.1:latest", "qwen2:latest", "mistral:7b"]
    default_page_size = 1000

    def route(self, method, path, query, body):
        if method == "POST" and path == "/api/chat":
            return "chat", {"stream": body.get("stream", True) is not False}
        if method == "GET" and path == "/api/tags":
            return "models", {}
        if method == "GET" and path == "/api/version":
            return "fixed", {"answer": (200, {"version": "0.0.0-fake"}), "auth": False}
        if method == "POST" and path == "/api/pull":
            return "pull", {}
        if method == "POST" and path == "/api/embed":
            return "embed", {}
        return None

    def embed_body(self, fake, body):
        """/api/embed: {model, embeddings: [[...]], prompt_eval_count}."""
        items = body.get("input")
        items = [items] if isinstance(items, str) else list(items or [])
        return {"model": body.get("model"), "embeddings": [fake_vector(t, body.get("dimensions")) for t in items],
                "total_duration": 1000, "load_duration": 100, "prompt_eval_count": token_count(items)}

    def credential(self, headers, query):
        return _bearer(headers)

    def error_body(self, status, message):
        return {"error": message}

    def auth_error(self, received):
        return 401, {"error": "unauthorized"}

    def model_not_found(self, model):
        return {"error": f"model '{model}' not found"}

    def chat_body(self, fake, model, body):
        p, c = fake.usage
        return {"model": model, "created_at": "2025-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": fake.reply}, "done": True,
                "done_reason": fake.finish_reason or "stop", "total_duration": 1000, "load_duration": 10,
                "prompt_eval_count": p, "prompt_eval_duration": 100, "eval_count": c, "eval_duration": 500}

    def frames(self, fake, model, body):
        for text in fake.deltas():
            yield True, ndjson({"model": model, "created_at": "2025-01-01T00:00:00Z",
                                "message": {"role": "assistant", "content": text}, "done": False})
        final = self.chat_body(fake, model, body)
        final["message"]["content"] = ""
        yield False, ndjson(final)

    def error_frame(self):
        return ndjson({"error": "an error was encountered while running the model"})

    def models_body(self, fake, query):
        return {"models": [{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 4661224676,
                            "digest": "0" * 64, "details": {"format": "gguf", "family": "llama"}}
                           for m in fake.models]}


def ollama_pull_lines(fake, model):
    """The status lines of `ollama pull` (docs/api.md "Pull a Model"): manifest, per-layer progress, success.

    Bounded: fake.pull_layers layers of fake.pull_steps progress lines each."""
    yield {"status": "pulling manifest"}
    for layer in range(fake.pull_layers):
        digest = "sha256:" + f"{layer + 1:x}" * 64
        total = 1000 * (layer + 1)
        for step in range(fake.pull_steps + 1):
            yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": total,
                   "completed": total * step // fake.pull_steps}
    for status in ("verifying sha256 digest", "writing manifest", "success"):
        yield {"status": status}
