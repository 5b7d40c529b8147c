"""The ProviderAdapter base every provider builds on: send, parse, chat, stream, test."""

import logging
import time

from webui import face_params
from webui.catalog import PROVIDERS
from webui.errors import MissingCredential, UnsupportedParameter, WebUIError
from webui.providers import sse, transport, upstream_errors
from webui.providers.redact import scrub
from webui.providers.results import (
    TEST_PROMPT,
    Call,
    ChatResult,
    Delta,
    StreamEnd,
    StreamState,
    add_tool_delta,
    finish_reason,
    ms_since,
    usage,
    wire_usage,
)

log = logging.getLogger("webui.providers")

class ProviderAdapter:
    """One provider's wire format. Subclasses build requests and parse replies; the base does HTTP."""

    id = ""

    def __init__(self):
        # The provider's facts (names, env var, default URL, key header) come from the one provider table.
        spec = PROVIDERS[self.id]
        self.label = spec["short_label"]
        self.default_base_url = spec["default_base_url"]
        self.env_var = spec["env_var"]
        self.key_required = "api_key" in spec["requires"]
        self.key_header = spec["key_header"]
        self._pool = transport.SessionPool()

    def auth_headers(self, secret):
        """The catalog's key header for a key or token ({} without one)."""
        if not secret:
            return {}
        name, scheme = self.key_header
        return {name: f"{scheme} {secret}" if scheme else secret}

    # --- credentials -------------------------------------------------------------------------------

    def missing_key(self):
        """The MissingCredential that says what to do."""
        how = "add it under API & Models"
        if self.env_var:
            how += f" or set {self.env_var} and name it in the profile's api_key_ref"
        return MissingCredential(f"No API key for {self.label}: {how}", provider=self.id, variable=self.env_var)

    def key_of(self, call):
        """The call's API key; MissingCredential when this provider needs one and there is none."""
        if self.key_required and not call.api_key:
            raise self.missing_key()
        return call.api_key or None

    @staticmethod
    def secrets(api_key=None, token=None):
        """Values to scrub from every message and log line."""
        return tuple(s for s in (api_key, token) if s)

    def base_url(self, base_url):
        """The effective base URL without a trailing slash."""
        return (base_url or self.default_base_url).rstrip("/")

    # --- HTTP ---------------------------------------------------------------------------------------

    def send(self, method, url, *, secrets=(), headers=None, json_body=None, params=None, stream=False, model=None):
        """One exchange through the pooled session with timeouts, retries and error mapping."""
        return transport.send(self._pool.get(), method, url, label=self.label, secrets=secrets, headers=headers,
                              json_body=json_body, params=params, stream=stream, model=model)

    def get_json(self, url, *, secrets=(), headers=None, params=None):
        """GET and parse JSON."""
        resp = self.send("GET", url, secrets=secrets, headers=headers, params=params)
        return transport.parse_json(resp.content, label=self.label)

    def lines(self, resp, secrets):
        """Decoded lines of a streamed body as they arrive, each at most WEBUI_MAX_RESPONSE_BYTES."""
        resp.body_chunks = sse.iter_chunks(resp, self.label, secrets)  # Reply.finish reads the tail from it
        return sse.iter_lines(resp.body_chunks, transport.max_response_bytes(), self.label)

    def payload_error(self, err, secrets, model=None):
        """A ProviderError for an error object inside a stream or a 200 body."""
        return upstream_errors.error_from_payload(err, label=self.label, secrets=secrets, model=model)

    # --- the caller's parameters (the /v1 face) --------------------------------------------------------

    def face_fields(self, call):
        """The caller's fields this provider honours, by the table in face_params; the rest refused or dropped."""
        if not call.request:
            return {}
        out = {}
        for name, value in call.request.items():
            if name in face_params.FRAME or value is None or face_params.mode(self.id, name)[0] == face_params.DROPPED:
                continue
            if face_params.mode(self.id, name)[0] == face_params.REFUSED and \
                    value not in face_params.HARMLESS.get(name, ()):
                self.refuse(call, name)
                continue
            out[name] = value
        return out

    def refuse(self, call, name, why="is not supported"):
        """UnsupportedParameter naming the parameter and this provider, unless the profile drops such fields."""
        if not ((call.profile or {}).get("options") or {}).get("drop_unsupported"):
            raise UnsupportedParameter(name, self.label, why)

    # --- the adapter interface ------------------------------------------------------------------------

    def request(self, call, messages, stream):
        """(url, json body, headers) for a chat call; subclasses implement."""
        raise NotImplementedError

    def parse_reply(self, data, call):
        """(text, usage, finish_reason, model) from a non-streamed reply; subclasses implement."""
        raise NotImplementedError

    def parse_stream(self, resp, call, state, secrets):
        """Yield text deltas from a streamed reply, filling `state`; subclasses implement."""
        raise NotImplementedError

    def list_models(self, api_key, base_url, token=None):
        """Model ids available at the provider; subclasses implement."""
        raise NotImplementedError

    def chat(self, call, messages):
        """One complete reply."""
        url, body, headers = self.request(call, messages, stream=False)
        secrets = self.secrets(call.api_key, call.token)
        model = call.profile.get("model")
        started = time.monotonic()
        resp = self.send("POST", url, secrets=secrets, headers=headers, json_body=body, model=model)
        data = transport.parse_json(resp.content, label=self.label)
        if isinstance(data, dict) and data.get("error"):
            raise self.payload_error(data["error"], secrets, model)
        text, used, reason, reported, *extra = self.parse_reply(data, call)
        extra = extra[0] if extra else {}  # tool_calls, wire, wire_usage when the adapter has them
        cap = transport.max_reply_chars()
        if isinstance(text, str) and len(text) > cap:
            text, reason = text[:cap], "length"  # a reply is stored whole: keep it bounded
        return ChatResult(text=text, usage=used, finish_reason=finish_reason(reason),
                          model=reported or model, latency_ms=ms_since(started),
                          tool_calls=extra.get("tool_calls") or None, wire=extra.get("wire"),
                          wire_usage=extra.get("wire_usage", wire_usage(used)), reasoning=extra.get("reasoning") or None)

    def stream(self, call, messages):
        """Text deltas as they arrive, then exactly one StreamEnd."""
        url, body, headers = self.request(call, messages, stream=True)
        secrets = self.secrets(call.api_key, call.token)
        started = time.monotonic()
        resp = self.send("POST", url, secrets=secrets, headers=headers, json_body=body, stream=True,
                         model=call.profile.get("model"))
        state = StreamState(call.profile.get("model"))
        parts, size, cap = [], 0, transport.max_reply_chars()
        with resp:
            for delta in self.parse_stream(resp, call, state, secrets):
                if isinstance(delta, Delta):  # tool calls, logprobs, refusal: the face passes them on
                    resp.progress()  # something arrived: the stream's deadline starts again
                    if delta.index == 0:
                        parts.append(delta.text)
                        size += len(delta.text or "")
                        for piece in delta.delta.get("tool_calls") or ():
                            add_tool_delta(state.tool_calls, piece)
                    yield delta
                    if size >= cap:  # WEBUI_MAX_REPLY_CHARS, as below
                        state.finish_reason, state.done = "length", True
                        break
                    continue
                if not delta:
                    continue
                resp.progress()  # text arrived: the stream's deadline starts again
                if size + len(delta) > cap:
                    # WEBUI_MAX_REPLY_CHARS: stop reading and end the reply as a model's length limit would.
                    delta = delta[: cap - size]
                    state.finish_reason, state.done = "length", True
                if delta:
                    parts.append(delta)
                    size += len(delta)
                    yield delta
                if state.finish_reason == "length" and size >= cap:
                    break
            if state.done and hasattr(resp, "finish"):
                resp.finish()  # the connection goes back to the pool for the next stream
        if not state.done:
            raise transport.stream_error(EOFError("stream ended early"), self.label, secrets)
        counts = usage(state.prompt_tokens, state.completion_tokens, state.cache_read, state.cache_write)
        yield StreamEnd(usage=counts, finish_reason=finish_reason(state.finish_reason), model=state.model,
                        latency_ms=ms_since(started), text="".join(parts), tool_calls=state.tool_calls or None,
                        wire_usage=state.wire_usage or wire_usage(counts),
                        system_fingerprint=state.system_fingerprint, reasoning="".join(state.reasoning) or None)

    def check(self, call):
        """The cheapest real call proving the credential works; default: a 1-token completion."""
        profile = dict(call.profile, max_tokens=1, options=dict(call.profile.get("options") or {}, json_mode=False))
        self.chat(Call(profile, call.api_key, call.base_url, call.token, call.key_hint), TEST_PROMPT)

    def test(self, call):
        """{"ok", "latency_ms", "model", "error"}; never raises, the error is a user-facing message."""
        started = time.monotonic()
        model = (call.profile or {}).get("model")
        try:
            self.check(call)
            return {"ok": True, "latency_ms": ms_since(started), "model": model, "error": None}
        except WebUIError as exc:
            error = exc.message
        except Exception as exc:  # test() must answer, whatever broke
            log.warning(scrub(f"{self.label} connection test failed unexpectedly: {exc!r}",
                              self.secrets(call.api_key, call.token)))
            error = f"Unexpected error while testing {self.label} ({type(exc).__name__})"
        return {"ok": False, "latency_ms": ms_since(started), "model": model,
                "error": scrub(error, self.secrets(call.api_key, call.token))}
