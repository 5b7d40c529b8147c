"""POST /v1/embeddings as a use case: the profile `model` names, its provider's embeddings, budget and ledger.

No fallback: vectors of another model live in another space, so a fallback would answer wrongly, not late."""

import base64
import struct

from webui.core.chat.service import resolve_model
from webui.errors import Untranslatable, ValidationFailed
from webui.providers import embeddings as upstream

FIELDS = ("model", "input", "dimensions", "encoding_format", "user")
MAX_INPUTS = 2048


def inputs_of(raw):
    """`input` as a list: text, a list of texts, a token list, or a list of token lists."""
    if isinstance(raw, str):
        raw = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed({"input": "must be text, a list of texts or token lists"})
    if len(raw) > MAX_INPUTS:
        raise ValidationFailed({"input": f"must hold at most {MAX_INPUTS} items"})
    for i, item in enumerate(raw):
        tokens = isinstance(item, list) and item and all(isinstance(t, int) and not isinstance(t, bool) for t in item)
        if not (isinstance(item, str) and item) and not tokens:
            raise ValidationFailed({f"input[{i}]": "must be non-empty text or a list of token ids"})
    return raw


def check(body):
    """(inputs, dimensions, encoding_format) of a request; unknown fields are refused by name."""
    for name in body:
        if name not in FIELDS:
            raise Untranslatable(name, "unknown field for embeddings")
    dimensions = body.get("dimensions")
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1):
        raise ValidationFailed({"dimensions": "must be a positive whole number"})
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise ValidationFailed({"encoding_format": "must be float or base64"})
    return inputs_of(body.get("input")), dimensions, encoding


def embed(chat, body):
    """(OpenAI's embeddings answer, the profile id used, the upstream model, cost in USD or None)."""
    inputs, dimensions, encoding = check(body)
    view = chat.config.view()
    profile_id, role = resolve_model(view, body.get("model"))
    resolve, by_id = chat.caller(view)
    meter = chat.meter(by_id, "v1", role.get("id") if role else None)
    refusal = meter.admit(profile_id)
    if refusal is not None:
        raise refusal
    call = resolve(profile_id)
    try:
        result = upstream.embed(call, inputs, dimensions)
    except Exception as exc:
        meter.failed(profile_id, call.profile, exc)
        raise
    cost = meter.succeeded(profile_id, call.profile, result)
    tokens = result.usage.get("prompt_tokens")  # None when the provider reports none (Gemini): never invented
    data = [{"object": "embedding", "index": i, "embedding": _encoded(v, encoding)} for i, v in enumerate(result.vectors)]
    return ({"object": "list", "data": data, "model": body.get("model"),
             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}, profile_id, result.model, cost)


def _encoded(vector, encoding):
    """A vector as floats, or as OpenAI's base64 of little-endian float32 (what the openai SDK asks for)."""
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
