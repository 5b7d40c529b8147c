"""A Messages API request in Chat Completions terms: the messages, tuning and fields the adapters already take."""

import json
from dataclasses import dataclass

from webui.errors import UntranslatableField, ValidationFailed

TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}
CUSTOM_TOOL_TYPES = (None, "custom")
SAMPLING = ("temperature", "top_p", "top_k")
PAST_THINKING = ("thinking", "redacted_thinking")
EFFORTS = ("low", "medium", "high")  # output_config.effort values reasoning_effort has too
# Values that ask for nothing a translated upstream would not do anyway.
HARMLESS = {"service_tier": ("auto",), "speed": ("standard",), "cache_control": None}
HANDLED = ("model", "messages", "system", "max_tokens", "stop_sequences", "stream", "tools", "tool_choice",
           "metadata", "thinking", "output_config", *HARMLESS, *SAMPLING)


@dataclass
class Translated:
    """(messages, tuning, request): what ChatService.plan_completion takes for the same call on the OpenAI face."""

    messages: list
    tuning: dict
    request: dict


def check(body):
    """The frame every path needs (model, messages, max_tokens, stream), as field errors."""
    errors = {}
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        errors["messages"] = "must be a non-empty list of messages"
    tokens = body.get("max_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        errors["max_tokens"] = "is required: a positive integer"
    if not isinstance(body.get("stream", False), bool):
        errors["stream"] = "must be true or false"
    if errors:
        raise ValidationFailed(errors)


def translate(body):
    """Translated for a checked request; UntranslatableField names the first field with no equivalent."""
    unknown = [name for name in body if name not in HANDLED]
    if unknown:
        raise UntranslatableField(unknown[0], "is not a field the translation knows")
    messages = _system(body.get("system"))
    for i, message in enumerate(body["messages"]):
        messages += _message(message, f"messages[{i}]")
    tuning = {name: body.get(name) for name in (*SAMPLING[:2], "max_tokens")}
    request = {name: body[name] for name in (*SAMPLING, "max_tokens") if body.get(name) is not None}
    if body.get("stop_sequences") is not None:
        request["stop"] = _strings(body["stop_sequences"], "stop_sequences")
    request.update(_tools(body.get("tools"), body.get("tool_choice")))
    request.update(_metadata(body.get("metadata")))
    request.update(_output_config(body.get("output_config")))
    thinking = body.get("thinking")
    if thinking is not None and (thinking.get("type") if isinstance(thinking, dict) else None) not in \
            ("disabled", "adaptive"):  # adaptive: the model decides, and not thinking is its decision
        raise UntranslatableField("thinking", "extended thinking has no faithful equivalent")
    for name, allowed in HARMLESS.items():
        if allowed and body.get(name) not in (None, *allowed):
            raise UntranslatableField(name, f"'{body[name]}' has no equivalent")
    return Translated(messages, tuning, request)


def _output_config(config):
    """output_config.format (a JSON schema) -> response_format; effort -> reasoning_effort."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ValidationFailed({"output_config": "must be an object"})
    out = {}
    for name in config:
        if name not in ("format", "effort"):
            raise UntranslatableField(f"output_config.{name}", "is not a field the translation knows")
    fmt = config.get("format")
    if fmt is not None:
        if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
            raise ValidationFailed({"output_config.format": "must be {type: json_schema, schema: {...}}"})
        out["response_format"] = {"type": "json_schema",
                                  "json_schema": {"name": "output", "schema": fmt["schema"], "strict": True}}
    effort = config.get("effort")
    if effort is not None:
        if effort not in EFFORTS:
            raise UntranslatableField("output_config.effort", f"'{effort}' has no equivalent (low, medium, high do)")
        out["reasoning_effort"] = effort
    return out


def _strings(value, name):
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationFailed({name: "must be a list of strings"})
    return value


def _system(system):
    if system is None:
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}] if system else []
    if not isinstance(system, list):
        raise ValidationFailed({"system": "must be a string or a list of text blocks"})
    texts = []
    for j, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
            raise UntranslatableField(f"system[{j}]", "only text blocks translate")
        texts.append(block["text"])
    return [{"role": "system", "content": "\n\n".join(texts)}] if texts else []


def _message(message, where):
    """One Messages turn -> one or more chat messages (a user turn's tool results become tool messages first)."""
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        raise ValidationFailed({f"{where}.role": "must be user or assistant"})
    role, content = message["role"], message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        raise ValidationFailed({f"{where}.content": "must be text or a list of content blocks"})
    return _assistant(content, where) if role == "assistant" else _user(content, where)


def _user(blocks, where):
    results, parts = [], []
    for j, block in enumerate(blocks):
        at, kind = f"{where}.content[{j}]", block.get("type")
        if kind == "tool_result":
            text, images = _result(block, at)
            results.append({"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": text})
            parts += images  # a tool message holds text only: its images follow in the user turn
        elif kind == "text":
            parts.append({"type": "text", "text": _text(block, at)})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block.get("source"), at)}})
        elif kind == "document":
            parts.append(_document(block, at))
        else:
            raise UntranslatableField(f"{at}.type", f"'{kind}' blocks have no equivalent")
    if not parts:
        return results
    if all(p["type"] == "text" for p in parts):
        return results + [{"role": "user", "content": "\n\n".join(p["text"] for p in parts)}]
    return results + [{"role": "user", "content": parts}]


