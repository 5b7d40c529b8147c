"""Chat, redraw and the OpenAI face's completions: resolve the profile, call the gateway, store (or not)."""

import threading
import time
from dataclasses import dataclass

from webui import catalog
from webui.catalog import PARAMS
from webui.core.chat import compare as comparing
from webui.core.chat import gateway
from webui.core.chat.streaming import ReplyStream
from webui.core.config import credentials
from webui.core.observe import context
from webui.core.roles import routing
from webui.core.usage.budgets import BudgetBook
from webui.core.usage.metering import Meter
from webui.errors import NotFound, UnknownModel, ValidationFailed, WebUIError
from webui.providers.results import Delta  # the web layer tells stream pieces apart with it too

MAX_MESSAGE = 100_000
ROLE_PREFIX = "role:"
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
# Request fields that tune the profile for one completion (OpenAI name -> profile field).
TUNING = {**{name: name for name in PARAMS if name != "context_window"}, "max_completion_tokens": "max_tokens"}


@dataclass
class Turn:
    """One planned model call: where the prompt comes from and how the answer will be stored."""

    session_id: str
    role_id: str
    profile_id: str
    messages: list
    replaces: dict | None = None  # the message a redraw regenerates
    user_text: str | None = None  # the player's line, stored together with the reply
    view: object = None  # the ConfigView the turn was planned with: settings are read once per turn
    request: dict | None = None  # the role's own request fields for its provider (its `tools`)
    cut_after: int | None = None  # regenerate from here: the turns after this position go when the reply is stored


