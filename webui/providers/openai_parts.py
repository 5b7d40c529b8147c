"""OpenAI-format request pieces (content parts, images, files, tool calls, stop) for the adapters that translate or
trim them."""

import json

SCHEMALESS = {"type": "object", "properties": {}}


def text_of(content):
    """A message's text: the string, or its text parts joined (None -> "")."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def data_url(url):
    """(media type, base64 data) of a data: URL, or None for anything else."""
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        return None
    head, data = url[5:].split(";base64,", 1)
    return head or "application/octet-stream", data


def file_data(part):
    """(media type, base64 data) of a `file` part's `file_data` (a data: URL, or bare base64 read as a PDF by its
    filename), or None (a `file_id` names an upload elsewhere, which cannot be sent on)."""
    value = part.get("file") if isinstance(part.get("file"), dict) else {}
    raw = value.get("file_data")
    if not isinstance(raw, str) or not raw:
        return None
    inline = data_url(raw)
    if inline:
        return inline
    name = str(value.get("filename") or "").lower()
    return ("application/pdf" if name.endswith(".pdf") or not name else "application/octet-stream"), raw


def image_url(part):
    """The URL of an image_url part (the object form or a bare string)."""
    value = part.get("image_url")
    return value.get("url") if isinstance(value, dict) else value


def arguments(call):
    """A tool call's arguments as an object (OpenAI sends a JSON string; invalid or non-object -> {})."""
    raw = (call.get("function") or {}).get("arguments")
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def tool_names(messages):
    """{tool_call_id: function name} over the assistant messages (tool results name their call by id only)."""
    return {c.get("id"): (c.get("function") or {}).get("name") for m in messages if m.get("role") == "assistant"
            for c in m.get("tool_calls") or () if isinstance(c, dict)}


def stop_list(stop):
    """`stop` as a list of strings."""
    return [stop] if isinstance(stop, str) else [s for s in stop or () if isinstance(s, str)]


def functions(tools):
    """The `function` objects of OpenAI tools; None when one is of another type (the caller refuses it)."""
    out = []
    for tool in tools or ():
        if not isinstance(tool, dict) or tool.get("type", "function") != "function" or \
                not isinstance(tool.get("function"), dict):
            return None
        out.append(tool["function"])
    return out


def chosen_function(tool_choice):
    """The function name a `{"type": "function", "function": {"name"}}` tool_choice forces, else None."""
    if isinstance(tool_choice, dict):
        return (tool_choice.get("function") or {}).get("name")
    return None


def openai_call(call_id, name, args):
    """One OpenAI tool call (arguments as a JSON string)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args or {})}}


def plain_server_body(body, profile):
    """A body for servers that know only the classic Chat Completions fields (llama.cpp, LM Studio, vLLM, Ollama /v1):
    `max_completion_tokens` goes as `max_tokens` (llama.cpp ignores the newer name) and `developer` messages go as
    `system` (llama.cpp's templates know no other), unless the profile's options say `developer_role: true`."""
    body = dict(body)
    if "max_completion_tokens" in body:
        body["max_tokens"] = body.pop("max_completion_tokens")
    if not ((profile or {}).get("options") or {}).get("developer_role"):
        body["messages"] = [dict(m, role="system") if isinstance(m, dict) and m.get("role") == "developer" else m
                            for m in body.get("messages") or ()]
    return body


def without_cache_marks(message):
    """A message without `cache_control` on itself or its content parts."""
    if not isinstance(message, dict):
        return message
    out = {k: v for k, v in message.items() if k != "cache_control"}
    if isinstance(out.get("content"), list):
        out["content"] = [{k: v for k, v in p.items() if k != "cache_control"} if isinstance(p, dict) else p
                          for p in out["content"]]
    return out
