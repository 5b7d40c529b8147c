"""The game-master JSON API (SPEC §5 "Roles, sessions and chat"): /api/v1/... and the /sessions/... aliases.

Config writes are conditional exactly as on /api/... (`If-Match`, or a body `revision`; see api_config).
"""

from flask import Blueprint, Response, request

from webui.core.chat import session_ops
from webui.core.chat import speak_as as speaking
from webui.core.config import profile_import, profile_ops
from webui.core.roles import role_ops
from webui.core.roles.game_export import printable
from webui.errors import BadRequest, ValidationFailed
from webui.web.capacity import streamed
from webui.web.common import answer, chat, desktop_outcome, expected_revision, json_body, restart_flag, services
from webui.web.sse import event_stream, named_stream

bp = Blueprint("api_v1", __name__)
YAML_TYPES = ("application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml", "application/json", "text/plain")


def _with_desktop(data):
    """A write's answer with its `desktop` outcome in the one shape every write answers."""
    return dict(data, desktop=desktop_outcome(data.get("desktop")))


def _routes(*paths, **options):
    """One view under several paths (the /api/v1 one and its /sessions alias)."""

    def decorate(view):
        for path in paths:
            bp.add_url_rule(path, view_func=view, **options)
        return view

    return decorate


# ---- profiles ------------------------------------------------------------------------------------

@bp.get("/api/v1/profiles")
def profiles_list():
    """Every profile, in order, with the active one named."""
    data, revision = role_ops.list_profiles(services().config)
    return answer(data, revision=revision)


@bp.post("/api/v1/profiles")
def profiles_replace():
    """Replace all profiles (seed/game field names accepted)."""
    body = json_body(kind=(dict, list))
    data, revision = role_ops.replace_profiles(services().config, body, restart=restart_flag(),
                                               revision=expected_revision(body))
    return answer(_with_desktop(data), revision=revision)


@bp.post("/api/v1/profiles/add")
def profiles_add():
    """Add one profile."""
    body = json_body()
    payload = {k: v for k, v in body.items() if k != "revision"}
    view, desktop, revision = profile_ops.create_profile(services().config, profile_import.document_defaults(payload),
                                                         expected_revision(body),
                                                         restart=restart_flag())
    return answer(_with_desktop({"profile": view, "desktop": desktop}), 201, revision)


@bp.delete("/api/v1/profiles/<profile_id>")
def profiles_delete(profile_id):
    """Delete one profile (the active one only with ?new_active_id=)."""
    _, desktop, revision = profile_ops.delete_profile(services().config, profile_id,
                                                      request.args.get("new_active_id"), expected_revision(),
                                                      restart=restart_flag())
    return answer(_with_desktop({"deleted": profile_id, "desktop": desktop}), revision=revision)


# ---- roles ---------------------------------------------------------------------------------------

@bp.get("/api/v1/roles")
def roles_list():
    """The roles, in order."""
    data, revision = role_ops.list_roles(services().config)
    return answer(data, revision=revision)


@bp.put("/api/v1/roles")
def roles_replace():
    """Replace the roles."""
    body = json_body(kind=(dict, list))
    data, revision = role_ops.replace_roles(services().config, body, expected_revision(body))
    return answer(data, revision=revision)


@bp.post("/api/v1/roles/import")
def roles_import():
    """Import a role/game config: raw YAML/JSON body, or a multipart file upload."""
    summary, revision = role_ops.import_config(services().config, _document_text(), restart=restart_flag(),
                                               revision=expected_revision())
    return answer(_with_desktop(summary), revision=revision)


@bp.get("/api/v1/export")
def export_config():
    """The game config in the document's format: YAML, or JSON with ?format=json (a download)."""
    fmt = request.args.get("format", "yaml").lower()
    text, mimetype, dropped = role_ops.export_config(services().config, fmt)
    name = "game-config.json" if fmt == "json" else "game-config.yaml"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if dropped:  # field paths (printable ASCII only: a header must not break), not values
        headers["X-Export-Dropped"] = printable(", ".join(dropped))
    return Response(text, mimetype=mimetype, headers=headers)


