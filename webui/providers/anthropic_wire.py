"""OpenAI-format requests in Anthropic Messages terms: system, turns of blocks, tools, tool choice, stop, user."""

from webui.providers import openai_parts as parts

TOOL_CHOICE = {"auto": {"type": "auto"}, "none": {"type": "none"}, "required": {"type": "any"}}
# reasoning_effort -> thinking.budget_tokens (Anthropic's minimum is 1024; "none" turns thinking off).
THINKING_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}


def conversation(messages, refuse):
    """(system text or None, messages): alternating turns; tool results go first in one user turn (§10.4)."""
    system, turns = [], []
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role in ("system", "developer"):
            system += _system_blocks(m)
            continue
        if role == "tool":
            role, blocks = "user", [_marked({"type": "tool_result", "tool_use_id": m.get("tool_call_id"),
                                             "content": parts.text_of(content)}, m.get("cache_control"))]
        else:
            blocks = _blocks(content, i, refuse, m.get("cache_control"))
            if role == "assistant":
                blocks += [{"type": "tool_use", "id": c.get("id"), "name": (c.get("function") or {}).get("name"),
                            "input": parts.arguments(c)} for c in m.get("tool_calls") or () if isinstance(c, dict)]
            role = "assistant" if role == "assistant" else "user"
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    if any("cache_control" in b for b in system):  # a cache mark needs the block form of the system prompt
        return [b for b in system if b["text"]], [_turn(role, blocks) for role, blocks in turns]
    text = "\n\n".join(b["text"] for b in system)
    return (text if system else None), [_turn(role, blocks) for role, blocks in turns]


def _system_blocks(message):
    """A system or developer message as text blocks, keeping `cache_control` marks (on parts or the message)."""
    content = message.get("content")
    found = [p for p in content if isinstance(p, dict) and p.get("type") == "text"] if isinstance(content, list) \
        else [{"text": parts.text_of(content)}]
    blocks = [_marked({"type": "text", "text": p.get("text") or ""}, p.get("cache_control")) for p in found]
    if blocks and message.get("cache_control"):
        blocks[-1] = _marked(blocks[-1], message["cache_control"])
    return blocks or [{"type": "text", "text": ""}]


def _marked(block, cache_control):
    """The block with the caller's `cache_control` (as LiteLLM takes it on OpenAI content parts), if any."""
    return dict(block, cache_control=cache_control) if isinstance(cache_control, dict) else block


def _blocks(content, index, refuse, cache_control=None):
    """Content blocks of one user or assistant message (a message-level `cache_control` marks its last block)."""
    if content is None or isinstance(content, str):
        return [_marked({"type": "text", "text": content or ""}, cache_control)]
    out = []
    for part in content:
        kind = part.get("type")
        mark = part.get("cache_control")
        if kind == "text":
            out.append(_marked({"type": "text", "text": part.get("text") or ""}, mark))
        elif kind == "file":
            inline = parts.file_data(part)
            if inline and inline[0] == "application/pdf":
                out.append(_marked({"type": "document", "source": {"type": "base64", "media_type": inline[0],
                                                                   "data": inline[1]}}, mark))
            else:
                refuse(f"messages[{index}].content", "has a file part that is not a PDF sent as file_data "
                                                     "(file ids and other types are not supported)")
        elif kind == "image_url":
            url = parts.image_url(part)
            inline = parts.data_url(url)
            if inline:
                out.append(_marked({"type": "image", "source": {"type": "base64", "media_type": inline[0],
                                                                "data": inline[1]}}, mark))
            elif isinstance(url, str) and url.startswith(("https://", "http://")):
                out.append(_marked({"type": "image", "source": {"type": "url", "url": url}}, mark))
            else:
                refuse(f"messages[{index}].content", "is an image URL that is neither data: nor http(s)")
        else:
            refuse(f"messages[{index}].content", f"has a '{kind}' part, which is not supported")
    if out and isinstance(cache_control, dict):
        out[-1] = _marked(out[-1], cache_control)
    return out


def _turn(role, blocks):
    """A message; text-only turns stay one string (their texts joined by blank lines), as plain chats always were."""
    if all(b["type"] == "text" and "cache_control" not in b for b in blocks):
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
    response_format = fields.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if isinstance(schema, dict):
            out["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        else:
            refuse("response_format", "json_schema without a schema object is not supported")
    if "tools" in fields:
        functions = parts.functions(fields["tools"])
        if functions is None:
            refuse("tools", "only function tools are supported")
        else:
            out["tools"] = [_marked({k: v for k, v in (("name", f.get("name")), ("description", f.get("description")),
                                                       ("input_schema", f.get("parameters") or parts.SCHEMALESS)) if v},
                                    tool.get("cache_control")) for f, tool in zip(functions, fields["tools"])]
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


def thinking(effort, refuse):
    """The `thinking` object for a reasoning_effort ({"type": "disabled"} for "none"), or None when refused."""
    if effort == "none":
        return {"type": "disabled"}
    if effort not in THINKING_BUDGET:
        refuse("reasoning_effort", f"'{effort}' is not one of none, {', '.join(THINKING_BUDGET)} and is not supported")
        return None
    return {"type": "enabled", "budget_tokens": THINKING_BUDGET[effort]}


def tool_calls(content):
    """OpenAI tool calls from a reply's tool_use blocks."""
    return [parts.openai_call(b.get("id"), b.get("name"), b.get("input")) for b in content
            if isinstance(b, dict) and b.get("type") == "tool_use"]
