"""The session store and chat service of an app (made once, lazily), and SSE framing shared by the chat views."""

import json
import os
import threading

from flask import Response, current_app

from webui.core.chat.service import ChatService
from webui.errors import BadRequest, ValidationFailed, WebUIError
from webui.core.storage.paths import SESSIONS_DB, USAGE_DB
from webui.core.chat.sessions import SessionStore
from webui.core.usage.ledger import UsageLedger

_guard = threading.Lock()


def ensure_chat(app):
    """Put `sessions` (SessionStore over <config_dir>/sessions.db), `usage` (the ledger, usage.db) and `chat` on
    app.extensions["triplo"]."""
    svc = app.extensions["triplo"]
    with _guard:
        if getattr(svc, "sessions", None) is None:
            svc.sessions = SessionStore(os.path.join(svc.config_dir, SESSIONS_DB), read_only=bool(svc.read_only))
        if getattr(svc, "usage", None) is None:
            svc.usage = UsageLedger(os.path.join(svc.config_dir, USAGE_DB), read_only=bool(svc.read_only))
        if getattr(svc, "chat", None) is None:
            svc.chat = ChatService(svc.config, svc.sessions, svc.usage, getattr(svc, "tracer", None),
                                   getattr(svc, "trace_content", False))
    return svc


def usage():
    """This app's UsageLedger."""
    svc = current_app.extensions["triplo"]
    return svc.usage if getattr(svc, "usage", None) is not None else ensure_chat(current_app).usage


def chat():
    """This app's ChatService."""
    svc = current_app.extensions["triplo"]
    return svc.chat if getattr(svc, "chat", None) is not None else ensure_chat(current_app).chat


def sse(data, event=None):
    """One Server-Sent Event (JSON data on one line, so no frame can be split by a newline in the text)."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def delta_frame(text):
    """sse({"delta": text}) as bytes, without building a dict per delta (the per-delta path of a stream)."""
    return b'data: {"delta": ' + json.dumps(text, ensure_ascii=False).encode() + b"}\n\n"


def event_stream(reply_stream):
    """SSE of a ReplyStream: {"delta"} events, then `event: done` with the stored reply, or `event: error`."""

    def frames():
        try:
            for item in reply_stream:
                yield delta_frame(item) if isinstance(item, str) else sse(item, "done")
        except WebUIError as exc:
            yield sse(exc.to_dict(), "error")

    response = Response(frames(), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"  # proxies must pass deltas through at once
    return response


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
