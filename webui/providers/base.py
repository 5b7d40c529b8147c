"""Call, ChatResult, StreamEnd and the ProviderAdapter base every provider builds on."""

import logging
import time
from dataclasses import dataclass, field

from .. import face_params
from ..catalog import PROVIDERS
from ..errors import MissingCredential, UnsupportedParameter, WebUIError
from . import sse, transport
from .redact import scrub

log = logging.getLogger("webui.providers")

# OpenAI's finish_reason vocabulary is the common one; other providers' reasons are mapped onto it.
FINISH_REASONS = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
    "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
}

TEST_PROMPT = [{"role": "user", "content": "ping"}]


@dataclass
class Call:
    """Everything one request needs, resolved by core.credentials.resolve_call (adapters never see the vault)."""

    profile: dict
    api_key: str | None
    base_url: str | None
    token: str | None = None
    key_hint: str = ""
    # The caller's OpenAI-format fields beyond model/messages (the /v1 face, a role's tools), or None.
    request: dict | None = None


@dataclass
class Delta:
    """A stream piece beyond plain text, in OpenAI's chunk terms: the choice's `delta` and `logprobs`."""

    delta: dict
    logprobs: dict | None = None
    text: str = ""  # the delta's content, for whoever only wants text (choice 0 only)
    index: int = 0  # the choice (n > 1 on OpenAI-format upstreams)
    finish_reason: str | None = None  # set on the last piece of a choice other than 0


@dataclass
class ChatResult:
    """A complete reply; usage counts are None when the provider did not report them."""

    text: str
    usage: dict = field(default_factory=lambda: {"prompt_tokens": None, "completion_tokens": None})
    finish_reason: str | None = None
    model: str | None = None
    latency_ms: int = 0
    tool_calls: list | None = None  # OpenAI-shaped calls the model made
    wire: dict | None = None  # an OpenAI-format upstream's whole reply, passed back as it came
    wire_usage: dict | None = None  # the usage object in OpenAI's shape (None when unknown)


@dataclass
class StreamEnd:
    """The last item of a stream: what a ChatResult says, with the joined text."""

    usage: dict = field(default_factory=lambda: {"prompt_tokens": None, "completion_tokens": None})
    finish_reason: str | None = None
    model: str | None = None
    latency_ms: int = 0
    text: str = ""
    tool_calls: list | None = None
    wire_usage: dict | None = None
    system_fingerprint: str | None = None


class StreamState:
    """What a stream parser learns besides text: usage, finish reason, model, whether it ended properly."""

    def __init__(self, model=None):
        self.prompt_tokens = None
        self.completion_tokens = None
        self.finish_reason = None
        self.model = model
        self.done = False
        self.tool_calls = []  # OpenAI-shaped calls, rebuilt from the deltas
        self.wire_usage = None
        self.system_fingerprint = None


def usage(prompt, completion):
    """The usage dict with ints (or None when unknown)."""
    as_int = lambda v: int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None  # noqa: E731
    return {"prompt_tokens": as_int(prompt), "completion_tokens": as_int(completion)}


def wire_usage(counts):
    """OpenAI's usage object from our counts; None when neither is known (usage is never invented)."""
    prompt, completion = counts.get("prompt_tokens"), counts.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    total = prompt + completion if prompt is not None and completion is not None else None
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def add_tool_delta(calls, piece):
    """Fold one OpenAI `delta.tool_calls[]` fragment into the calls list (strings concatenate, by index)."""
    index = piece.get("index", len(calls))
    while len(calls) <= index:
        calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
    call, fn = calls[index], piece.get("function") or {}
    call["id"] = call["id"] or piece.get("id")
    call["function"]["name"] += fn.get("name") or ""
    call["function"]["arguments"] += fn.get("arguments") or ""


def finish_reason(value):
    """A provider's stop reason in OpenAI's words (unknown ones lower-cased, None stays None)."""
    if not value:
        return None
    return FINISH_REASONS.get(value, str(value).lower())


