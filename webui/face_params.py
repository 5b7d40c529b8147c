"""What each gateway face does with its request fields: for Chat Completions ONE table per adapter (SPEC §5.1),
for the other faces one table each; FACES registers them by face.

`passed`: sent under the same name, unchanged; `translated`: sent in the provider's own words;
`refused`: a 400 naming the parameter and the provider, unless the profile sets
`options.drop_unsupported: true` (then it is left out); `dropped`: accepted and left out, because it asks
nothing of the model (Gemini's `user`, as other gateways do). docs/faces/*.md (one page per face) and their index
docs/openai-face-parameters.md are made from these tables (scripts/face_params_doc.py; a unit test checks
that they agree).
"""

from typing import Callable, NamedTuple

PASSED, TRANSLATED, REFUSED, DROPPED = "passed", "translated", "refused", "dropped"

# The request's frame: every adapter builds these itself (model, messages, streaming).
FRAME = ("model", "messages", "stream", "stream_options")

# Values that ask for nothing beyond the default, so a provider without the parameter honours them anyway.
HARMLESS = {"n": (1,), "logprobs": (False,), "parallel_tool_calls": (True,), "presence_penalty": (0,),
            "frequency_penalty": (0,), "logit_bias": ({},)}

# The Chat Completions request parameters the document lists (any other name is an unknown extra field, "*").
KNOWN = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty",
         "stop", "seed", "n", "tools", "tool_choice", "parallel_tool_calls", "response_format", "logprobs",
         "top_logprobs", "logit_bias", "user", "reasoning_effort", "top_k", "*")

OPENAI = {name: (PASSED, "") for name in KNOWN}
OPENAI["*"] = (PASSED, "unknown extra fields are sent as they came")

# Servers that know the classic fields only (llama.cpp, LM Studio, vLLM, Ollama /v1); Azure deployments as OpenAI.
CUSTOM = dict(OPENAI, max_completion_tokens=(TRANSLATED, "max_tokens (Azure: passed)"))

ANTHROPIC = {
    "temperature": (PASSED, ""),
    "top_p": (PASSED, ""),
    "top_k": (PASSED, ""),
    "max_tokens": (TRANSLATED, "max_tokens (required there; 1024 when neither the request nor the profile sets it)"),
    "max_completion_tokens": (TRANSLATED, "max_tokens"),
    "stop": (TRANSLATED, "stop_sequences"),
    "tools": (TRANSLATED, "tools[] {name, description, input_schema}"),
    "tool_choice": (TRANSLATED, "auto/none/required/function -> {type: auto|none|any|tool}"),
    "parallel_tool_calls": (TRANSLATED, "false -> tool_choice.disable_parallel_tool_use"),
    "response_format": (TRANSLATED, "json_object -> a system instruction; json_schema -> output_config.format"),
    "user": (TRANSLATED, "metadata.user_id"),
    "presence_penalty": (REFUSED, "no such parameter (0 is accepted)"),
    "frequency_penalty": (REFUSED, "no such parameter (0 is accepted)"),
    "seed": (REFUSED, "no such parameter"),
    "n": (REFUSED, "one reply per request (n=1 is accepted)"),
    "logprobs": (REFUSED, "no log probabilities (false is accepted)"),
    "top_logprobs": (REFUSED, "no log probabilities"),
    "logit_bias": (REFUSED, "no such parameter"),
    "reasoning_effort": (TRANSLATED, "thinking: none -> disabled; minimal/low/medium/high -> budget_tokens "
                                     "1024/2048/8192/24576, added to max_tokens"),
    "*": (REFUSED, "unknown fields are refused"),
}