def _assistant(blocks, where):
    texts, calls = [], []
    for j, block in enumerate(blocks):
        at, kind = f"{where}.content[{j}]", block.get("type")
        if kind == "text":
            texts.append(_text(block, at))
        elif kind == "tool_use":
            calls.append({"id": block.get("id"), "type": "function", "function": {
                "name": block.get("name"), "arguments": json.dumps(block.get("input") or {})}})
        elif kind in PAST_THINKING:
            continue  # an earlier turn's reasoning: chat-format APIs take none back
        else:
            raise UntranslatableField(f"{at}.type", f"'{kind}' blocks have no equivalent")
    message = {"role": "assistant", "content": "".join(texts) or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    return [message]


def _text(block, at):
    if not isinstance(block.get("text"), str):
        raise ValidationFailed({f"{at}.text": "must be a string"})
    return block["text"]


def _image_url(source, at):
    """A data: URL for base64 images, the URL itself for url images."""
    source = source if isinstance(source, dict) else {}
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        return f"data:{source.get('media_type') or 'application/octet-stream'};base64,{source['data']}"
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return source["url"]
    raise UntranslatableField(f"{at}.source", f"'{source.get('type')}' image sources have no equivalent")


def _document(block, at):
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    if source.get("type") == "base64" and source.get("media_type") == "application/pdf":
        return {"type": "file", "file": {"filename": block.get("title") or "document.pdf",
                                         "file_data": f"data:application/pdf;base64,{source.get('data') or ''}"}}
    if source.get("type") == "text" and isinstance(source.get("data"), str):
        return {"type": "text", "text": source["data"]}
    raise UntranslatableField(f"{at}.source", f"'{source.get('type')}' document sources have no equivalent")


def _result(block, at):
    """(text, image parts) of a tool result: text blocks joined, is_error said in words."""
    content, images = block.get("content"), []
    if isinstance(content, list):
        texts = []
        for k, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                texts.append(part.get("text") or "")
            elif kind == "image":
                images.append({"type": "image_url", "image_url": {"url": _image_url(part.get("source"),
                                                                                    f"{at}.content[{k}]")}})
            else:
                raise UntranslatableField(f"{at}.content[{k}]", "only text and images translate inside a tool result")
        content = "\n\n".join(texts)
    text = content if isinstance(content, str) else ""
    return (f"Error: {text}" if block.get("is_error") else text), images


def _tools(tools, choice):
    out = {}
    if tools is not None:
        if not isinstance(tools, list):
            raise ValidationFailed({"tools": "must be a list"})
        out["tools"] = []
        for i, tool in enumerate(tools):
            if not isinstance(tool, dict) or tool.get("type") not in CUSTOM_TOOL_TYPES:
                kind = tool.get("type") if isinstance(tool, dict) else None
                raise UntranslatableField(f"tools[{i}]", f"'{kind}' tools run at Anthropic and have no equivalent")
            if not isinstance(tool.get("name"), str) or not tool["name"]:
                raise ValidationFailed({f"tools[{i}].name": "is required"})
            function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
            if tool.get("description"):
                function["description"] = tool["description"]
            out["tools"].append({"type": "function", "function": function})
    if choice is not None:
        kind = choice.get("type") if isinstance(choice, dict) else None
        if kind == "tool":
            out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
        elif kind in TOOL_CHOICE:
            out["tool_choice"] = TOOL_CHOICE[kind]
        else:
            raise ValidationFailed({"tool_choice": "must be {type: auto|any|tool|none}"})
        if choice.get("disable_parallel_tool_use") and kind != "none":
            out["parallel_tool_calls"] = False
    return out


def _metadata(metadata):
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ValidationFailed({"metadata": "must be an object"})
    other = [k for k in metadata if k != "user_id"]
    if other:
        raise UntranslatableField(f"metadata.{other[0]}", "is not a metadata field the translation knows")
    return {"user": metadata["user_id"]} if metadata.get("user_id") is not None else {}
