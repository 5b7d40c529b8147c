"""Session use cases people reach for first: rename, search, delete; edit or delete a message, regenerate from it."""

from webui.core.chat import speak_as
from webui.core.chat.service import MAX_MESSAGE
from webui.core.chat.sessions import MAX_TITLE
from webui.errors import ValidationFailed

MAX_QUERY = 200  # characters of a search
MAX_RESULTS = 100


def rename(sessions, session_id, title):
    """A new title (text of at most MAX_TITLE characters; empty or null clears it); the session's list entry."""
    if title is not None and not isinstance(title, str):
        raise ValidationFailed({"title": f"must be text of at most {MAX_TITLE} characters (or null to clear it)"})
    title = " ".join(_text(title, "title").split()) if title else None  # one line: shown in a list and a select
    if title and len(title) > MAX_TITLE:
        raise ValidationFailed({"title": f"must be at most {MAX_TITLE} characters (this one has {len(title)})"})
    return sessions.rename_session(session_id, title or None)


def search_query(query):
    """The search text, checked: None when there is nothing to search for."""
    if query is None:
        return None
    if not isinstance(query, str):
        raise ValidationFailed({"q": "must be text"})
    query = " ".join(_text(query, "q").split())
    if len(query) > MAX_QUERY:
        raise ValidationFailed({"q": f"must be at most {MAX_QUERY} characters"})
    return query or None


def result_limit(limit, default):
    """How many sessions a list answers: a whole number from 1 to MAX_RESULTS (a digit string from a URL too)."""
    if limit is None or limit == "":
        return default
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit.strip())
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
        raise ValidationFailed({"limit": f"must be a whole number from 1 to {MAX_RESULTS}"})
    return limit


def listing(sessions, query=None, limit=50):
    """The sessions, most recently active first; only those whose title or messages hold `query` when given."""
    query = search_query(query)
    return sessions.search_sessions(query, limit) if query else sessions.list_sessions(limit)


def delete_session(chat, session_id):
    """Remove a session: its replies still streaming stop first (what arrived is stored, then goes with it)."""
    chat.stop(session_id)  # NotFound names the session
    with chat.lock(session_id):
        chat.sessions.delete_session(session_id)


def edit_message(chat, session_id, message_id, content):
    """Replace a message's text (a person's line or a reply); the stored message."""
    if not isinstance(content, str):
        raise ValidationFailed({"content": "must be text"})
    if not content.strip():
        raise ValidationFailed({"content": "must not be empty (to remove a message, delete it)"})
    if len(content) > MAX_MESSAGE:
        raise ValidationFailed({"content": f"must be at most {MAX_MESSAGE} characters"})
    _text(content, "content")
    with chat.lock(session_id):
        return chat.sessions.edit_message(session_id, message_id, content)


def delete_message(chat, session_id, message_id):
    """Remove one message (its turn, with any alternatives); what came after it stays."""
    with chat.lock(session_id):
        return chat.sessions.delete_message(session_id, message_id)


def plan_regenerate(chat, session_id, message_id, role_id=None, llm_profile_id=None):
    """The Turn of "regenerate from here": the later turns go when the new reply is stored.

    On a reply: that reply again (the old one stays an alternative). On a line someone said: the next reply,
    by `role_id`, else the role it was said to, else the role of the reply that followed it."""
    if role_id is not None and (not isinstance(role_id, str) or not role_id):
        raise ValidationFailed({"role_id": "must be a role id"})
    if llm_profile_id is not None and not isinstance(llm_profile_id, str):
        raise ValidationFailed({"llm_profile_id": "must be a profile id"})
    message = chat.sessions.message_in(session_id, message_id)  # NotFound names the session or the message
    if message["is_ai"]:
        _answering(chat, message["role_id"])
        return chat.plan_redraw(session_id, message["role_id"], llm_profile_id or None, at=message)
    role_id = role_id or (message.get("metadata") or {}).get("to_role_id") or _next_reply_role(chat, message)
    if not role_id:
        raise ValidationFailed({"role_id": "is required: which role answers this line?"})
    _answering(chat, role_id)
    return chat.plan_chat(session_id, role_id, None, llm_profile_id or None, after=message["position"])


def _text(value, field):
    """Text both backends can store: PostgreSQL refuses the NUL character, so neither takes it."""
    if "\x00" in value:
        raise ValidationFailed({field: "must not hold the NUL character"})
    return value


def _answering(chat, role_id):
    """A role a model answers for (a person plays a 'human' role: no model writes its lines)."""
    if speak_as.is_human(chat.config.view(), role_id):
        raise ValidationFailed({"role_id": f"'{role_id}' is played by a person: no model answers as it"})


def _next_reply_role(chat, message):
    later = [m for m in chat.sessions.history(message["session_id"]) if m["position"] > message["position"]]
    return later[0]["role_id"] if later and later[0]["is_ai"] else None
