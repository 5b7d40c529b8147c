"""What the Messages face does with each request field and content block: ONE table (docs/anthropic-face.md).

Toward an Anthropic profile everything is passed as sent (only `model` is replaced). Toward OpenAI-format,
Gemini and Ollama profiles each field is `translated` (the note says into what), `dropped` (a hint with no
meaning there; the note says why that loses nothing) or `refused` (a 400 naming the field).
"""

PASSED, TRANSLATED, DROPPED, REFUSED = "passed", "translated", "dropped", "refused"

FIELDS = {
    "model": (TRANSLATED, "a profile id, a profile name or `role:<id>`; replaced by the profile's model"),
    "messages": (TRANSLATED, "user/assistant turns -> chat messages; content blocks below"),
    "system": (TRANSLATED, "a string or text blocks -> one system message (blocks joined by blank lines)"),
    "max_tokens": (TRANSLATED, "max_tokens (required, as on Anthropic)"),
    "stop_sequences": (TRANSLATED, "stop"),
    "temperature": (TRANSLATED, "temperature"),
    "top_p": (TRANSLATED, "top_p"),
    "top_k": (TRANSLATED, "top_k (Gemini topK; an OpenAI-format server that does not know it answers 400)"),
    "stream": (TRANSLATED, "stream; the answer is re-framed as Anthropic's event sequence"),
    "tools": (TRANSLATED, "custom tools {name, description, input_schema} -> function tools; "
                          "server and client tool types (bash, web_search, ...) refused"),
    "tool_choice": (TRANSLATED, "auto/any/tool/none -> auto/required/function/none; "
                                "disable_parallel_tool_use -> parallel_tool_calls: false"),
    "metadata": (TRANSLATED, "metadata.user_id -> user (left out toward providers without `user`, such as "
                             "Gemini: it only attributes the call); other keys refused"),
    "output_config": (TRANSLATED, "format {type: json_schema, schema} -> response_format json_schema (strict); "
                                  "effort low/medium/high -> reasoning_effort (xhigh, max refused)"),
    "cache_control": (DROPPED, "automatic caching hint: OpenAI caches prompt prefixes by itself, Gemini implicitly"),
    "thinking": (REFUSED, "manual extended thinking has no faithful equivalent ({type: disabled} and "
                          "{type: adaptive}, where the model decides, are accepted)"),
    "service_tier": (REFUSED, "no equivalent (auto is accepted)"),
    "speed": (REFUSED, "no equivalent (standard is accepted)"),
    "container": (REFUSED, "Anthropic's code-execution containers only"),
    "mcp_servers": (REFUSED, "Anthropic's MCP connector only"),
    "context_management": (REFUSED, "Anthropic's context editing only"),
    "inference_geo, diagnostics, workspace_id, user_profile_id": (REFUSED, "Anthropic account settings only"),
    "*": (REFUSED, "unknown fields are refused"),
}

BLOCKS = {
    "text": (TRANSLATED, "a text part (an assistant's text -> its content)"),
    "image (base64)": (TRANSLATED, "an image_url part with a data: URL"),
    "image (url)": (TRANSLATED, "an image_url part with the URL (Gemini refuses URLs: send base64)"),
    "document (base64 PDF)": (TRANSLATED, "a file part {filename, file_data: data: URL}"),
    "document (plain text)": (TRANSLATED, "a text part"),
    "tool_use": (TRANSLATED, "an assistant tool call {id, function: {name, arguments: JSON text}}"),
    "tool_result": (TRANSLATED, "a tool message {tool_call_id, content} before the turn's other parts; "
                                "is_error -> the text prefixed 'Error: '; images inside follow as image parts "
                                "of the user turn (a tool message holds text only)"),
    "cache_control": (DROPPED, "a caching hint: OpenAI caches prompt prefixes by itself, Gemini implicitly; "
                               "cached-token usage is still reported"),
    "thinking, redacted_thinking": (DROPPED, "in an assistant turn of the history: that turn's own reasoning, which "
                                             "chat-format APIs do not take back (DeepSeek and OpenAI say not to send "
                                             "it)"),
    "*": (REFUSED, "other block types (server tool results, search results, files by id, ...)"),
}

# anthropic-beta header values passed to Anthropic profiles; others are left out and named in
# X-Triplo-Dropped-Betas (betas that act on the gateway's own Anthropic account, such as the Files API or
# code execution, are kept out on purpose).
BETAS = frozenset((
    "prompt-caching-2024-07-31", "extended-cache-ttl-2025-04-11", "pdfs-2024-09-25", "token-counting-2024-11-01",
    "token-efficient-tools-2025-02-19", "fine-grained-tool-streaming-2025-05-14", "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19", "context-1m-2025-08-07", "context-management-2025-06-27",
    "computer-use-2024-10-22", "computer-use-2025-01-24", "claude-code-20250219", "structured-outputs-2025-11-13",
))

REPLY = {
    "content": "reasoning_content / reasoning (DeepSeek, vLLM, OpenRouter) -> a thinking block with an empty "
               "signature; text -> a text block; tool calls -> tool_use blocks (arguments parsed back into `input`)",
    "stop_reason": "stop -> end_turn (stop_sequence when the upstream names the matched sequence, as vLLM does); "
                   "length -> max_tokens; tool_calls -> tool_use; content_filter -> refusal",
    "usage": "input_tokens = prompt tokens minus cache reads; output_tokens; cache_read_input_tokens from "
             "prompt_tokens_details.cached_tokens when reported; null when the upstream reported nothing",
    "model": "the name the caller asked for (the profile that answered: X-Triplo-Profile-Id, X-Triplo-Model)",
}


def mode(table, name):
    """(mode, note) of a field or block (unknown names fall under "*")."""
    return table.get(name) or table["*"]


def markdown():
    """The tables of docs/anthropic-face.md."""
    out = ["| request field | toward OpenAI-format, Gemini and Ollama profiles | how |", "|---|---|---|"]
    out += [f"| `{name}` | {m} | {note} |" for name, (m, note) in FIELDS.items()]
    out += ["", "| content block | toward OpenAI-format, Gemini and Ollama profiles | how |", "|---|---|---|"]
    out += [f"| `{name}` | {m} | {note} |" for name, (m, note) in BLOCKS.items()]
    out += ["", "| reply field (translated replies) | how |", "|---|---|"]
    out += [f"| `{name}` | {note} |" for name, note in REPLY.items()]
    out += ["", "Allowed `anthropic-beta` values (toward Anthropic profiles): "
            + ", ".join(f"`{b}`" for b in sorted(BETAS)) + "."]
    return "\n".join(out) + "\n"