GEMINI = {
    "temperature": (TRANSLATED, "generationConfig.temperature"),
    "top_p": (TRANSLATED, "generationConfig.topP"),
    "top_k": (TRANSLATED, "generationConfig.topK"),
    "max_tokens": (TRANSLATED, "generationConfig.maxOutputTokens"),
    "max_completion_tokens": (TRANSLATED, "generationConfig.maxOutputTokens"),
    "presence_penalty": (TRANSLATED, "generationConfig.presencePenalty"),
    "frequency_penalty": (TRANSLATED, "generationConfig.frequencyPenalty"),
    "stop": (TRANSLATED, "generationConfig.stopSequences"),
    "seed": (TRANSLATED, "generationConfig.seed"),
    "tools": (TRANSLATED, "tools[0].functionDeclarations[] {name, description, parametersJsonSchema}"),
    "tool_choice": (TRANSLATED, "toolConfig.functionCallingConfig {mode: AUTO|NONE|ANY, allowedFunctionNames}"),
    "parallel_tool_calls": (TRANSLATED, "false -> only the first call is kept"),
    "response_format": (TRANSLATED, "json_object -> responseMimeType; json_schema -> responseMimeType + "
                                    "responseJsonSchema"),
    "n": (REFUSED, "one reply per request (n=1 is accepted)"),
    "logprobs": (REFUSED, "not translated (false is accepted)"),
    "top_logprobs": (REFUSED, "not translated"),
    "logit_bias": (REFUSED, "no such parameter"),
    "user": (DROPPED, "no such field; left out"),
    "reasoning_effort": (TRANSLATED, "generationConfig.thinkingConfig: none/minimal/low/medium/high -> thinkingBudget "
                                     "0/512/1024/8192/24576, includeThoughts"),
    "*": (REFUSED, "unknown fields are refused"),
}

OLLAMA = {
    "temperature": (TRANSLATED, "options.temperature"),
    "top_p": (TRANSLATED, "options.top_p"),
    "top_k": (TRANSLATED, "options.top_k"),
    "max_tokens": (TRANSLATED, "options.num_predict"),
    "max_completion_tokens": (TRANSLATED, "options.num_predict"),
    "presence_penalty": (TRANSLATED, "options.presence_penalty"),
    "frequency_penalty": (TRANSLATED, "options.frequency_penalty"),
    "stop": (TRANSLATED, "options.stop"),
    "seed": (TRANSLATED, "options.seed"),
    "response_format": (TRANSLATED, "json_object -> format: json; json_schema -> format: <schema>"),
    "tools": (REFUSED, "not translated to Ollama's native tools yet"),
    "tool_choice": (REFUSED, "no such parameter"),
    "parallel_tool_calls": (REFUSED, "no such parameter (true is accepted)"),
    "n": (REFUSED, "one reply per request (n=1 is accepted)"),
    "logprobs": (REFUSED, "not translated (false is accepted)"),
    "top_logprobs": (REFUSED, "not translated"),
    "logit_bias": (REFUSED, "no such parameter"),
    "user": (REFUSED, "no such parameter"),
    "reasoning_effort": (REFUSED, "not translated"),
    "*": (REFUSED, "unknown fields are refused"),
}

TABLES = {"open_ai": OPENAI, "open_router": OPENAI, "custom": CUSTOM, "anthropic": ANTHROPIC, "gemini": GEMINI,
          "ollama": OLLAMA}


def mode(provider, name):
    """(mode, note) of one parameter for one provider (unknown names fall under "*")."""
    table = TABLES[provider]
    return table.get(name) or table["*"]


# ---- the other faces: one table each (field -> (mode, note)), and the registry of every face ----------------

HANDLED = "handled"  # the face does it itself (no upstream field)

