"""The game-master API's session edits: rename, delete, edit or delete a message, regenerate from it, export.

Its routes live on the /api/v1 blueprint (the SPEC §5 paths), so app.py imports this module for them."""

from flask import Response, request

from webui.core.chat import session_export, session_ops
from webui.errors import ValidationFailed
from webui.web.api.v1 import _run, bp
from webui.web.common import answer, chat, json_body, services

MESSAGE = "/api/v1/sessions/<session_id>/messages/<message_id>"


@bp.patch("/api/v1/sessions/<session_id>")
def sessions_rename(session_id):
    """A new title: {"title": text of at most 200 characters, or null to clear it}."""
    body = json_body()
    if "title" not in body:
        raise ValidationFailed({"title": "is required (null clears it)"})
    return answer(session_ops.rename(services().sessions, session_id, body["title"]))


@bp.delete("/api/v1/sessions/<session_id>")
def sessions_delete(session_id):
    """Remove a session with its messages and overrides."""
    session_ops.delete_session(chat(), session_id)
    return answer({"deleted": session_id})


@bp.patch(MESSAGE)
def messages_edit(session_id, message_id):
    """Replace a message's text: {"content"}; the stored message (metadata.edited_at says when)."""
    body = json_body()
    return answer(session_ops.edit_message(chat(), session_id, message_id, body.get("content")))


@bp.delete(MESSAGE)
def messages_delete(session_id, message_id):
    """Remove one message (with its alternatives); the messages after it stay."""
    gone = session_ops.delete_message(chat(), session_id, message_id)
    return answer({"deleted": message_id, "session_id": session_id, "position": gone["position"]})


@bp.post(MESSAGE + "/regenerate")
def messages_regenerate(session_id, message_id):
    """Regenerate from here: {role_id?, llm_profile_id?, stream?}; the later messages go when the reply is stored."""
    body = json_body(required=False)
    if not isinstance(body.get("stream", False), bool):
        raise ValidationFailed({"stream": "must be true or false"})
    turn = session_ops.plan_regenerate(chat(), session_id, message_id, body.get("role_id"),
                                       body.get("llm_profile_id"))
    return _run(turn, body.get("stream") is True)


@bp.get("/api/v1/sessions/<session_id>/export")
def sessions_export(session_id):
    """The session as a download: ?format=json (default) or markdown."""
    session = services().sessions.get_session(session_id)  # NotFound names it
    text, mimetype, name = session_export.export(session, services().config.view(), request.args.get("format", "json"))
    return Response(text, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
