"""Anthropic Messages API: x-api-key auth, top-level system prompt, named SSE events, cursor model list."""

from webui.errors import MalformedResponse
from webui.providers import anthropic_native as native
from webui.providers import anthropic_wire as wire
from webui.providers import sse, transport
from webui.providers.base import ProviderAdapter
from webui.providers.results import Delta, finish_body, usage

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024  # Anthropic requires max_tokens
MAX_PAGES = 50  # a cursor that never ends must not hang the model dropdown

# Anthropic has no JSON-mode flag; a system hint is the portable way to ask for JSON.
JSON_HINT = "Respond with a single valid JSON object and nothing else."


def counts(used):
    """Our usage from Anthropic's: input_tokens leaves out cache reads and writes, so the prompt is their sum."""
    used = used if isinstance(used, dict) else {}
    read, write = used.get("cache_read_input_tokens"), used.get("cache_creation_input_tokens")
    prompt = used.get("input_tokens")
    if isinstance(prompt, int):
        prompt += (read or 0) + (write or 0)
    return usage(prompt, used.get("output_tokens"), read, write)


def with_thinking(body, thinking, fields):
    """Turn thinking on or off. Its budget counts inside max_tokens, so max_tokens grows by the budget; thinking
    takes no temperature but 1 and no top_k, so the profile's own values are left out (the caller's go as sent,
    and Anthropic answers them)."""
    if thinking is None:
        return
    body["thinking"] = thinking
    if thinking["type"] != "enabled":
        return
    body["max_tokens"] += thinking["budget_tokens"]
    for name in ("temperature", "top_k", "top_p"):
        if name not in fields:
            body.pop(name, None)