def _document_text():
    upload = next(iter(request.files.values()), None)
    if upload is not None:
        raw = upload.read()
    elif request.mimetype in YAML_TYPES:
        raw = request.get_data()
    elif request.form.get("text"):
        raw = request.form["text"].encode()
    else:
        raise BadRequest("Send the game config as YAML or JSON (Content-Type application/x-yaml or "
                         "application/json), or upload it as a multipart 'file'.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "must be UTF-8 text"}) from None


# ---- sessions ------------------------------------------------------------------------------------

@bp.get("/api/v1/sessions")
def sessions_list():
    """Recent sessions first; ?q= keeps those whose title or messages hold it (each with a snippet), ?limit= 1-100."""
    found = session_ops.listing(services().sessions, request.args.get("q"),
                                session_ops.result_limit(request.args.get("limit"), 50))
    return answer({"sessions": found})


@bp.post("/api/v1/sessions")
def sessions_create():
    """A new session -> {"session_id"}."""
    body = json_body(required=False)
    return answer(services().sessions.create_session(body.get("title")), 201)


@_routes("/api/v1/sessions/<session_id>", "/sessions/<session_id>", methods=["GET"])
def sessions_get(session_id):
    """The session's messages with metadata, in order (alternatives listed per turn)."""
    return answer(services().sessions.get_session(session_id))


@bp.post("/api/v1/sessions/<session_id>/chat")
def sessions_chat(session_id):
    """One exchange with a role: JSON reply, or SSE with stream: true."""
    role_id, message, profile_id, stream = parse_chat_body(json_body())
    if speaking.is_human(services().config.view(), role_id):  # a person plays it: no model call
        return answer(speaking.speak_as(chat(), session_id, role_id, message), 201)
    turn = chat().plan_chat(session_id, role_id, message, profile_id)
    return _run(turn, stream)


@bp.post("/api/v1/sessions/<session_id>/stop")
def sessions_stop(session_id):
    """Stop the session's streamed replies: what arrived is kept, marked finish "stopped"; the upstream call ends."""
    return answer({"stopped": chat().stop(session_id)})


@_routes("/api/v1/sessions/<session_id>/redraw", "/sessions/<session_id>/redraw", methods=["POST"])
def sessions_redraw(session_id):
    """Regenerate a character's last reply (its profile, or llm_profile_id); the old one stays an alternative."""
    body = json_body()
    character_id = body.get("character_id") or body.get("role_id")
    if not isinstance(character_id, str) or not character_id:
        raise ValidationFailed({"character_id": "is required"})
    turn = chat().plan_redraw(session_id, character_id, body.get("llm_profile_id") or None)
    return _run(turn, body.get("stream") is True)


@_routes("/api/v1/sessions/<session_id>/compare", "/sessions/<session_id>/compare", methods=["POST"])
def sessions_compare(session_id):
    """The same turn from 2-4 profiles in parallel: {character_id, llm_profile_ids, message?, stream?}; each reply is
    kept as an alternative of one turn (the first current; POST .../alternatives keeps another)."""
    body = json_body()
    message = body.get("message")
    if message is not None and (not isinstance(message, str) or not message.strip()):
        raise ValidationFailed({"message": "must be text; leave it out (or null) for the role's own turn"})
    if not isinstance(body.get("stream", False), bool):
        raise ValidationFailed({"stream": "must be true or false"})
    args = (session_id, body.get("character_id") or body.get("role_id"), body.get("llm_profile_ids"), message)
    if body.get("stream"):  # SSE: `event: answer` as each profile ends, then `event: done` with the JSON answer
        return streamed(lambda: named_stream(chat().compare_stream(*args)))
    return answer(chat().compare(*args))


def _run(turn, stream):
    if stream:
        return streamed(lambda: event_stream(chat().run_stream(turn)))  # WEBUI_MAX_STREAMS
    return answer(chat().run(turn))


@_routes("/api/v1/sessions/<session_id>/alternatives", "/sessions/<session_id>/alternatives", methods=["POST"])
def sessions_select(session_id):
    """Make one alternative of a turn current: {position, alt_index}."""
    body = json_body()
    return answer(chat().select_alternative(session_id, body.get("position"), body.get("alt_index")))


# ---- per-session character overrides -------------------------------------------------------------

@_routes("/api/v1/sessions/<session_id>/character-profiles", "/sessions/<session_id>/character-profiles",
         methods=["GET"])
def overrides_get(session_id):
    """The session's overrides, and which profile each role resolves to now."""
    return answer(_overrides_view(session_id))


@_routes("/api/v1/sessions/<session_id>/character-profiles/<character_id>",
         "/sessions/<session_id>/character-profiles/<character_id>", methods=["PUT"])
def overrides_put(session_id, character_id):
    """Route a character to a profile in this session: {"profile_id"}."""
    body = json_body()
    chat().set_override(session_id, character_id, body.get("profile_id") or body.get("llm_profile_id"))
    return answer(_overrides_view(session_id))


@_routes("/api/v1/sessions/<session_id>/character-profiles/<character_id>",
         "/sessions/<session_id>/character-profiles/<character_id>", methods=["DELETE"])
def overrides_delete(session_id, character_id):
    """Back to the role's own profile."""
    services().sessions.delete_override(session_id, character_id)
    return answer(_overrides_view(session_id))


def _overrides_view(session_id):
    overrides = services().sessions.get_overrides(session_id)
    table = services().config.view().effective_profiles(overrides)  # (None, None): no profile at all
    effective = [{"character_id": rid, "override_profile_id": overrides.get(rid), "effective_profile_id": pid,
                  "source": rule} for rid, (pid, rule) in table.items()]
    return {"session_id": session_id, "character_profiles": overrides, "roles": effective}


def parse_chat_body(body):
    """(role_id, message, llm_profile_id, stream) from a chat request body."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    errors = {}
    role_id = body.get("role_id")
    if not isinstance(role_id, str) or not role_id:
        errors["role_id"] = "is required"
    profile_id = body.get("llm_profile_id") or None
    if profile_id is not None and not isinstance(profile_id, str):
        errors["llm_profile_id"] = "must be a profile id"
    if not isinstance(body.get("stream", False), bool):
        errors["stream"] = "must be true or false"
    message = body.get("message")
    if message is not None and (not isinstance(message, str) or not message.strip()):
        errors["message"] = "must be text; leave it out (or null) for the role's own turn"
    if errors:
        raise ValidationFailed(errors)
    return role_id, body.get("message"), profile_id, body.get("stream", False)
