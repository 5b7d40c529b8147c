"""A human-controlled role speaks: its line is stored as that character and no model is called."""

from webui.errors import ValidationFailed


def is_human(view, role_id):
    """True when a person plays this role (control "human"): its lines are typed, never generated."""
    return view.role(role_id).get("control") == "human"


def speak_as(chat, session_id, role_id, message):
    """Store `message` as the line of the human-controlled role `role_id`; the stored message (no provider call)."""
    if not isinstance(message, str) or not message.strip():
        raise ValidationFailed({"message": "is required: a human-controlled role says what you type"})
    if len(message) > 100_000:
        raise ValidationFailed({"message": "must be at most 100000 characters"})
    chat.config.view().role(role_id)  # NotFound names it
    with chat.lock(session_id):
        stored = chat.sessions.add_message(session_id, role_id, message, False, {"spoken_by": "human"})
    return {"content": stored["content"], "role_id": role_id, "is_ai": False, "spoken_as": role_id,
            "message_id": stored["id"], "session_id": session_id, "position": stored["position"]}
