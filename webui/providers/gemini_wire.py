"""OpenAI-format requests in Gemini generateContent terms: contents and parts, functions, tool config, stop, schema."""

import json
import uuid

from webui.providers import openai_parts as parts

MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}
# reasoning_effort -> thinkingConfig.thinkingBudget (tokens; 0 turns thinking off where the model allows it).
THINKING_BUDGET = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}


def conversation(messages, refuse):
    """(systemInstruction or None, contents): user/model turns; a call's result is a functionResponse (§10.4)."""
    system, turns = [], []
    names = parts.tool_names(messages)
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role in ("system", "developer"):
            system.append(parts.text_of(content))
            continue
        if role == "tool":
            name = names.get(m.get("tool_call_id")) or m.get("name") or "tool"
            found = [{"functionResponse": {"name": name, "response": tool_response(parts.text_of(content))}}]
            role = "user"
        else:
            found = _parts(content, i, refuse)
            if role == "assistant":
                found += [{"functionCall": {"name": (c.get("function") or {}).get("name"), "args": parts.arguments(c)}}
                          for c in m.get("tool_calls") or () if isinstance(c, dict)]
            role = "model" if role == "assistant" else "user"
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(found)
        else:
            turns.append((role, found))
    instruction = {"parts": [{"text": "\n\n".join(system)}]} if system else None
    return instruction, [_content(role, found) for role, found in turns]


def _parts(content, index, refuse):
    if content is None or isinstance(content, str):
        return [{"text": content or ""}]
    out = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            out.append({"text": part.get("text") or ""})
        elif kind == "file":
            inline = parts.file_data(part)
            if inline:
                out.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
            else:
                refuse(f"messages[{index}].content", "has a file part without file_data (a data: URL or base64); "
                                                     "file ids are not supported")
        elif kind == "image_url":
            inline = parts.data_url(parts.image_url(part))
            if inline:
                out.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
            else:  # fetching a URL on the caller's behalf is not this gateway's job
                refuse(f"messages[{index}].content", "has an image URL; send it as a data: URL, since it is not "
                                                     "fetched for Gemini and is not supported")
        else:
            refuse(f"messages[{index}].content", f"has a '{kind}' part, which is not supported")
    return out


def _content(role, found):
    """One content; text-only turns keep one text part (texts joined by blank lines), as plain chats always were."""
    if all(set(p) == {"text"} for p in found):
        return {"role": role, "parts": [{"text": "\n\n".join(p["text"] for p in found)}]}
    return {"role": role, "parts": [p for p in found if set(p) != {"text"} or p["text"]]}


def options(fields, refuse):
    """({generationConfig additions}, {top-level additions}) for the caller's parameters."""
    config, top = {}, {}
    if "stop" in fields:
        config["stopSequences"] = parts.stop_list(fields["stop"])
    if "seed" in fields:
        config["seed"] = fields["seed"]
    if "top_k" in fields:
        config["topK"] = fields["top_k"]
    response_format = fields.get("response_format") or {}
    if response_format.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema:
            config["responseJsonSchema"] = schema  # JSON Schema as sent; responseSchema wants an OpenAPI subset
    effort = fields.get("reasoning_effort")
    if effort is not None:
        if effort in THINKING_BUDGET:
            config["thinkingConfig"] = {"thinkingBudget": THINKING_BUDGET[effort], "includeThoughts": effort != "none"}
        else:
            refuse("reasoning_effort", f"'{effort}' is not one of {', '.join(THINKING_BUDGET)} and is not supported")
    if "tools" in fields:
        functions = parts.functions(fields["tools"])
        if functions is None:
            refuse("tools", "only function tools are supported")
        else:
            top["tools"] = [{"functionDeclarations": [
                {k: v for k, v in (("name", f.get("name")), ("description", f.get("description")),
                                   ("parametersJsonSchema", f.get("parameters"))) if v} for f in functions]}]
    choice = fields.get("tool_choice")
    if choice is not None:
        forced = parts.chosen_function(choice)
        calling = {"mode": "ANY", "allowedFunctionNames": [forced]} if forced else (
            {"mode": MODES[choice]} if choice in MODES else None)
        if calling is None:
            refuse("tool_choice", f"'{choice}' is not supported")
        else:
            top["toolConfig"] = {"functionCallingConfig": calling}
    return config, top


def tool_response(text):
    """A tool's result as Gemini's functionResponse.response object: a JSON object as itself, anything else
    (text, a number, a list) under "result"."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"result": text}
    return value if isinstance(value, dict) else {"result": value}


def tool_calls(found):
    """OpenAI tool calls from a candidate's functionCall parts. Gemini's own id when it sends one, else a fresh
    random id: unique across the conversation, so a result finds its call (and its name) by id, never by place."""
    calls = [p["functionCall"] for p in found if isinstance(p, dict) and isinstance(p.get("functionCall"), dict)]
    return [parts.openai_call(c.get("id") or f"call_{uuid.uuid4().hex[:24]}", c.get("name"), c.get("args"))
            for c in calls]
