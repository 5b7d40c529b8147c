"""Roles & Chat: rename, delete and search sessions; edit, delete and regenerate from a message (plain form
posts, PRG). Its routes live on the Roles & Chat blueprint, so app.py imports this module for them."""

from flask import redirect, render_template, request, url_for

from webui.core.chat import session_ops
from webui.web.common import ECHOED_ID_RE, chat, services
from webui.web.pages.roles import FAILED, _attempt, bp
from webui.web.pages.session_view import sessions_context

MESSAGE = "/roles/sessions/<session_id>/messages/<message_id>"


def _to_page(session_id=None, anchor="", **args):
    """Back to the tab on that session (ids checked before they reach the Location header); `q` kept."""
    if session_id is not None and not (isinstance(session_id, str) and ECHOED_ID_RE.match(session_id)):
        session_id = None
    args = {k: v for k, v in args.items() if v}
    return redirect(url_for("roles.index", session=session_id or None, **args) + anchor)


@bp.get("/roles/sessions/list", endpoint="sessions_fragment")
def fragment():
    """The sessions list (or a search's hits) alone: the page script swaps it in as one types."""
    context = sessions_context(services().sessions, request.args, request.args.get("session") or None)
    return render_template("_sessions_fragment.html", c=context)


@bp.post("/roles/sessions/<session_id>/rename", endpoint="session_rename")
def rename(session_id):
    """A new title for a session (empty: no title)."""
    _attempt(lambda: session_ops.rename(services().sessions, session_id, request.form.get("title", "")),
             "Session renamed.")
    return _to_page(request.form.get("current") or session_id, "#sessions", q=request.form.get("q"),
                    sessions="1")


@bp.post("/roles/sessions/<session_id>/delete", endpoint="session_delete")
def delete(session_id):
    """Delete a session after the confirmation step (the page's ?session_delete= box or the JS dialog)."""
    _attempt(lambda: session_ops.delete_session(chat(), session_id), "Session deleted.")
    current = request.form.get("current")
    return _to_page(current if current != session_id else None, "#sessions", sessions="1")


@bp.post(MESSAGE + "/edit", endpoint="message_edit")
def edit_message(session_id, message_id):
    """Save a message's new text."""
    content = request.form.get("content", "").replace("\r\n", "\n")  # a form's textarea sends CRLF line ends
    result = _attempt(lambda: session_ops.edit_message(chat(), session_id, message_id, content),
                      "Message saved.", where="chat-error")
    if result is FAILED:
        return _to_page(session_id, "#chat-error", edit=message_id)
    return _to_page(session_id, f"#msg-{message_id}" if ECHOED_ID_RE.match(message_id) else "")


@bp.post(MESSAGE + "/delete", endpoint="message_delete")
def delete_message(session_id, message_id):
    """Delete one message after the confirmation step; the messages after it stay."""
    result = _attempt(lambda: session_ops.delete_message(chat(), session_id, message_id), "Message deleted.",
                      where="chat-error")
    return _to_page(session_id, "#chat-error" if result is FAILED else "#newest")


@bp.post(MESSAGE + "/regenerate", endpoint="message_regenerate")
def regenerate(session_id, message_id):
    """Regenerate from here: the later messages go, and the role answers again."""
    form = request.form
    result = _attempt(lambda: chat().run(session_ops.plan_regenerate(
        chat(), session_id, message_id, form.get("role_id") or None, form.get("llm_profile_id") or None)),
        where="chat-error")
    return _to_page(session_id, "#chat-error" if result is FAILED else "#newest", role=form.get("role_id"))