class ChatService:
    """Chats and redraws over one ConfigService (profiles, roles, keys) and one SessionStore."""

    def __init__(self, config, sessions, usage=None, budgets=None, tracer=None, trace_content=False):
        self.config = config
        self.sessions = sessions
        self.usage = usage  # a UsageLedger: every provider call is recorded and budgets are kept
        self.budgets = budgets if budgets is not None else BudgetBook()  # holds shared by every request
        self.tracer, self.trace_content = tracer, trace_content  # OpenTelemetry (None: tracing off)
        self._locks = {}
        self._running = {}  # session id -> its ReplyStreams still running (Stop ends them)
        self._locks_guard = threading.Lock()

    # ---- profile access ---------------------------------------------------------------------

    def caller(self, view, tune=None, request=None):
        """(resolve(id) -> Call, {id: profile}) for the gateway; `tune` may adjust each profile copy, `request`
        (the caller's OpenAI-format fields) rides along on every Call."""
        request_id = context.current_request_id()  # taken here: fallbacks may resolve in another greenlet

        def resolve(profile_id):
            profile = dict(view.profile(profile_id))
            if tune:
                profile = tune(profile)
            call = credentials.resolve_call(view.settings, profile, self.config.vault, self.config.environ)
            call.request, call.request_id = request, request_id
            return call

        return resolve, view.profiles_by_id

    # ---- planning ---------------------------------------------------------------------------

    def plan_chat(self, session_id, role_id, message, llm_profile_id=None, after=None):
        """Check the ids and the message; the Turn a chat will run.

        Without a message (None) it is the role's own turn: the model answers the history as it is.
        `after` (a position): answer the history up to that turn; the later turns go when the reply is stored.
        """
        if message is not None and (not isinstance(message, str) or not message.strip()):
            raise ValidationFailed({"message": "must be text; leave it out for the role's own turn"})
        if message and len(message) > MAX_MESSAGE:
            raise ValidationFailed({"message": f"must be at most {MAX_MESSAGE} characters"})
        view = self.config.view()
        history, overrides = self.sessions.history_and_overrides(session_id)  # NotFound names the session
        if after is not None:
            history = [m for m in history if m["position"] <= after]
        role = view.role(role_id)
        pid, _rule = view.effective_profile(role, overrides, llm_profile_id)
        messages = routing.build_messages(role, history, view.role_names)
        if message:
            messages.append({"role": "user", "content": message})
        return Turn(session_id, role_id, pid, messages, user_text=message, view=view, request=role_request(role),
                    cut_after=after)

    def plan_redraw(self, session_id, character_id, llm_profile_id=None, at=None):
        """The Turn regenerating the last AI reply of `character_id` (its profile unless one is named).

        `at` (a stored AI message): regenerate that reply instead; the turns after it go when the new one is stored.
        """
        view = self.config.view()
        history = self.sessions.history(session_id)
        role = view.role(character_id)
        last = at or self.sessions.last_ai_message(session_id, character_id)
        if last is None:
            raise NotFound(f"Session '{session_id}' has no AI reply of character '{character_id}' to redraw",
                           id=character_id)
        if llm_profile_id:
            pid = view.profile(llm_profile_id)["id"]
        else:
            previous = (last.get("metadata") or {}).get("used_profile_id")
            if view.has_profile(previous):
                pid = previous
            else:  # that profile is gone: route as a new chat would
                pid, _ = view.effective_profile(role, self.sessions.get_overrides(session_id))
        earlier = [m for m in history if m["position"] < last["position"]]
        messages = routing.build_messages(role, earlier, view.role_names)
        return Turn(session_id, character_id, pid, messages, replaces=last, view=view, request=role_request(role),
                    cut_after=last["position"] if at else None)

    # ---- running ----------------------------------------------------------------------------

    def meter(self, by_id, api, role_id=None, session_id=None, scope=None):
        """The Meter of one request (budgets, costs, ledger rows, metrics, spans); `scope`: the request's, when
        the meter is made away from the request's own greenlet (compare)."""
        return Meter(self.usage, by_id, api, role_id, session_id, self.budgets, scope, self.tracer, self.trace_content)

    def run(self, turn):
        """Call the gateway and store the exchange; the reply dict. Nothing is stored when the call fails."""
        resolve, by_id = self.caller(turn.view or self.config.view(), request=turn.request)
        answer = gateway.chat(turn.profile_id, turn.messages, resolve, by_id,
                              self.meter(by_id, "chat", turn.role_id, turn.session_id))
        return self._store(turn, answer.text, answer.metadata())

    def run_stream(self, turn):
        """A started ReplyStream: text deltas, then the stored reply dict (stored even if the reader leaves)."""
        resolve, by_id = self.caller(turn.view or self.config.view(), request=turn.request)
        source = stream_source(turn.profile_id, turn.messages, resolve, by_id,
                               self.meter(by_id, "chat", turn.role_id, turn.session_id))
        started = time.monotonic()
        stream = ReplyStream(source, lambda answer: self._store(turn, answer.text, answer.metadata()),
                             on_stop=lambda text: self._store(turn, text, stopped_metadata(turn, by_id, started)))
        stream.on_done = lambda ended: self._forget(turn.session_id, ended)
        with self._locks_guard:
            self._running.setdefault(turn.session_id, set()).add(stream)
        return stream.start()

    def _forget(self, session_id, stream):
        with self._locks_guard:
            running = self._running.get(session_id)
            if running is not None:
                running.discard(stream)
                if not running:
                    del self._running[session_id]

    def stop(self, session_id):
        """Stop the session's streamed replies: each keeps what arrived, marked stopped; how many were stopped."""
        self.sessions.get_session(session_id)  # NotFound names the session
        with self._locks_guard:
            running = list(self._running.pop(session_id, ()))
        return sum(1 for stream in running if stream.stop())

    def lock(self, session_id):
        """The lock that keeps one session's writes from interleaving."""
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def _store(self, turn, text, meta):
        """The player's line and the reply as two consecutive turns (or the redraw as an alternative)."""
        with self.lock(turn.session_id):  # keeps concurrent chats of one session from interleaving
            if turn.replaces is not None:
                stored = self.sessions.add_alternative(turn.replaces["id"], text, meta,
                                                       cut_after=turn.cut_after is not None)
            else:
                player = [(None, turn.user_text, False, {"to_role_id": turn.role_id})] if turn.user_text else []
                stored = self.sessions.add_messages(turn.session_id, player + [
                    (turn.role_id, text, True, meta),
                ], cut_after=turn.cut_after)[-1]  # the player's line and the reply in one transaction: never half-stored
        return reply(stored, turn)

    # ---- stateless completions (the OpenAI face) -------------------------------------------------

    def plan_completion(self, model, messages, tuning=None, json_mode=False, request=None):
        """(profile_id, messages, resolve, profiles, meter) for one completion; settings are read once.

        `request`: every other field the caller sent (OpenAI names); OpenAI-format upstreams get them as sent,
        the others translate them or refuse them (providers/face_params)."""
        view = self.config.view()
        profile_id, role = resolve_model(view, model)
        messages = to_messages(messages)
        prompt = routing.system_prompt(role) if role else None
        if prompt:
            messages.insert(0, {"role": "system", "content": prompt})
        resolve, by_id = self.caller(view, tuner(tuning or {}, json_mode), request or None)
        return profile_id, messages, resolve, by_id, self.meter(by_id, "v1", role.get("id") if role else None)

    def complete(self, model, messages, tuning=None, json_mode=False, request=None):
        """One completion (a gateway result); nothing is stored."""
        return gateway.chat(*self.plan_completion(model, messages, tuning, json_mode, request))

    def complete_stream(self, model, messages, tuning=None, json_mode=False, request=None):
        """Deltas (text, or Delta for tool calls and the like), then the gateway result; nothing is stored."""
        return stream_source(*self.plan_completion(model, messages, tuning, json_mode, request))

    def compare(self, session_id, character_id, profile_ids, message=None):
        """The same turn from 2-4 profiles in parallel, each reply kept as an alternative (core/compare)."""
        return comparing.run(self, comparing.plan(self, session_id, character_id, profile_ids, message))

    def compare_stream(self, session_id, character_id, profile_ids, message=None):
        """compare(), told as it happens: ("answer", {...}) as each profile ends, then ("done", compare()'s result)."""
        return comparing.stream(self, comparing.plan(self, session_id, character_id, profile_ids, message))

    # ---- alternatives and overrides ------------------------------------------------------------

    def select_alternative(self, session_id, position, alt_index):
        """Make one alternative of a turn current; the message."""
        return self.sessions.select_alternative(session_id, position, alt_index)

    def set_override(self, session_id, character_id, profile_id):
        """Route a character to a profile in one session; unknown ids answer 404."""
        view = self.config.view()
        view.role(character_id)
        if not isinstance(profile_id, str) or not profile_id:
            raise ValidationFailed({"profile_id": "is required"})
        view.profile(profile_id)
        self.sessions.set_override(session_id, character_id, profile_id)
        return self.sessions.get_overrides(session_id)


