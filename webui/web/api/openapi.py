"""The OpenAPI 3.1 document of the whole JSON API, built from ONE route table (ROUTES)."""

import copy
import re
from dataclasses import dataclass, field

from webui.catalog import PARAMS, PROVIDERS


@dataclass(frozen=True)
class Route:
    """One documented operation; `surface` is the blueprint that serves it."""

    surface: str
    method: str
    path: str
    summary: str
    body: str | None = None          # request schema name (JSON body)
    ok: int = 200
    reply: str = "AnyObject"
    query: tuple = field(default_factory=tuple)
    body_required: bool = True


C, V, O, U, M = "api_config", "api_v1", "openai_face", "api_usage", "messages_face"
R, EM = "responses_face", "embeddings_face"  # OpenAI-shaped faces of their own
RESTART = ("restart",)
P = "/api/llm/profiles"
S = "/api/v1/sessions/{id}"



def _session_routes(prefix):
    """Session routes served under /api/v1 and, as SPEC §5 aliases, under the bare /sessions prefix."""
    alias = " (alias)" if not prefix else ""
    s = prefix + "/sessions/{id}"
    return (
        Route(V, "GET", s, "Session messages with metadata" + alias),
        Route(V, "POST", s + "/redraw", "Regenerate the last AI reply" + alias, "RedrawInput", reply="ChatReply"),
        Route(V, "POST", s + "/compare", "The same turn from 2-4 profiles in parallel, kept as alternatives" + alias,
              "CompareInput", reply="CompareReply"),
        Route(V, "POST", s + "/alternatives", "Choose which alternative reply is current" + alias, "AnyObject"),
        Route(V, "GET", s + "/character-profiles", "Session profile overrides per character" + alias),
        Route(V, "PUT", s + "/character-profiles/{character_id}", "Override a character's profile" + alias,
              "OverrideInput"),
        Route(V, "DELETE", s + "/character-profiles/{character_id}", "Reset a character's override" + alias),
    )