def drop_none(value):
    """The value with None-valued dict entries removed at every level (None in extra_params un-sends a field)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    return value


def deep_merge(base, extra):
    """base updated by extra; nested dicts merge (so extra_params can add one option without replacing all)."""
    out = dict(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def finish_body(body, profile):
    """Merge the profile's extra_params last, then drop None-valued fields."""
    extra = profile.get("extra_params")
    return drop_none(deep_merge(body, extra if isinstance(extra, dict) else {}))


def split_system(messages):
    """(system text or None, the other messages): for providers that take the system prompt apart."""
    system = [str(m.get("content") or "") for m in messages if m.get("role") == "system"]
    rest = [m for m in messages if m.get("role") != "system"]
    return ("\n\n".join(system) if system else None), rest


def merge_turns(messages):
    """Consecutive messages of the same role joined into one (Anthropic and Gemini want alternating turns)."""
    out = []
    for m in messages:
        role, content = m.get("role"), str(m.get("content") or "")
        if out and out[-1]["role"] == role:
            out[-1]["content"] += "\n\n" + content
        else:
            out.append({"role": role, "content": content})
    return out


def ms_since(started):
    """Whole milliseconds since a time.monotonic() stamp."""
    return int((time.monotonic() - started) * 1000)


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
        """Decoded lines of a streamed body as they arrive."""
        resp.body_chunks = sse.iter_chunks(resp, self.label, secrets)  # Reply.finish reads the tail from it
        return sse.iter_lines(resp.body_chunks)

    def payload_error(self, err, secrets, model=None):
        """A ProviderError for an error object inside a stream or a 200 body."""
        return transport.error_from_payload(err, label=self.label, secrets=secrets, model=model)

    # --- the caller's parameters (the /v1 face) --------------------------------------------------------

    def face_fields(self, call):
        """The caller's fields this provider honours, by the table in face_params; the rest refused or dropped."""
        if not call.request:
            return {}
        out = {}
        for name, value in call.request.items():
            if name in face_params.FRAME or value is None:
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
        return ChatResult(text=text, usage=used, finish_reason=finish_reason(reason),
                          model=reported or model, latency_ms=ms_since(started),
                          tool_calls=extra.get("tool_calls") or None, wire=extra.get("wire"),
                          wire_usage=extra.get("wire_usage", wire_usage(used)))

    def stream(self, call, messages):
        """Text deltas as they arrive, then exactly one StreamEnd."""
        url, body, headers = self.request(call, messages, stream=True)
        secrets = self.secrets(call.api_key, call.token)
        started = time.monotonic()
        resp = self.send("POST", url, secrets=secrets, headers=headers, json_body=body, stream=True,
                         model=call.profile.get("model"))
        state = StreamState(call.profile.get("model"))
        parts = []
        with resp:
            for delta in self.parse_stream(resp, call, state, secrets):
                if isinstance(delta, Delta):  # tool calls, logprobs, refusal: the face passes them on
                    if delta.index == 0:
                        parts.append(delta.text)
                        for piece in delta.delta.get("tool_calls") or ():
                            add_tool_delta(state.tool_calls, piece)
                    yield delta
                elif delta:
                    parts.append(delta)
                    yield delta
            if state.done and hasattr(resp, "finish"):
                resp.finish()  # the connection goes back to the pool for the next stream
        if not state.done:
            raise transport.stream_error(EOFError("stream ended early"), self.label, secrets)
        counts = usage(state.prompt_tokens, state.completion_tokens)
        yield StreamEnd(usage=counts, finish_reason=finish_reason(state.finish_reason), model=state.model,
                        latency_ms=ms_since(started), text="".join(parts), tool_calls=state.tool_calls or None,
                        wire_usage=state.wire_usage or wire_usage(counts),
                        system_fingerprint=state.system_fingerprint)

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
