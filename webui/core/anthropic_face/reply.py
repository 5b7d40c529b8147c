"""A gateway result in Messages API terms: content blocks, stop_reason, usage (never invented)."""

import json
import uuid

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
                "content_filter": "refusal"}


def message_id():
    """A fresh id in Anthropic's style."""
    return f"msg_{uuid.uuid4().hex[:24]}"


def tool_input(arguments):
    """A call's arguments (JSON text from OpenAI-format upstreams) as the object tool_use.input is."""
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {"arguments": arguments}  # not JSON: kept whole rather than lost
    return value if isinstance(value, dict) else {"value": value}


def tool_block(call):
    """One OpenAI-shaped tool call as a tool_use block."""
    function = call.get("function") or {}
    return {"type": "tool_use", "id": call.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
            "name": function.get("name"), "input": tool_input(function.get("arguments"))}


def stop(finish_reason, wire=None):
    """(stop_reason, stop_sequence) from the OpenAI-vocabulary reason; vLLM-style servers name the sequence."""
    reason = STOP_REASONS.get(finish_reason or "stop", "end_turn")
    choice = ((wire or {}).get("choices") or [{}])[0] if isinstance(wire, dict) else {}
    matched = choice.get("stop_reason") if isinstance(choice, dict) else None
    if reason == "end_turn" and isinstance(matched, str) and matched:
        return "stop_sequence", matched
    return reason, None


def usage(wire_usage, counts):
    """Anthropic's usage object: input_tokens excludes cache reads, which are reported on their own."""
    wire_usage = wire_usage if isinstance(wire_usage, dict) else {}
    prompt = wire_usage.get("prompt_tokens", counts.get("prompt_tokens"))
    cached = (wire_usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    out = {"input_tokens": prompt - (cached or 0) if isinstance(prompt, int) else prompt,
           "output_tokens": wire_usage.get("completion_tokens", counts.get("completion_tokens"))}
    if isinstance(cached, int):
        out["cache_read_input_tokens"] = cached
    return out


def reasoning_of(message):
    """The reasoning text an OpenAI-format message or delta carries (DeepSeek, vLLM: reasoning_content;
    OpenRouter: reasoning), or None."""
    for name in ("reasoning_content", "reasoning"):
        if isinstance(message.get(name), str) and message[name]:
            return message[name]
    return None


def message(result, model_name):
    """The Messages API answer for a translated (non-Anthropic) gateway result."""
    choice = ((result.wire or {}).get("choices") or [{}])[0] if isinstance(result.wire, dict) else {}
    reasoning = reasoning_of((choice or {}).get("message") or {})
    content = [{"type": "thinking", "thinking": reasoning, "signature": ""}] if reasoning else []
    content += [{"type": "text", "text": result.text}] if result.text else []
    content += [tool_block(call) for call in result.tool_calls or ()]
    reason, sequence = stop(result.finish_reason, result.wire)
    return {"id": message_id(), "type": "message", "role": "assistant", "model": model_name, "content": content,
            "stop_reason": reason, "stop_sequence": sequence, "usage": usage(result.wire_usage, result.usage)}


# ---- errors in Anthropic's shape ----------------------------------------------------------------------

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
               503: "overloaded_error", 504: "timeout_error", 529: "overloaded_error"}


def error_type(status):
    """Anthropic's error type for a status (other 4xx: invalid_request_error; other 5xx: api_error)."""
    return ERROR_TYPES.get(status) or ("invalid_request_error" if status < 500 else "api_error")


def error_object(status, message):
    """{"type": "error", "error": {"type", "message"}}."""
    return {"type": "error", "error": {"type": error_type(status), "message": message}}
