"""What the Roles & Chat tab shows of sessions: the list (or a search's hits), and the tools of each message."""

from webui.core.chat import session_ops
from webui.errors import NotFound, ValidationFailed

SHOWN = 30  # sessions listed (and in the picker); a search reaches older ones


def sessions_context(sessions, args, current, listing=None):
    """The sessions panel: {sessions_q, sessions_found, sessions_error, session_delete, sessions_open, ...};
    `listing`: the newest sessions when already read (the picker's)."""
    query, error = args.get("q"), None
    try:
        query = session_ops.search_query(query)
    except ValidationFailed as exc:
        query, error = None, f"Search: {exc.fields.get('q')}."
    if query:
        found = sessions.search_sessions(query, SHOWN)
    else:
        found = [dict(s) for s in listing] if listing is not None else sessions.list_sessions(SHOWN)
    for item in found:
        item["snippet_parts"] = split_hit(item.get("snippet"), query)
    victim = args.get("session_delete")
    doomed = next((s for s in found if s["session_id"] == victim), None) if victim else None
    if victim and doomed is None:
        doomed = _summary_or_none(sessions, victim)
    return {"sessions_q": query, "sessions_found": found, "sessions_error": error, "sessions_shown": SHOWN,
            "session_delete": doomed, "sessions_open": bool(query or error or doomed or args.get("sessions")),
            "message_edit": args.get("edit"), "message_delete": args.get("message_delete"),
            "current_session": current}


def _summary_or_none(sessions, session_id):
    try:
        return sessions.session_summary(session_id)
    except NotFound:
        return None


def split_hit(snippet, query):
    """(before, hit, after) of a search snippet, so the page can mark the hit; None without one."""
    if not snippet or not query:
        return None
    at = snippet.lower().find(query.lower())
    if at < 0 or len(snippet.lower()) != len(snippet):
        return (snippet, "", "")
    return snippet[:at], snippet[at:at + len(query)], snippet[at + len(query):]


def add_message_tools(messages, roles, selected_role):
    """Each message's `regen_role` and `regen_label` (who answers "Regenerate from here"; None: no button) and
    `edited` flag."""
    ai_roles = {r["id"]: r["label"] for r in roles if r.get("control") != "human"}
    for i, m in enumerate(messages):
        meta = m.get("metadata") or {}
        m["edited"] = bool(meta.get("edited_at"))
        if m["is_ai"]:
            role = m["role_id"]
        else:
            after = messages[i + 1] if i + 1 < len(messages) else None
            role = meta.get("to_role_id") or (after["role_id"] if after and after["is_ai"] else selected_role)
        m["regen_role"] = role if role in ai_roles else None
        m["regen_label"] = ai_roles.get(role)
    return messages