ROUTES = (
    Route(C, "GET", "/api/config", "Whole config, secrets masked, plus active_profile", reply="ConfigView"),
    Route(C, "POST", "/api/config", "Merge a partial or whole settings object (validated)", "ConfigPost",
          reply="ConfigView", query=RESTART),
    Route(C, "GET", "/api/status", "Desktop app state and the active profile summary", reply="Status"),
    Route(C, "GET", "/api/llm/providers", "Provider catalog: fields, defaults, limits, supported params",
          reply="Catalog"),
    Route(C, "GET", P, "Profiles in order", reply="ProfileList"),
    Route(C, "POST", P, "Create a profile", "ProfileInput", 201, "ProfileAnswer", RESTART),
    Route(C, "GET", P + "/{profile_id}", "One profile", reply="ProfileGet"),
    Route(C, "PUT", P + "/{profile_id}", "Replace a profile's fields (omitted secrets kept)", "ProfileInput",
          reply="ProfileAnswer", query=RESTART),
    Route(C, "PATCH", P + "/{profile_id}", "Change some fields of a profile", "ProfileInput",
          reply="ProfileAnswer", query=RESTART),
    Route(C, "DELETE", P + "/{profile_id}", "Delete a profile (the active one only with new_active_id)",
          "DeleteInput", reply="Deleted", query=("new_active_id", "restart"), body_required=False),
    Route(C, "POST", P + "/{profile_id}/duplicate", "Copy with a new id and a '… (copy)' name", "RevisionOnly",
          201, "ProfileAnswer", body_required=False),
    Route(C, "POST", P + "/reorder", "Reorder profiles", "Reorder", reply="ProfileList"),
    Route(C, "POST", "/api/llm/profile/activate", "Validate, activate, project, restart the desktop app",
          "Activate", reply="ProfileAnswer", query=RESTART),
    Route(C, "GET", "/api/llm/credentials", "Credentials, secrets masked", reply="Credentials"),
    Route(C, "PUT", "/api/llm/credentials/{credential_id}", "Set fields of a credential", "CredentialInput",
          reply="CredentialAnswer", query=RESTART),
    Route(C, "DELETE", "/api/llm/credentials/{credential_id}", "Remove a credential", "RevisionOnly",
          reply="Deleted", query=RESTART, body_required=False),
    Route(C, "GET", P + "/{profile_id}/models", "Model ids from the profile's provider (cached 5 min)",
          reply="Models", query=("refresh",)),
    Route(C, "POST", "/api/llm/models", "Model ids for unsaved form values", "ModelsForm", reply="Models",
          query=("refresh",)),
    Route(C, "POST", P + "/{profile_id}/test", "Tiny real request to the provider", "AnyObject",
          reply="TestResult", body_required=False),
    Route(C, "POST", "/api/llm/test", "Test connection for unsaved form values: server and model", "TestForm",
          reply="TestResult"),
    Route(C, "POST", "/api/llm/ollama/pull", "Start pulling a model on an Ollama server (background)", "PullInput",
          202, "PullStatus"),
    Route(C, "GET", "/api/llm/ollama/pull", "Progress of an Ollama pull", reply="PullStatus", query=("model", "url")),
    Route(C, "POST", "/api/llm/ollama/pull/cancel", "Cancel an Ollama pull", "PullInput", reply="PullStatus"),
    Route(C, "POST", "/api/restart", "Restart the desktop app", "AnyObject", reply="RestartAnswer",
          body_required=False),
    Route(C, "POST", "/api/local-llm/key", "New local-LLM sync key (shown once)", "LocalKeyInput",
          reply="LocalKeyAnswer", query=RESTART, body_required=False),
    Route(C, "POST", "/api/local-llm/models", "Model names from an Ollama or OpenAI-compatible URL",
          "LocalModelsInput", reply="LocalModelsAnswer", query=RESTART),
    Route(C, "GET", "/api/openapi.json", "This document", reply="AnyObject"),
    Route(V, "GET", "/api/v1/profiles", "Profiles (game-config field names accepted)"),
    Route(V, "POST", "/api/v1/profiles", "Replace all profiles", "AnyValue"),
    Route(V, "POST", "/api/v1/profiles/add", "Add one profile", "AnyObject", 201),
    Route(V, "DELETE", "/api/v1/profiles/{id}", "Delete one profile"),
    Route(V, "GET", "/api/v1/roles", "Roles"),
    Route(V, "PUT", "/api/v1/roles", "Replace roles", "AnyValue"),
    Route(V, "POST", "/api/v1/roles/import", "Import a role/game config (YAML or JSON)", "AnyValue"),
    Route(V, "GET", "/api/v1/export", "The game config as YAML (or JSON with format=json)", query=("format",)),
    Route(V, "GET", "/api/v1/sessions", "Chat sessions, most recently active first (q: search titles and messages)",
          reply="SessionList", query=("q", "limit")),
    Route(V, "POST", "/api/v1/sessions", "New chat session", "AnyObject", 201, "SessionCreated", body_required=False),
    *(r for prefix in ("/api/v1", "") for r in _session_routes(prefix)),
    Route(V, "POST", S + "/chat", "Chat with a role (SSE when stream is true)", "ChatInput", reply="ChatReply"),
    Route(V, "POST", S + "/stop", "Stop the session's streamed replies (what arrived is kept, marked stopped)"),
    Route(V, "PATCH", S, "Rename a session (null clears the title)", "SessionRename", reply="SessionSummary"),
    Route(V, "DELETE", S, "Delete a session with its messages", reply="SessionDeleted"),
    Route(V, "PATCH", S + "/messages/{message_id}", "Edit a message's text", "MessageEdit", reply="StoredMessage"),
    Route(V, "DELETE", S + "/messages/{message_id}", "Delete one message (with its alternatives); later ones stay",
          reply="MessageDeleted"),
    Route(V, "POST", S + "/messages/{message_id}/regenerate",
          "Regenerate from here: later messages go, the role answers again (SSE when stream is true)",
          "RegenerateInput", reply="ChatReply", body_required=False),
    Route(V, "GET", S + "/export", "The session as a JSON or Markdown download", reply="AnyObject",
          query=("format",)),
    Route(U, "GET", "/api/usage", "Calls, tokens and cost grouped by profile, role, session, day or API token",
          reply="Usage",
          query=("group_by", "since", "until")),
    Route(U, "GET", "/api/usage/calls", "The request log, newest first (JSON, or CSV with format=csv); never any text",
          reply="UsageCalls", query=("since", "until", "limit", "offset", "format")),
    Route(O, "GET", "/v1/models", "OpenAI-compatible model list (profiles and role:<id>)"),
    Route(O, "GET", "/v1/models/{model_id}", "One model of the OpenAI-compatible list"),
    Route(O, "POST", "/v1/chat/completions", "OpenAI-compatible chat completion", "ChatCompletionInput"),
    Route(R, "POST", "/v1/responses", "OpenAI Responses API over any profile (stream: typed events)", "ResponseInput"),
    Route(R, "GET", "/v1/responses/{response_id}", "A stored Response"),
    Route(R, "DELETE", "/v1/responses/{response_id}", "Forget a stored Response"),
    Route(EM, "POST", "/v1/embeddings", "Embeddings through a profile whose provider has them", "EmbeddingInput"),
    Route(M, "POST", "/v1/messages", "Anthropic Messages API: passed through to Anthropic profiles, translated for "
                                     "the others (docs/anthropic-face.md)", "MessagesInput"),
    Route(M, "POST", "/v1/messages/count_tokens", "Anthropic's token count (Anthropic profiles only)",
          "MessagesInput"),
)

