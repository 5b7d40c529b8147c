"""What adapters take and give (Call, Delta, ChatResult, StreamEnd) and the small wire helpers they share."""

import time
from dataclasses import dataclass, field

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
    # The caller's own Anthropic Messages request ({"body", "betas"}) for an Anthropic profile to take as sent.
    native: dict | None = None
    request_id: str | None = None  # the request's X-Request-Id, for providers that accept one


@dataclass
class Delta:
    """A stream piece beyond plain text, in OpenAI's chunk terms: the choice's `delta` and `logprobs`."""

    delta: dict
    logprobs: dict | None = None
    text: str = ""  # the delta's content, for whoever only wants text (choice 0 only)
    index: int = 0  # the choice (n > 1 on OpenAI-format upstreams)
    finish_reason: str | None = None  # set on the last piece of a choice other than 0
    raw: tuple | None = None  # ((event name, data text), ...): native stream events relayed as they came


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
    reasoning: str | None = None  # the model's thinking text, when the provider returned it


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
    reasoning: str | None = None


class StreamState:
    """What a stream parser learns besides text: usage, finish reason, model, whether it ended properly."""

    def __init__(self, model=None):
        self.prompt_tokens = None
        self.completion_tokens = None
        self.cache_read = None  # prompt-cache reads and writes, when the provider reports them
        self.cache_write = None
        self.reasoning = []  # thinking text pieces
        self.finish_reason = None
        self.model = model
        self.done = False
        self.tool_calls = []  # OpenAI-shaped calls, rebuilt from the deltas
        self.wire_usage = None
        self.system_fingerprint = None


def _as_int(value):
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def usage(prompt, completion, cache_read=None, cache_write=None):
    """The usage dict with ints (or None when unknown). `prompt_tokens` counts ALL input, cache reads and writes
    included; `cache_read_tokens` / `cache_write_tokens` (present only when the provider reported some) say
    how much of it was read from or written to the provider's prompt cache."""
    out = {"prompt_tokens": _as_int(prompt), "completion_tokens": _as_int(completion)}
    for name, value in (("cache_read_tokens", cache_read), ("cache_write_tokens", cache_write)):
        if _as_int(value):
            out[name] = _as_int(value)
    return out


def openai_usage(used):
    """Our usage dict from an OpenAI-format usage object (cached_tokens are reads; OpenRouter also names writes)."""
    used = used if isinstance(used, dict) else {}
    details = used.get("prompt_tokens_details") if isinstance(used.get("prompt_tokens_details"), dict) else {}
    return usage(used.get("prompt_tokens"), used.get("completion_tokens"), details.get("cached_tokens"),
                 details.get("cache_write_tokens"))


def wire_usage(counts):
    """OpenAI's usage object from our counts; None when neither is known (usage is never invented).
    `prompt_tokens_details.cached_tokens` says the cache reads when the provider reported them."""
    prompt, completion = counts.get("prompt_tokens"), counts.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    total = prompt + completion if prompt is not None and completion is not None else None
    out = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
    if "cache_read_tokens" in counts or "cache_write_tokens" in counts:
        out["prompt_tokens_details"] = {"cached_tokens": counts.get("cache_read_tokens") or 0}
    if counts.get("reasoning_tokens") is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": counts["reasoning_tokens"]}
    return out


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


def ms_since(started):
    """Whole milliseconds since a time.monotonic() stamp."""
    return int((time.monotonic() - started) * 1000)