def stopped_metadata(turn, by_id, started):
    """The metadata of a reply stopped by a person: who was answering, and finish "stopped" (usage unknown)."""
    profile = by_id.get(turn.profile_id) or {}
    return {"used_profile_id": turn.profile_id, "provider_type": profile.get("provider"), "model": profile.get("model"),
            "latency_ms": int((time.monotonic() - started) * 1000),
            "usage": {"prompt_tokens": None, "completion_tokens": None}, "finish_reason": "stopped",
            "fallback_from": None, "tool_calls": [], "iterations": 1, "cost_usd": None}


def stream_source(profile_id, messages, resolve, by_id, meter=None):
    """The gateway's stream, or one complete reply as a single delta when the profile turned streaming off."""
    if ((by_id.get(profile_id) or {}).get("options") or {}).get("stream") is False:
        return _whole(gateway.chat, profile_id, messages, resolve, by_id, meter)
    return gateway.stream(profile_id, messages, resolve, by_id, meter)


def _whole(call, *args):
    result = call(*args)
    if result.text:
        yield result.text
    if result.tool_calls:  # a stream's pieces carry the calls too, whole
        yield Delta({"tool_calls": [dict(c, index=i) for i, c in enumerate(result.tool_calls)]})
    yield result


def role_request(role):
    """A role's request fields for its provider: the `tools` of its config (or of its ai_config), else None."""
    ai = role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {}
    tools = role.get("tools") or ai.get("tools")
    return {"tools": tools} if isinstance(tools, list) and tools else None


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


def model_list(view):
    """Profiles by id, then role:<id> entries (OpenAI's list shape is made by the web layer), each with the
    context window and max output tokens when the profile or the catalog knows them (None otherwise)."""
    items = [{"id": pid, "name": p.get("name"), "provider": p.get("provider"), "model": p.get("model"),
              **limits_of(p)} for pid, p in view.profiles_by_id.items()]
    for r in view.roles:
        if r.get("id"):
            try:
                target = view.get_profile(view.effective_profile(r)[0]) or {}
            except WebUIError:  # a role whose profile is gone is still listed; calling it names the problem
                target = {}
            items.append({"id": ROLE_PREFIX + r["id"], "name": r.get("name"), "provider": None, "model": None,
                          **limits_of(target)})
    return items


def limits_of(profile):
    """{context_window, max_output_tokens}: the profile's own settings first, then the catalog's numbers."""
    context, output = catalog.model_limits(profile.get("model"))
    own = lambda name: profile.get(name) if isinstance(profile.get(name), int) else None  # noqa: E731
    return {"context_window": own("context_window") or context, "max_output_tokens": own("max_tokens") or output}


def resolve_model(view, model):
    """(profile_id, role or None) for a `model` string: a profile id, a profile name, or role:<id>."""
    if not isinstance(model, str) or not model.strip():
        raise ValidationFailed({"model": "is required"})
    if model.startswith(ROLE_PREFIX):
        role = view.role(model[len(ROLE_PREFIX):])
        return view.effective_profile(role)[0], role
    found = view.profiles
    for match in (lambda p: p.get("id") == model, lambda p: str(p.get("name", "")).casefold() == model.casefold()):
        hit = next((p for p in found if match(p)), None)
        if hit:
            return hit["id"], None
    raise UnknownModel(f"The model '{model}' does not exist: use a profile id, a profile name or role:<id> "
                       "(GET /v1/models lists them).", id=model)


def to_messages(raw):
    """The request's messages, checked and kept as sent (tool calls, tool results, image parts, developer)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed({"messages": "must be a non-empty list of messages"})
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("role") not in MESSAGE_ROLES:
            raise ValidationFailed({f"messages[{i}]": f"needs a role among {', '.join(MESSAGE_ROLES)}"})
        content = item.get("content")
        if content is not None and not isinstance(content, str) and not (
                isinstance(content, list) and all(isinstance(p, dict) for p in content)):
            raise ValidationFailed({f"messages[{i}].content": "must be text or a list of content parts"})
        if isinstance(content, list) and not all(isinstance(p.get("text", ""), str) for p in content
                                                 if p.get("type") == "text"):
            raise ValidationFailed({f"messages[{i}].content": "a text part's text must be a string"})
    return list(raw)


def tuner(tuning, json_mode=False):
    """A function adjusting a profile copy with a request's sampling fields ({OpenAI name: value}, None = unset)."""
    changes = {}
    for name, field in TUNING.items():
        value = tuning.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationFailed({name: "must be a number"})
        changes[field] = value

    def tune(profile):
        profile = dict(profile, **changes)
        if json_mode:
            profile["options"] = dict(profile.get("options") or {}, json_mode=True)
        return profile

    return tune