_NULL_STR = {"type": ["string", "null"]}
_NUM = {"type": ["number", "null"]}
_INT = {"type": ["integer", "null"]}
_OBJ = {"type": "object", "additionalProperties": True}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_REV = {"type": "string", "description": "config revision (also the ETag header)"}
_SESSION = {"session_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "created_at": {"type": "string"},
            "updated_at": {"type": "string"}, "message_count": {"type": "integer"}}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props, required=(), extra=True):
    schema = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        schema["required"] = list(required)
    return schema


PROFILE_FIELDS = {
    "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
    "name": {"type": "string", "minLength": 1, "maxLength": 80},
    "provider": {"type": "string", "description": f"one of {', '.join(PROVIDERS)} (or an alias)"},
    "model": {"type": "string", "maxLength": 200},
    "credential_id": _NULL_STR, "api_key_ref": _NULL_STR, "base_url": _NULL_STR,
    **{name: _INT if meta["type"] == "integer" else _NUM for name, meta in PARAMS.items()},
    "options": _obj({"json_mode": {"type": "boolean"}, "stream": {"type": "boolean"}}),
    "extra_params": _OBJ,
    "fallback_profile_ids": _STRINGS,
    "pricing": {"type": ["object", "null"], "description": "USD per 1M tokens; null: the bundled price table",
                "properties": {"input_per_mtok": {"type": "number", "minimum": 0},
                               "output_per_mtok": {"type": "number", "minimum": 0},
                               "cache_read_per_mtok": {"type": ["number", "null"], "minimum": 0},
                               "cache_write_per_mtok": {"type": ["number", "null"], "minimum": 0}}},
    "budget": {"type": ["object", "null"], "description": "over it this month: fallbacks, or 429 budget_exceeded",
               "properties": {"monthly_usd": {"type": "number", "minimum": 0}}},
}
_USAGE_SUMS = {"requests": {"type": "integer"}, "prompt_tokens": {"type": "integer"},
               "completion_tokens": {"type": "integer"}, "cost_usd": _NUM, "cache_read_tokens": {"type": "integer"},
               "cache_write_tokens": {"type": "integer"},
               "tokens_unknown": {"type": "integer", "description": "calls whose server reported no token usage"}}
_SECRET_IN = {"type": ["string", "null"], "writeOnly": True, "description": "stored encrypted; omit to keep"}
_DESKTOP = _ref("DesktopOutcome")

