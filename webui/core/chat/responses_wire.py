"""The Responses API request in Chat Completions terms (what the adapters take), and the reply back as a Response."""

import time
import uuid

from webui import face_params
from webui.errors import Untranslatable, ValidationFailed

# Request fields this face handles itself or translates (anything else: a 400 naming it).
FRAME = ("model", "input", "instructions", "stream", "store", "previous_response_id", "metadata", "include",
         "truncation")
# Responses field -> Chat Completions field, sent on through the OpenAI face's own path.
RENAMED = {"temperature": "temperature", "top_p": "top_p", "max_output_tokens": "max_tokens",
           "parallel_tool_calls": "parallel_tool_calls", "user": "user", "seed": "seed", "top_logprobs":
           "top_logprobs", "safety_identifier": "user"}
TRANSLATED_FIELDS = ("tools", "tool_choice", "text", "reasoning")
# Fields that ask for something this gateway does not do: a clear 400 (the reasons live in the face's table).
REFUSED = {name: why for name, (how, why) in face_params.RESPONSES.items()
           if how == face_params.REFUSED and name != "*"}
MESSAGE_ROLES = ("user", "system", "developer", "assistant")


def _refuse(name, why):
    raise Untranslatable(name, why)


def new_id(prefix):
    """An id in OpenAI's style: resp_…, msg_…, fc_…, call_…"""
    return f"{prefix}_{uuid.uuid4().hex}"


def check_fields(body):
    """Refuse what cannot be translated (built-in tools and the like come later, per item)."""
    for name, value in body.items():
        if name in FRAME or name in RENAMED or name in TRANSLATED_FIELDS:
            continue
        if name in REFUSED:
            if value is None or (name == "background" and value is False):
                continue  # asks for nothing
            _refuse(name, REFUSED[name])
        _refuse(name, "unknown field")
    for name in ("store", "stream"):
        if body.get(name) is not None and not isinstance(body.get(name), bool):
            raise ValidationFailed({name: "must be true or false"})
    if body.get("metadata") is not None and not (isinstance(body["metadata"], dict) and all(
            isinstance(v, str) for v in body["metadata"].values())):
        raise ValidationFailed({"metadata": "must be an object of text values"})
    if body.get("truncation") not in (None, "disabled", "auto"):
        raise ValidationFailed({"truncation": "must be disabled or auto"})


# ---- input -> chat messages -------------------------------------------------------------------------

def input_messages(raw):
    """The request's `input` (text or items) as OpenAI chat messages."""
    if isinstance(raw, str):
        if not raw:
            raise ValidationFailed({"input": "must not be empty"})
        return [{"role": "user", "content": raw}]
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed({"input": "must be text or a non-empty list of items"})
    messages = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationFailed({f"input[{i}]": "must be an object"})
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            messages.append(_message(item, i))
        elif kind == "function_call":
            _function_call(messages, item, i)
        elif kind == "function_call_output":
            messages.append(_function_output(item, i))
        elif kind == "reasoning":
            continue  # a previous turn's reasoning summary: the chat upstreams have no place for it
        else:
            _refuse(f"input[{i}].type", f"the item type {kind!r} cannot be translated (message, function_call "
                                        "and function_call_output can)")
    return messages


def _message(item, i):
    role = item.get("role")
    if role not in MESSAGE_ROLES:
        raise ValidationFailed({f"input[{i}].role": f"must be one of {', '.join(MESSAGE_ROLES)}"})
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise ValidationFailed({f"input[{i}].content": "must be text or a list of content parts"})
    parts = [_part(part, f"input[{i}].content[{j}]") for j, part in enumerate(content)]
    if role != "user" and all(p["type"] == "text" for p in parts):
        return {"role": role, "content": "".join(p["text"] for p in parts)}
    return {"role": role, "content": parts}