class AnthropicAdapter(ProviderAdapter):
    """api.anthropic.com (base URL without /v1). Presence/frequency penalties do not exist and are not sent."""

    id = "anthropic"

    def base_url(self, base_url):
        url = super().base_url(base_url)
        return url[:-3] if url.endswith("/v1") else url  # accept the SDK-style URL with /v1 too

    def headers(self, api_key):
        return dict(self.auth_headers(api_key), **{"anthropic-version": API_VERSION})

    def request(self, call, messages, stream):
        key = self.key_of(call)
        if call.native is not None:  # the Messages face: the caller's own request, as sent
            return native.request(self, call, key, stream)
        p = call.profile
        fields = self.face_fields(call)  # the caller's parameters, by the table in face_params

        def refuse(name, why):
            self.refuse(call, name, why)

        system, turns = wire.conversation(messages, refuse)
        if (p.get("options") or {}).get("json_mode"):
            system = f"{system}\n\n{JSON_HINT}" if system else JSON_HINT
        body = {
            "model": p.get("model"),
            "max_tokens": p.get("max_tokens") or DEFAULT_MAX_TOKENS,
            "system": system,
            "messages": turns,
            "temperature": p.get("temperature"),
            "top_p": p.get("top_p"),
            "stream": True if stream else None,
        }
        if fields:
            body.update(wire.options(fields, refuse))
            if fields.get("reasoning_effort") is not None:
                with_thinking(body, wire.thinking(fields["reasoning_effort"], refuse), fields)
        return f"{self.base_url(call.base_url)}/v1/messages", finish_body(body, p), self.headers(key)

    def parse_reply(self, data, call):
        if not isinstance(data, dict) or not isinstance(data.get("content"), list):
            raise MalformedResponse("Anthropic sent a reply without content", provider=self.label)
        blocks = [b for b in data["content"] if isinstance(b, dict)]
        text = "".join(b.get("text") or "" for b in blocks if b.get("type") == "text")
        thought = "".join(b.get("thinking") or "" for b in blocks if b.get("type") == "thinking")
        extra = {"tool_calls": wire.tool_calls(data["content"]), "reasoning": thought}
        if call.native is not None:
            extra["wire"] = data  # the Messages face answers with the reply as it came
        return text, counts(data.get("usage")), data.get("stop_reason"), data.get("model"), extra

    def parse_stream(self, resp, call, state, secrets):
        if call.native is not None:  # the Messages face relays the events themselves
            yield from native.relay(self, resp, call, state, secrets)
            return
        tools = {}  # content block index -> [OpenAI tool index, whether arguments came]
        for event in sse.iter_sse(self.lines(resp, secrets)):
            yield from self.on_event(self.event_data(event, secrets, call), event, state, tools)
            if state.done:
                return

    def event_data(self, event, secrets, call):
        """One stream event's data object; an `error` event raised as the ProviderError it describes."""
        data = transport.parse_json(event.data, label=self.label, what="stream event")
        if not isinstance(data, dict):
            raise MalformedResponse("Anthropic sent a stream event that is not an object", provider=self.label)
        # The event name and data.type agree; fall back to data.type for proxies that drop `event:`.
        if (data.get("type") or event.event) == "error" or event.event == "error":
            raise self.payload_error(data.get("error") or data, secrets, call.profile.get("model"))
        return data

    def on_event(self, data, event, state, tools):
        """Text deltas and tool-call Deltas of one stream event, filling `state`."""
        kind = data.get("type") or event.event
        if kind == "message_start":
            message = data.get("message") or {}
            state.model = message.get("model") or state.model
            found = counts(message.get("usage"))
            state.prompt_tokens, state.completion_tokens = found["prompt_tokens"], found["completion_tokens"]
            state.cache_read, state.cache_write = found.get("cache_read_tokens"), found.get("cache_write_tokens")
        elif kind == "content_block_start" and (data.get("content_block") or {}).get("type") == "tool_use":
            block = data["content_block"]
            tools[data.get("index")] = [len(tools), False]  # the event index counts text blocks too
            yield Delta({"tool_calls": [{"index": len(tools) - 1, "id": block.get("id"), "type": "function",
                                         "function": {"name": block.get("name"), "arguments": ""}}]})
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                yield delta["text"]
            elif delta.get("type") == "thinking_delta" and delta.get("thinking"):
                state.reasoning.append(delta["thinking"])
                yield Delta({"reasoning_content": delta["thinking"]})
            elif delta.get("type") == "input_json_delta" and data.get("index") in tools and \
                    delta.get("partial_json"):
                tool = tools[data["index"]]
                tool[1] = True
                yield Delta({"tool_calls": [{"index": tool[0], "function": {"arguments": delta["partial_json"]}}]})
        elif kind == "content_block_stop" and data.get("index") in tools and not tools[data["index"]][1]:
            # A call without arguments: "{}", so accumulators rebuild an object (§10.5).
            yield Delta({"tool_calls": [{"index": tools[data["index"]][0], "function": {"arguments": "{}"}}]})
        elif kind == "message_delta":
            state.finish_reason = (data.get("delta") or {}).get("stop_reason") or state.finish_reason
            used = data.get("usage") or {}
            # output_tokens here is cumulative; input_tokens may be repeated (or absent).
            state.completion_tokens = used.get("output_tokens", state.completion_tokens)
            if used.get("input_tokens") is not None:
                found = counts(used)
                state.prompt_tokens = found["prompt_tokens"]
                state.cache_read = found.get("cache_read_tokens", state.cache_read)
                state.cache_write = found.get("cache_write_tokens", state.cache_write)
        elif kind == "message_stop":
            state.done = True

    def list_models(self, api_key, base_url, token=None):
        if not api_key:
            raise self.missing_key()
        url = f"{self.base_url(base_url)}/v1/models"
        ids, after = [], None
        for _ in range(MAX_PAGES):
            params = {"limit": 1000, **({"after_id": after} if after else {})}
            data = self.get_json(url, secrets=self.secrets(api_key), headers=self.headers(api_key), params=params)
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise MalformedResponse("Anthropic sent a model list without data", provider=self.label)
            ids += [m["id"] for m in data["data"] if isinstance(m, dict) and isinstance(m.get("id"), str)]
            last = data.get("last_id") or (ids[-1] if ids else None)
            if not data.get("has_more") or not last or last == after:
                break
            after = last
        return list(dict.fromkeys(ids))

    def check(self, call):
        # Listing models needs a valid key and costs nothing.
        self.list_models(self.key_of(call), call.base_url)
