"""OpenAI-format requests in Anthropic Messages terms: system, turns of blocks, tools, tool choice, stop, user."""

from webui.providers import openai_parts as parts

TOOL_CHOICE = {"auto": {"type": "auto"}, "none": {"type": "none"}, "required": {"type": "any"}}


def conversation(messages, refuse):
    """(system text or None, messages): alternating turns; tool results go first in one user turn (§10.4)."""
    system, turns = [], []
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role in ("system", "developer"):
            system.append(parts.text_of(content))
            continue
        if role == "tool":
            role, blocks = "user", [{"type": "tool_result", "tool_use_id": m.get("tool_call_id"),
                                     "content": parts.text_of(content)}]
        else:
            blocks = _blocks(content, i, refuse)
            if role == "assistant":
                blocks += [{"type": "tool_use", "id": c.get("id"), "name": (c.get("function") or {}).get("name"),
                            "input": parts.arguments(c)} for c in m.get("tool_calls") or () if isinstance(c, dict)]
            role = "assistant" if role == "assistant" else "user"
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    return ("\n\n".join(system) if system else None), [_turn(role, blocks) for role, blocks in turns]


def _blocks(content, index, refuse):
    """Content blocks of one user or assistant message."""
    if content is None or isinstance(content, str):
        return [{"type": "text", "text": content or ""}]
    out = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            out.append({"type": "text", "text": part.get("text") or ""})
        elif kind == "image_url":
            url = parts.image_url(part)
            inline = parts.data_url(url)
            if inline:
                out.append({"type": "image", "source": {"type": "base64", "media_type": inline[0], "data": inline[1]}})
            elif isinstance(url, str) and url.startswith(("https://", "http://")):
                out.append({"type": "image", "source": {"type": "url", "url": url}})
            else:
                refuse(f"messages[{index}].content", "is an image URL that is neither data: nor http(s)")
        else:
            refuse(f"messages[{index}].content", f"has a '{kind}' part, which is not supported")
    return out


def _turn(role, blocks):
    """A message; text-only turns stay one string (their texts joined by blank lines), as plain chats always were."""
    if all(b["type"] == "text" for b in blocks):
        return {"role": role, "content": "\n\n".join(b["text"] for b in blocks)}
    # Tool results must open the user turn; empty text blocks are refused by the API.
    blocks = sorted((b for b in blocks if b["type"] != "text" or b["text"]), key=lambda b: b["type"] != "tool_result")
    return {"role": role, "content": blocks}


def options(fields, refuse):
    """Body fields for the caller's parameters (already checked against the table)."""
    out = {}
    if "stop" in fields:
        out["stop_sequences"] = parts.stop_list(fields["stop"])
    if "top_k" in fields:
        out["top_k"] = fields["top_k"]
    if "user" in fields:
        out["metadata"] = {"user_id": str(fields["user"])}
    if (fields.get("response_format") or {}).get("type") == "json_schema":
        refuse("response_format", "json_schema is not supported")
    if "tools" in fields:
        functions = parts.functions(fields["tools"])
        if functions is None:
            refuse("tools", "only function tools are supported")
        else:
            out["tools"] = [{k: v for k, v in (("name", f.get("name")), ("description", f.get("description")),
                                               ("input_schema", f.get("parameters") or parts.SCHEMALESS)) if v}
                            for f in functions]
    choice = fields.get("tool_choice")
    if choice is not None:
        forced = parts.chosen_function(choice)
        out["tool_choice"] = {"type": "tool", "name": forced} if forced else dict(TOOL_CHOICE.get(choice) or {})
        if not out["tool_choice"]:
            refuse("tool_choice", f"'{choice}' is not supported")
            del out["tool_choice"]
    if fields.get("parallel_tool_calls") is False:
        chosen = out.setdefault("tool_choice", {"type": "auto"})
        if chosen["type"] != "none":
            chosen["disable_parallel_tool_use"] = True
    return out


def tool_calls(content):
    """OpenAI tool calls from a reply's tool_use blocks."""
    return [parts.openai_call(b.get("id"), b.get("name"), b.get("input")) for b in content
            if isinstance(b, dict) and b.get("type") == "tool_use"]