SCHEMAS = {
    "AnyObject": _OBJ,
    "AnyValue": {"description": "any JSON value"},
    "Error": _obj({"error": {"type": "string"}, "message": {"type": "string"},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
                  ("error", "message")),
    "Masked": _obj({"set": {"type": "boolean"}, "hint": _NULL_STR, "needs_reentry": {"type": "boolean"}}, ("set",)),
    "DesktopOutcome": _obj({"result": {"type": "string", "enum": ["restarted", "failed", "skipped"]},
                            "pid": _INT, "message": {"type": "string"}}, ("result",)),
    "DesktopStatus": _obj({"state": {"type": "string"}, "pid": _INT, "uptime_seconds": _INT,
                           "message": {"type": "string"}}, ("state",)),
    "Profile": _obj({**PROFILE_FIELDS, "active": {"type": "boolean"}, "credential": _OBJ},
                    ("id", "name", "provider", "model")),
    "ProfileInput": _obj({**PROFILE_FIELDS, "provider_type": {"type": "string"}, "api_key": _SECRET_IN,
                          "token": _SECRET_IN, "url": _NULL_STR, "set_active": {"type": "boolean"},
                          "revision": _REV}),
    "ProfileAnswer": _obj({"profile": _ref("Profile"), "desktop": _DESKTOP, "revision": _REV},
                          ("profile", "revision")),
    "ProfileGet": _obj({"profile": _ref("Profile"), "revision": _REV}, ("profile",)),
    "ProfileList": _obj({"profiles": {"type": "array", "items": _ref("Profile")},
                         "active_llm_profile": _NULL_STR, "multi_provider_enabled": {"type": "boolean"},
                         "revision": {"type": ["string", "null"]}}, ("profiles",)),
    "ConfigView": _obj({"settings": _OBJ, "active_profile": {"oneOf": [_ref("Profile"), {"type": "null"}]},
                        "revision": {"type": ["string", "null"]}, "desktop": _DESKTOP}, ("settings",)),
    "ConfigPost": _obj({"settings": _OBJ, "revision": _REV}, ("settings",)),
    "Status": _obj({"desktop": _ref("DesktopStatus"), "active_profile": {"type": ["object", "null"]},
                    "revision": {"type": ["string", "null"]},
                    "read_only": {"type": ["object", "null"], "description": "set while the folder is read-only"}},
                   ("desktop", "active_profile")),
    "Catalog": _obj({"providers": {"type": "array", "items": _OBJ}}, ("providers",)),
    "Credentials": _obj({"credentials": {"type": "object", "additionalProperties": _OBJ},
                         "revision": {"type": ["string", "null"]}}, ("credentials",)),
    "CredentialInput": _obj({"api_key": _SECRET_IN, "token": _SECRET_IN, "url": _NULL_STR,
                             "models": _STRINGS, "provider": {"type": "string"}, "revision": _REV}),
    "CredentialAnswer": _obj({"credential_id": {"type": "string"}, "credential": _OBJ, "desktop": _DESKTOP,
                              "revision": _REV}, ("credential_id", "credential")),
    "Deleted": _obj({"deleted": {"type": "string"}, "desktop": _DESKTOP, "revision": _REV}, ("deleted",)),
    "DeleteInput": _obj({"new_active_id": {"type": "string"}, "revision": _REV}),
    "RevisionOnly": _obj({"revision": _REV}),
    "Reorder": _obj({"order": _STRINGS, "revision": _REV}, ("order",)),
    "Activate": _obj({"id": {"type": "string", "minLength": 1}, "revision": _REV}, ("id",)),
    "Models": _obj({"models": _STRINGS, "profile_id": {"type": "string"}}, ("models",)),
    "ModelsForm": _obj({"provider": {"type": "string"}, "base_url": _NULL_STR, "api_key": _SECRET_IN,
                        "url": _NULL_STR, "token": _SECRET_IN, "credential_id": _NULL_STR,
                        "refresh": {"type": "boolean"}}, ("provider",)),
    "PullInput": _obj({"model": {"type": "string"}, "url": _NULL_STR, "token": _SECRET_IN,
                       "credential_id": _NULL_STR}, ("model",)),
    "PullStatus": _obj({"url": {"type": "string"}, "model": {"type": "string"}, "state": {"type": "string"},
                        "status": _NULL_STR, "error": _NULL_STR, "total": {"type": "integer"},
                        "completed": {"type": "integer"}, "percent": _INT,
                        "layers": {"type": "array", "items": _OBJ}}, ("state",)),
    "TestForm": _obj({"provider": {"type": "string"}, "model": {"type": "string"}, "base_url": _NULL_STR,
                      "api_key": _SECRET_IN, "url": _NULL_STR, "token": _SECRET_IN, "credential_id": _NULL_STR,
                      "api_key_ref": _NULL_STR, "profile_id": _NULL_STR}, ("provider", "model")),
    "TestResult": _obj({"ok": {"type": "boolean"}, "latency_ms": {"type": "integer"}, "model": _NULL_STR,
                        "model_found": {"type": ["boolean", "null"]}, "checked": _NULL_STR,
                        "error": _NULL_STR}, ("ok", "latency_ms")),
    "RestartAnswer": _obj({"desktop": _DESKTOP}, ("desktop",)),
    "LocalKeyInput": _obj({"persist": {"type": "boolean"}, "revision": _REV}),
    "LocalKeyAnswer": _obj({"llm_key": {"type": "string", "pattern": r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$"},
                            "persisted": {"type": "boolean"}, "desktop": _DESKTOP,
                            "revision": {"type": ["string", "null"]}}, ("llm_key", "persisted")),
    "LocalModelsInput": _obj({"url": {"type": "string", "format": "uri"}, "persist": {"type": "boolean"},
                              "token": _SECRET_IN, "revision": _REV}, ("url",)),
    "LocalModelsAnswer": _obj({"models": _STRINGS, "persisted": {"type": "boolean"}, "desktop": _DESKTOP,
                               "revision": {"type": ["string", "null"]}}, ("models", "persisted")),
    "SessionCreated": _obj({"session_id": {"type": "string"}}, ("session_id",)),
    "ChatInput": _obj({"role_id": {"type": "string"},
                       "message": dict(_NULL_STR, description="left out: the role's own turn"),
                       "llm_profile_id": _NULL_STR, "stream": {"type": "boolean"}}, ("role_id",)),
    "CompareInput": _obj({"character_id": {"type": "string"},
                          "llm_profile_ids": {"type": "array", "items": {"type": "string"}, "minItems": 2,
                                              "maxItems": 4},
                          "message": _NULL_STR,
                          "stream": {"type": "boolean", "description": "true: SSE, `event: answer` as each profile "
                                     "ends, then `event: done` with the JSON answer"}},
                         ("character_id", "llm_profile_ids")),
    "CompareReply": _obj({"session_id": {"type": "string"}, "character_id": {"type": "string"},
                          "position": {"type": "integer"},
                          "results": {"type": "array", "items": _obj({"llm_profile_id": {"type": "string"},
                                                                      "ok": {"type": "boolean"}})}}),
    "SessionSummary": _obj(_SESSION, ("session_id", "message_count")),
    "SessionList": _obj({"sessions": {"type": "array", "items": _obj(dict(_SESSION, snippet=_NULL_STR),
                                                                     ("session_id",))}}, ("sessions",)),
    "SessionRename": _obj({"title": {"type": ["string", "null"], "maxLength": 200}}, ("title",)),
    "SessionDeleted": _obj({"deleted": {"type": "string"}}, ("deleted",)),
    "MessageEdit": _obj({"content": {"type": "string", "minLength": 1, "maxLength": 100000}}, ("content",)),
    "StoredMessage": _obj({"id": {"type": "string"}, "session_id": {"type": "string"}, "position": {"type": "integer"},
                           "role_id": _NULL_STR, "is_ai": {"type": "boolean"}, "content": {"type": "string"},
                           "metadata": _OBJ}, ("id", "content")),
    "MessageDeleted": _obj({"deleted": {"type": "string"}, "session_id": {"type": "string"},
                            "position": {"type": "integer"}}, ("deleted",)),
    "RegenerateInput": _obj({"role_id": dict(_NULL_STR, description="who answers a line someone said (default: "
                                                                    "the role it was said to)"),
                             "llm_profile_id": _NULL_STR, "stream": {"type": "boolean"}}),
    "RedrawInput": _obj({"character_id": {"type": "string"}, "llm_profile_id": _NULL_STR}, ("character_id",)),
    "OverrideInput": _obj({"llm_profile_id": {"type": "string"}}),
    "ChatReply": _obj({"content": {"type": "string"}, "role_id": {"type": "string"}, "is_ai": {"type": "boolean"},
                       "used_profile_id": {"type": "string"}, "metadata": _OBJ}),
    "Usage": _obj({"rows": {"type": "array", "items": _obj({"key": _NULL_STR, **_USAGE_SUMS}, ("key",))},
                   "totals": _obj(_USAGE_SUMS), "group_by": {"type": "string"}, "since": _NULL_STR,
                   "until": _NULL_STR}, ("rows", "totals")),
    "UsageCalls": _obj({"calls": {"type": "array", "items": _OBJ}, "total": {"type": "integer"},
                        "limit": {"type": "integer"}, "offset": {"type": "integer"}, "since": _NULL_STR,
                        "until": _NULL_STR}, ("calls", "total")),
    "OpenAIError": _obj({"error": _obj({"message": {"type": "string"}, "type": {"type": ["string", "null"]},
                                        "param": _NULL_STR, "code": _NULL_STR}, ("message",))}, ("error",)),
    "MessagesInput": _obj({"model": {"type": "string"}, "max_tokens": {"type": "integer", "minimum": 1},
                           "messages": {"type": "array", "items": _OBJ}, "stream": {"type": "boolean"}},
                          ("model", "messages")),
    "AnthropicError": _obj({"type": {"const": "error"},
                            "error": _obj({"type": {"type": "string"}, "message": {"type": "string"}})}),
    "ChatCompletionInput": _obj({"model": {"type": "string"}, "messages": {"type": "array", "items": _OBJ},
                                 "stream": {"type": "boolean"}}, ("model", "messages")),
    "ResponseInput": _obj({"model": {"type": "string"}, "input": {"type": ["string", "array"]},
                           "instructions": _NULL_STR, "previous_response_id": _NULL_STR,
                           "store": {"type": "boolean"}, "stream": {"type": "boolean"},
                           "tools": {"type": "array", "items": _OBJ}}, ("model", "input")),
    "EmbeddingInput": _obj({"model": {"type": "string"}, "input": {"type": ["string", "array"]},
                            "dimensions": _INT, "encoding_format": {"type": "string", "enum": ["float", "base64"]}},
                           ("model", "input")),
}

QUERY = {
    "restart": {"schema": {"type": "boolean", "default": True}, "description": "false skips the desktop restart"},
    "refresh": {"schema": {"type": "boolean", "default": False}, "description": "true bypasses the model cache"},
    "new_active_id": {"schema": {"type": "string"}, "description": "profile to activate instead of the deleted one"},
    "format": {"schema": {"type": "string", "enum": ["yaml", "json"], "default": "yaml"},
               "description": "json: the export as JSON"},
    "model": {"schema": {"type": "string"}, "description": "the model being pulled"},
    "url": {"schema": {"type": "string"}, "description": "the Ollama server (default: the stored one)"},
    "limit": {"schema": {"type": "integer", "minimum": 1, "maximum": 100000},
              "description": "calls per page (JSON: default 50, at most 500; CSV: every call, at most 100000)"},
    "q": {"schema": {"type": "string", "maxLength": 200}, "description": "only sessions whose title or messages "
                                                                        "hold this text (any case)"},
    "/api/v1/sessions limit": {"schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                               "description": "sessions at most"},
    "/api/v1/sessions/{id}/export format": {"schema": {"type": "string", "enum": ["json", "markdown"],
                                                       "default": "json"}, "description": "the file's format"},
    "offset": {"schema": {"type": "integer", "minimum": 0, "default": 0}, "description": "calls to skip"},
    "/api/usage/calls format": {"schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                                "description": "csv: the request log as a CSV download"},
    "group_by": {"schema": {"type": "string", "enum": ["profile", "role", "session", "day", "token"], "default": "day"},
                 "description": "what each row totals"},
    "since": {"schema": {"type": "string"}, "description": "from this UTC date (YYYY-MM-DD) or ISO date-time"},
    "until": {"schema": {"type": "string"}, "description": "up to this UTC date (inclusive) or before this date-time"},
}
ERRORS = {"400": "Bad request or validation failed", "401": "Not authenticated", "403": "CSRF token missing, or the API token's scope does not reach this route",
          "404": "Unknown id (the message names it)", "409": "Stale revision or not allowed now",
          "413": "Body over 1 MiB", "415": "Body is not JSON", "429": "Too many failed logins",
          "502": "Provider or desktop failure", "503": "Config folder read-only or not writable (storage_unwritable)",
          "504": "Provider timeout", "507": "Config folder full (storage_full); nothing was changed"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def flask_rule(path):
    """The document path as a Flask rule pattern with parameter names erased: '/a/{x}' -> '/a/<>'."""
    return re.sub(r"\{[^}]+\}", "<>", path)


def _operation(route):
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
              for n in re.findall(r"\{([^}]+)\}", route.path)]
    params += [dict(QUERY.get(f"{route.path} {n}", QUERY.get(n)), name=n, **{"in": "query", "required": False})
               for n in route.query]
    ok = {"description": "Success", "content": {"application/json": {"schema": _ref(route.reply)}}}
    if route.method == "GET" and route.surface == C:
        ok["headers"] = {"ETag": {"description": "the config revision", "schema": {"type": "string"}}}
    if route.ok == 201 and route.surface == C:
        ok["headers"] = {"Location": {"description": "the new profile's URL", "schema": {"type": "string"}}}
    if route.path.endswith(("/chat", "/compare", "/completions", "/responses", "/messages", "/regenerate")):  # SSE
        ok["content"]["text/event-stream"] = {"schema": {"type": "string"}}
    if route.path == S + "/export":  # a session: JSON unless format=markdown
        ok["content"]["text/markdown"] = {"schema": {"type": "string"}}
    elif route.path.endswith("/export"):  # the game config is YAML unless format=json
        ok["content"]["application/yaml"] = {"schema": _ref(route.reply)}
    if "format" in route.query and route.path == "/api/usage/calls":  # format=csv: the request log as CSV
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    codes = {"400", "401", "404", "429"}  # 404 too where the body names an unknown id
    if route.method in WRITES:
        codes |= {"403", "409", "413", "415", "503", "507"}
    if route.path.endswith(("/models", "/test", "/chat", "/redraw", "/regenerate", "/compare", "/completions", "/restart", "/llm/test",
                            "/pull", "/responses", "/embeddings", "/messages", "/count_tokens")):
        codes |= {"502", "504"}
    responses = {str(route.ok): ok}
    # The OpenAI-shaped and Anthropic faces answer errors in their own formats.
    prefix = {O: "O", R: "O", EM: "O", M: "A"}.get(route.surface, "E")
    responses.update({c: {"$ref": f"#/components/responses/{prefix}{c}"} for c in sorted(codes)})
    op = {"operationId": _operation_id(route), "summary": route.summary, "tags": [route.surface],
          "parameters": params, "responses": responses}
    if route.body:
        op["requestBody"] = {"required": route.body_required,
                             "content": {"application/json": {"schema": _ref(route.body)}}}
    return op


def _operation_id(route):
    words = re.sub(r"[^A-Za-z0-9]+", "_", route.path.replace("{", "by_").replace("}", "")).strip("_")
    return f"{route.method.lower()}_{words}"


def document():
    """The OpenAPI document (a fresh dict each call)."""
    paths = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    error = {"application/json": {"schema": _ref("Error")}}
    openai_error = {"application/json": {"schema": _ref("OpenAIError")}}
    anthropic_error = {"application/json": {"schema": _ref("AnthropicError")}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Triplo Web UI", "version": "1",
                 "description": "Configuration, roles/sessions/chat, the OpenAI-compatible face and the "
                                "Anthropic Messages face. "
                                "Writes may send the config revision as If-Match or a 'revision' field; "
                                "a stale one answers 409."},
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}, {"apiKeyAuth": []}, {"cookieAuth": []}],
        "tags": [{"name": s} for s in (C, V, O, R, EM, U, M)],
        "paths": paths,
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "responses": {**{f"E{c}": {"description": d, "content": error} for c, d in ERRORS.items()},
                          **{f"O{c}": {"description": d, "content": openai_error} for c, d in ERRORS.items()},
                          **{f"A{c}": {"description": d, "content": anthropic_error} for c, d in ERRORS.items()}},
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "python -m webui create-token"},
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "x-api-key",
                               "description": "an API token, as the anthropic SDKs send it"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "triplo_session",
                               "description": "from /login; state changes also need X-CSRF-Token"},
            },
        },
    }