def _part(part, where):
    """One Responses content part as a chat content part."""
    if not isinstance(part, dict):
        raise ValidationFailed({where: "must be an object"})
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        if not isinstance(part.get("text"), str):
            raise ValidationFailed({f"{where}.text": "must be text"})
        return {"type": "text", "text": part["text"]}
    if kind == "input_image":
        if not isinstance(part.get("image_url"), str):
            _refuse(f"{where}.image_url", "images are taken as image_url (a URL or data URL); file_id is not")
        image = {"url": part["image_url"]}
        if part.get("detail") in ("low", "high", "auto"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        if not isinstance(part.get("file_data"), str):
            _refuse(f"{where}.file_data", "files are taken inline as file_data; file_id and file_url are not")
        return {"type": "file", "file": {k: part[k] for k in ("file_data", "filename") if part.get(k)}}
    _refuse(f"{where}.type", f"the content part type {kind!r} cannot be translated")


def _function_call(messages, item, i):
    """An earlier call of the model: joins the assistant message before it, or starts one."""
    for name in ("call_id", "name", "arguments"):
        if not isinstance(item.get(name), str):
            raise ValidationFailed({f"input[{i}].{name}": "must be text"})
    call = {"id": item["call_id"], "type": "function",
            "function": {"name": item["name"], "arguments": item["arguments"]}}
    last = messages[-1] if messages else None
    if last is not None and last["role"] == "assistant" and isinstance(last.get("content"), (str, type(None))):
        last.setdefault("tool_calls", []).append(call)
        if last.get("content") == "":
            last["content"] = None
    else:
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _function_output(item, i):
    if not isinstance(item.get("call_id"), str):
        raise ValidationFailed({f"input[{i}].call_id": "must be text"})
    output = item.get("output")
    if isinstance(output, list):  # output parts: the text of them
        output = "".join(p.get("text", "") for p in output if isinstance(p, dict))
    if not isinstance(output, str):
        raise ValidationFailed({f"input[{i}].output": "must be text"})
    return {"role": "tool", "tool_call_id": item["call_id"], "content": output}


# ---- tools, tool_choice, text.format, reasoning ---------------------------------------------------------

def chat_request(body):
    """The chat fields (OpenAI names) this request asks for, beyond model and messages."""
    out = {RENAMED[k]: v for k, v in body.items() if k in RENAMED and v is not None}
    tools = body.get("tools")
    if tools:
        if not isinstance(tools, list):
            raise ValidationFailed({"tools": "must be a list"})
        out["tools"] = [_tool(tool, i) for i, tool in enumerate(tools)]
    choice = body.get("tool_choice")
    if choice is not None:
        out["tool_choice"] = _tool_choice(choice)
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if body.get("text") is not None and not isinstance(body.get("text"), dict):
        raise ValidationFailed({"text": "must be an object"})
    if isinstance(fmt, dict) and fmt.get("type") not in (None, "text"):
        out["response_format"] = _format(fmt)
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort"):
        out["reasoning_effort"] = reasoning["effort"]
    return out


def _tool(tool, i):
    if not isinstance(tool, dict):
        raise ValidationFailed({f"tools[{i}]": "must be an object"})
    if tool.get("type") != "function":
        _refuse(f"tools[{i}].type", f"the built-in tool {tool.get('type')!r} is not available through this "
                                    "gateway; only function tools are")
    if not isinstance(tool.get("name"), str) or not tool["name"]:
        raise ValidationFailed({f"tools[{i}].name": "is required"})
    function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
    return {"type": "function", "function": function}


def _tool_choice(choice):
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    _refuse("tool_choice", "only auto, none, required or {type: function, name} can be translated")


def _format(fmt):
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    if fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    _refuse("text.format.type", f"{fmt.get('type')!r} cannot be translated")


# ---- the reply as a Response ------------------------------------------------------------------------

def output_items(text, tool_calls):
    """The output items of a reply: a message (when there is text), then one function_call per call."""
    items = []
    if text or not tool_calls:
        items.append(message_item(text or ""))
    for call in tool_calls or []:
        fn = call.get("function") or {}
        items.append(function_item(call.get("id") or new_id("call"), fn.get("name") or "", fn.get("arguments") or ""))
    return items


def message_item(text, item_id=None, status="completed"):
    return {"type": "message", "id": item_id or new_id("msg"), "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def function_item(call_id, name, arguments, item_id=None, status="completed"):
    return {"type": "function_call", "id": item_id or new_id("fc"), "call_id": call_id, "name": name,
            "arguments": arguments, "status": status}


def usage(counts):
    """Responses usage from our counts; None when the upstream reported none (usage is never invented)."""
    prompt, completion = counts.get("prompt_tokens"), counts.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    total = prompt + completion if prompt is not None and completion is not None else None
    return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": counts.get("cached_tokens") or 0},
            "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": total}


def response(response_id, body, status="in_progress", output=(), usage_counts=None, created_at=None,
             finish_reason=None):
    """A Response object: what was asked (echoed), its status, output items and usage."""
    incomplete = {"reason": "max_output_tokens"} if finish_reason == "length" else None
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    return {
        "id": response_id, "object": "response", "created_at": created_at or int(time.time()),
        "status": "incomplete" if incomplete and status == "completed" else status,
        "error": None, "incomplete_details": incomplete, "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "model": body.get("model"), "output": list(output),
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"), "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True), "temperature": body.get("temperature"),
        "text": {"format": fmt or {"type": "text"}}, "tool_choice": body.get("tool_choice") or "auto",
        "tools": list(body.get("tools") or []), "top_p": body.get("top_p"),
        "truncation": body.get("truncation") or "disabled", "usage": usage(usage_counts) if usage_counts else None,
        "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def conversation_after(messages, output):
    """The chat messages of a finished turn: its conversation (no instructions) plus the reply as messages."""
    kept = list(messages)
    text = "".join(part["text"] for item in output if item["type"] == "message" for part in item["content"])
    calls = [{"id": item["call_id"], "type": "function", "function": {"name": item["name"],
                                                                        "arguments": item["arguments"]}}
             for item in output if item["type"] == "function_call"]
    reply = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        reply["tool_calls"] = calls
    return kept + [reply]
