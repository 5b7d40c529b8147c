"""Chat and redraw use cases: resolve the profile, call the gateway, store the exchange (or nothing)."""

import threading
from dataclasses import dataclass

from . import credentials, gateway, profiles, routing
from ..errors import BadRequest, NotFound, ValidationFailed
from .streaming import ReplyStream

MAX_MESSAGE = 100_000


@dataclass
class Turn:
    """One planned model call: where the prompt comes from and how the answer will be stored."""

    session_id: str
    role_id: str
    profile_id: str
    messages: list
    replaces: dict | None = None  # the message a redraw regenerates
    user_text: str | None = None  # the player's line, stored together with the reply


class ChatService:
    """Chats and redraws over one ConfigService (profiles, roles, keys) and one SessionStore."""

    def __init__(self, config, sessions):
        self.config = config
        self.sessions = sessions
        self._locks = {}
        self._locks_guard = threading.Lock()

    # ---- profile access ---------------------------------------------------------------------

    def caller(self, settings, tune=None):
        """(resolve(id) -> Call, {id: profile}) for the gateway; `tune` may adjust each profile copy."""
        by_id = {p["id"]: p for p in profiles.profiles_of(dict(settings)) if isinstance(p, dict) and p.get("id")}

        def resolve(profile_id):
            profile = dict(profiles.find(settings, profile_id))
            if tune:
                profile = tune(profile)
            return credentials.resolve_call(settings, profile, self.config.vault, self.config.environ)

        return resolve, by_id

    # ---- planning ---------------------------------------------------------------------------

    def plan_chat(self, session_id, role_id, message, llm_profile_id=None):
        """Check the ids and the message; the Turn a chat will run."""
        if not isinstance(message, str) or not message.strip():
            raise ValidationFailed({"message": "is required"})
        if len(message) > MAX_MESSAGE:
            raise ValidationFailed({"message": f"must be at most {MAX_MESSAGE} characters"})
        settings, _ = self.config.settings()
        history = self.sessions.history(session_id)  # NotFound names the session
        role = routing.find_role(settings, role_id)
        overrides = self.sessions.get_overrides(session_id)
        pid, _rule = routing.resolve(settings, role, overrides, llm_profile_id)
        messages = routing.build_messages(role, history, routing.role_names(settings))
        messages.append({"role": "user", "content": message})
        return Turn(session_id, role_id, pid, messages, user_text=message)

    def plan_redraw(self, session_id, character_id, llm_profile_id=None):
        """The Turn regenerating the last AI reply of `character_id` (its profile unless one is named)."""
        settings, _ = self.config.settings()
        history = self.sessions.history(session_id)
        role = routing.find_role(settings, character_id)
        last = self.sessions.last_ai_message(session_id, character_id)
        if last is None:
            raise NotFound(f"Session '{session_id}' has no AI reply of character '{character_id}' to redraw",
                           id=character_id)
        if llm_profile_id:
            pid = routing.require_profile(settings, llm_profile_id)
        else:
            previous = (last.get("metadata") or {}).get("used_profile_id")
            if previous in routing.profile_ids(settings):
                pid = previous
            else:  # that profile is gone: route as a new chat would
                pid, _ = routing.resolve(settings, role, self.sessions.get_overrides(session_id))
        earlier = [m for m in history if m["position"] < last["position"]]
        messages = routing.build_messages(role, earlier, routing.role_names(settings))
        return Turn(session_id, character_id, pid, messages, replaces=last)

    # ---- running ----------------------------------------------------------------------------

    def run(self, turn):
        """Call the gateway and store the exchange; the reply dict. Nothing is stored when the call fails."""
        settings, _ = self.config.settings()
        resolve, by_id = self.caller(settings)
        answer = gateway.chat(turn.profile_id, turn.messages, resolve, by_id)
        return self._store(turn, answer.text, routing.metadata(answer))

    def run_stream(self, turn):
        """A started ReplyStream: text deltas, then the stored reply dict (stored even if the reader leaves)."""
        settings, _ = self.config.settings()
        resolve, by_id = self.caller(settings)
        source = stream_source(turn.profile_id, turn.messages, resolve, by_id)
        return ReplyStream(source, lambda answer: self._store(turn, answer.text, routing.metadata(answer))).start()

    def _lock(self, session_id):
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def _store(self, turn, text, meta):
        """The player's line and the reply as two consecutive turns (or the redraw as an alternative)."""
        with self._lock(turn.session_id):  # keeps concurrent chats of one session from interleaving
            if turn.replaces is not None:
                stored = self.sessions.add_alternative(turn.replaces["id"], text, meta)
            else:
                stored = self.sessions.add_messages(turn.session_id, [
                    (None, turn.user_text, False, {"to_role_id": turn.role_id}),
                    (turn.role_id, text, True, meta),
                ])[-1]  # the player's line and the reply in one transaction: never half-stored
        return reply(stored, turn)

    # ---- alternatives and overrides ------------------------------------------------------------

    def select_alternative(self, session_id, position, alt_index):
        """Make one alternative of a turn current; the message."""
        return self.sessions.select_alternative(session_id, position, alt_index)

    def set_override(self, session_id, character_id, profile_id):
        """Route a character to a profile in one session; unknown ids answer 404."""
        settings, _ = self.config.settings()
        routing.find_role(settings, character_id)
        if not isinstance(profile_id, str) or not profile_id:
            raise ValidationFailed({"profile_id": "is required"})
        routing.require_profile(settings, profile_id)
        self.sessions.set_override(session_id, character_id, profile_id)
        return self.sessions.get_overrides(session_id)


def stream_source(profile_id, messages, resolve, by_id):
    """The gateway's stream, or one complete reply as a single delta when the profile turned streaming off."""
    if ((by_id.get(profile_id) or {}).get("options") or {}).get("stream") is False:
        return _whole(gateway.chat, profile_id, messages, resolve, by_id)
    return gateway.stream(profile_id, messages, resolve, by_id)


def _whole(call, *args):
    result = call(*args)
    if result.text:
        yield result.text
    yield result


def reply(stored, turn):
    """The chat answer of SPEC §5, plus where the message was stored."""
    meta = stored.get("metadata") or {}
    out = {"content": stored["content"], "role_id": stored["role_id"], "is_ai": True,
           "used_profile_id": meta.get("used_profile_id"), "metadata": meta,
           "message_id": stored["id"], "session_id": stored["session_id"], "position": stored["position"],
           "alt_index": stored.get("alt_index", 0)}
    if turn.replaces is not None:
        out["replaced_message_id"] = turn.replaces["id"]
    return out


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
    if not isinstance(body.get("message"), str) or not body["message"].strip():
        errors["message"] = "is required"
    if errors:
        raise ValidationFailed(errors)
    return role_id, body["message"], profile_id, body.get("stream", False)
