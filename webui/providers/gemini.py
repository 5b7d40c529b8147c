"""Google Gemini (Generative Language API, v1beta): x-goog-api-key header, camelCase body, SSE to EOF."""

from urllib.parse import quote

from webui.errors import MalformedResponse, ProviderRequestError
from webui.providers import gemini_wire as wire
from webui.providers import sse, transport
from webui.providers.base import ProviderAdapter
from webui.providers.results import Delta, finish_body, usage

API_VERSION = "v1beta"
MAX_PAGES = 50
PAGE_SIZE = 1000


def _tokens(meta):
    """Our usage from usageMetadata: thinking tokens count as completion (they are billed so); the prompt count
    already includes cachedContentTokenCount (cache reads; Gemini reports no cache writes)."""
    meta = meta or {}
    out = meta.get("candidatesTokenCount")
    if meta.get("thoughtsTokenCount") is not None:
        out = (out or 0) + meta["thoughtsTokenCount"]
    return usage(meta.get("promptTokenCount"), out, meta.get("cachedContentTokenCount"))


def _thoughts(parts):
    """The thought-summary text of a candidate's parts (asked for with includeThoughts)."""
    return "".join(p.get("text") or "" for p in parts if isinstance(p, dict) and p.get("thought"))


class GeminiAdapter(ProviderAdapter):
    """generativelanguage.googleapis.com; the key goes in a header, never in ?key= (it would reach logs)."""

    id = "gemini"

    def base_url(self, base_url):
        url = super().base_url(base_url)
        return url if url.endswith(("/v1beta", "/v1")) else f"{url}/{API_VERSION}"

    def headers(self, api_key):
        return self.auth_headers(api_key)

    @staticmethod
    def model_path(model):
        """models/{id} with any user-typed models/ prefix removed."""
        model = str(model or "")
        return "models/" + quote(model[7:] if model.startswith("models/") else model, safe="-._~:")

    def request(self, call, messages, stream):
        key = self.key_of(call)
        p = call.profile
        fields = self.face_fields(call)  # the caller's parameters, by the table in face_params

        def refuse(name, why):
            self.refuse(call, name, why)

        system, contents = wire.conversation(messages, refuse)
        extra_config, top = wire.options(fields, refuse) if fields else ({}, {})
        config = {
            "temperature": p.get("temperature"),
            "topP": p.get("top_p"),
            "presencePenalty": p.get("presence_penalty"),
            "frequencyPenalty": p.get("frequency_penalty"),
            "maxOutputTokens": p.get("max_tokens"),
        }
        if (p.get("options") or {}).get("json_mode"):
            config["responseMimeType"] = "application/json"
        config.update(extra_config)
        body = {
            "contents": contents,
            "systemInstruction": system,
            "generationConfig": {k: v for k, v in config.items() if v is not None} or None,
            **top,
        }
        action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        url = f"{self.base_url(call.base_url)}/{self.model_path(p.get('model'))}:{action}"
        return url, finish_body(body, p), self.headers(key)

    @staticmethod
    def one_call(call):
        """Whether the caller asked for at most one tool call per reply (Gemini has no such switch)."""
        return (call.request or {}).get("parallel_tool_calls") is False

    def _candidate(self, data):
        """(text, finishReason, parts) of the first candidate; a blocked prompt is an error the user can act on."""
        if not isinstance(data, dict):
            raise MalformedResponse("Google Gemini sent a reply that is not an object", provider=self.label)
        candidates = data.get("candidates")
        if not candidates:
            block = (data.get("promptFeedback") or {}).get("blockReason")
            if block:
                raise ProviderRequestError(f"Google Gemini blocked the prompt ({block})", provider=self.label)
            return "", None, []
        first = candidates[0] if isinstance(candidates[0], dict) else {}
        parts = (first.get("content") or {}).get("parts") or []
        # Thought summaries are not part of the answer.
        text = "".join(p.get("text") or "" for p in parts if isinstance(p, dict) and not p.get("thought"))
        return text, first.get("finishReason"), parts

    def parse_reply(self, data, call):
        if not isinstance(data, dict) or ("candidates" not in data and "promptFeedback" not in data):
            raise MalformedResponse("Google Gemini sent a reply without candidates", provider=self.label)
        text, reason, parts = self._candidate(data)
        calls = wire.tool_calls(parts)[:1 if self.one_call(call) else None]
        if calls and reason == "STOP":
            reason = "tool_calls"  # Gemini's finishReason has no value for calls (§10.3)
        return text, _tokens(data.get("usageMetadata")), reason, data.get("modelVersion"), \
            {"tool_calls": calls, "reasoning": _thoughts(parts)}

    def parse_stream(self, resp, call, state, secrets):
        calls = 0
        for event in sse.iter_sse(self.lines(resp, secrets)):
            data = transport.parse_json(event.data, label=self.label, what="stream event")
            if isinstance(data, dict) and data.get("error"):
                raise self.payload_error(data["error"], secrets, call.profile.get("model"))
            text, reason, parts = self._candidate(data)
            thought = _thoughts(parts)
            if thought:
                state.reasoning.append(thought)
                yield Delta({"reasoning_content": thought})
            if text:
                yield text
            for found in wire.tool_calls(parts):  # whole calls, one complete delta each (§10.5)
                if calls and self.one_call(call):
                    break
                yield Delta({"tool_calls": [dict(found, index=calls)]})
                calls += 1
            if calls and reason == "STOP":
                reason = "tool_calls"
            state.finish_reason = reason or state.finish_reason
            state.model = data.get("modelVersion") or state.model
            if data.get("usageMetadata"):
                found = _tokens(data["usageMetadata"])
                state.prompt_tokens, state.completion_tokens = found["prompt_tokens"], found["completion_tokens"]
                state.cache_read = found.get("cache_read_tokens")
        # No terminator: the stream ends at EOF, and it is complete when a finishReason came.
        state.done = state.finish_reason is not None

    def list_models(self, api_key, base_url, token=None):
        if not api_key:
            raise self.missing_key()
        url = f"{self.base_url(base_url)}/models"
        ids, page = [], None
        for _ in range(MAX_PAGES):
            params = {"pageSize": PAGE_SIZE, **({"pageToken": page} if page else {})}
            data = self.get_json(url, secrets=self.secrets(api_key), headers=self.headers(api_key), params=params)
            if not isinstance(data, dict):
                raise MalformedResponse("Google Gemini sent a model list that is not an object", provider=self.label)
            for m in data.get("models") or []:
                methods = m.get("supportedGenerationMethods") if isinstance(m, dict) else None
                # Only models that can chat belong in the dropdown (not embedders).
                if isinstance(m, dict) and isinstance(m.get("name"), str) and (
                        methods is None or "generateContent" in methods):
                    ids.append(m["name"].removeprefix("models/"))
            next_page = data.get("nextPageToken")
            if not next_page or next_page == page:
                break
            page = next_page
        return list(dict.fromkeys(ids))

    def check(self, call):
        self.list_models(self.key_of(call), call.base_url)