# POST /v1/responses: each request field in Chat Completions terms (then as in the Chat Completions table).
RESPONSES = {
    "model": (HANDLED, "a profile id, a profile name or role:<id>, as on Chat Completions"),
    "input": (TRANSLATED, "text -> one user message; items -> messages: `message` (input_text, input_image as "
                          "image_url, input_file as file), `function_call` -> assistant tool_calls, "
                          "`function_call_output` -> a tool message; `reasoning` items are left out; other "
                          "item types refused"),
    "instructions": (TRANSLATED, "a system message before the conversation (not carried to the next response)"),
    "previous_response_id": (HANDLED, "the stored conversation of that response comes first (sessions.db)"),
    "store": (HANDLED, "false: the response is not kept (no GET, no previous_response_id)"),
    "stream": (HANDLED, "typed events: response.created ... response.completed, with sequence_number"),
    "metadata": (HANDLED, "kept on the stored response, not sent upstream"),
    "include": (HANDLED, "accepted; nothing extra is included"),
    "truncation": (HANDLED, "disabled or auto: the upstream's own context limit applies"),
    "temperature": (TRANSLATED, "temperature"),
    "top_p": (TRANSLATED, "top_p"),
    "max_output_tokens": (TRANSLATED, "max_tokens"),
    "parallel_tool_calls": (TRANSLATED, "parallel_tool_calls"),
    "seed": (TRANSLATED, "seed"),
    "top_logprobs": (TRANSLATED, "top_logprobs"),
    "user": (TRANSLATED, "user"),
    "safety_identifier": (TRANSLATED, "user"),
    "tools": (TRANSLATED, "function tools -> tools[] {type: function, function: {name, description, parameters, "
                          "strict}}; built-in tools (web_search, file_search, ...) refused"),
    "tool_choice": (TRANSLATED, "auto/none/required, {type: function, name} -> {type: function, function: {name}}"),
    "text": (TRANSLATED, "text.format json_object/json_schema -> response_format"),
    "reasoning": (TRANSLATED, "reasoning.effort -> reasoning_effort"),
    "background": (REFUSED, "background responses are not supported (false is accepted)"),
    "conversation": (REFUSED, "the Conversations API is not supported; use previous_response_id"),
    "prompt": (REFUSED, "stored prompt templates are not supported"),
    "max_tool_calls": (REFUSED, "not supported"),
    "service_tier": (REFUSED, "not supported"),
    "prompt_cache_key": (REFUSED, "not supported"),
    "stream_options": (REFUSED, "not supported"),
    "*": (REFUSED, "unknown fields are refused"),
}

# POST /v1/embeddings, per wire format (Anthropic has no embeddings: every field refused with the model).
EMBEDDING_COLUMNS = ("open_ai", "gemini", "ollama", "anthropic")
EMBEDDINGS = {
    "model": {"open_ai": (HANDLED, "the profile's model"), "gemini": (HANDLED, "models/{model}"),
              "ollama": (HANDLED, "the profile's model"), "anthropic": (REFUSED, "no embeddings endpoint")},
    "input": {"open_ai": (PASSED, "POST {base}/embeddings; text, texts or token lists"),
              "gemini": (TRANSLATED, "one text -> :embedContent; several -> :batchEmbedContents requests[]; "
                                     "token lists refused"),
              "ollama": (TRANSLATED, "POST /api/embed input[]; token lists refused"),
              "anthropic": (REFUSED, "no embeddings endpoint")},
    "dimensions": {"open_ai": (PASSED, ""), "gemini": (TRANSLATED, "outputDimensionality"),
                   "ollama": (PASSED, ""), "anthropic": (REFUSED, "no embeddings endpoint")},
    "encoding_format": {p: (HANDLED, "floats are asked for; base64 (the openai SDK's default) is made here "
                                     "from them") for p in EMBEDDING_COLUMNS},
    "user": {p: (HANDLED, "accepted, not sent") for p in EMBEDDING_COLUMNS},
    "*": {p: (REFUSED, "unknown fields are refused") for p in EMBEDDING_COLUMNS},
}

class Face(NamedTuple):
    """One face's table: its title, endpoint, column keys (provider ids) and rows(columns) -> [(field, cells)]."""

    title: str
    endpoint: str
    columns: tuple
    rows: Callable


# Every face by key; the page of a face is docs/faces/<key>.md. The Anthropic Messages face registers its own
# table here under "anthropic_messages" (scripts/face_params_doc.py then writes its page and lists it).
FACES = {
    "chat_completions": Face("Chat Completions", "POST /v1/chat/completions",
                             ("open_ai", "open_router", "custom", "anthropic", "gemini", "ollama"),
                             lambda columns: [(n, [mode(p, n) for p in columns]) for n in KNOWN]),
    "responses": Face("Responses", "POST /v1/responses, GET and DELETE /v1/responses/{id}", ("all",),
                      lambda columns: [(n, [RESPONSES[n]]) for n in RESPONSES]),
    "embeddings": Face("Embeddings", "POST /v1/embeddings", EMBEDDING_COLUMNS,
                       lambda columns: [(n, [EMBEDDINGS[n][p] for p in columns]) for n in EMBEDDINGS]),
}
