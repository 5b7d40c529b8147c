"""Compare: one turn of a role answered by 2-4 profiles at once, every reply kept as an alternative of that turn."""

import dataclasses
import logging
import queue
import threading

from webui.core.chat import gateway
from webui.core.chat.streaming import IDLE_TIMEOUT
from webui.core.observe import context
from webui.errors import StreamFailed, ValidationFailed, WebUIError
from webui.offload import in_parallel

log = logging.getLogger("webui.chat")
MIN_PROFILES, MAX_PROFILES = 2, 4


def check_profile_ids(view, profile_ids):
    """The ids, checked: a list of 2-4 distinct known profile ids (unknown ones answer 404)."""
    if (not isinstance(profile_ids, list) or not all(isinstance(p, str) and p for p in profile_ids)
            or not MIN_PROFILES <= len(profile_ids) <= MAX_PROFILES or len(set(profile_ids)) != len(profile_ids)):
        raise ValidationFailed({"llm_profile_ids": f"pick {MIN_PROFILES} to {MAX_PROFILES} different profiles"})
    for pid in profile_ids:
        view.profile(pid)
    return profile_ids


def plan(service, session_id, character_id, profile_ids, message=None):
    """One Turn per profile, all with the same prompt (the role's own turn when message is None)."""
    if not isinstance(character_id, str) or not character_id:
        raise ValidationFailed({"character_id": "is required"})
    first = service.plan_chat(session_id, character_id, message)
    check_profile_ids(first.view, profile_ids)
    return [dataclasses.replace(first, profile_id=pid) for pid in profile_ids]


def run(service, turns):
    """Call every profile in parallel (no fallbacks: each answer must be that profile's) and store the replies
    as alternatives of one new turn, the first that answered current. Nothing is stored if none answered.

    {"session_id", "position", "results": [{llm_profile_id, ok, reply | error}]} in the order asked."""
    return _store(service, turns, in_parallel(_calls(service, turns)))


def stream(service, turns):
    """The same as run(), told as it happens: one answer(...) per profile as each ends (fastest first), then the
    stored result of run(). The calls and the storing go on in the background even if the reader leaves."""
    calls, ended = _calls(service, turns), queue.Queue()

    def reporting(i, call):
        def go():
            try:
                out = call()
            except Exception as exc:  # noqa: BLE001 - told to the reader, then handled as run() does
                out = exc
            ended.put(("answer", answer(turns[i], out)))
            return out
        return go

    def work():
        try:
            ended.put(("done", _store(service, turns, in_parallel([reporting(i, c) for i, c in enumerate(calls)]))))
        except WebUIError as exc:
            ended.put(("error", exc))
        except Exception:  # the reader must hear about it, whatever broke
            log.exception("Compare failed")
            ended.put(("error", StreamFailed("The comparison failed on the server; see its log.")))

    threading.Thread(target=work, name="compare", daemon=True).start()
    return _events(ended, len(turns))


def _events(ended, count):
    """("answer", {...}) per profile, then ("done", result); an error ends it by being raised."""
    for _ in range(count + 1):
        try:
            kind, value = ended.get(timeout=IDLE_TIMEOUT)
        except queue.Empty:
            raise StreamFailed("The compared profiles sent nothing for too long.") from None
        if kind == "error":
            raise value
        yield kind, value
        if kind == "done":
            return


def answer(turn, out):
    """One profile's outcome before it is stored: {llm_profile_id, ok, content, metadata} or {…, ok: false, error}."""
    if isinstance(out, WebUIError):
        return {"llm_profile_id": turn.profile_id, "ok": False, "error": out.to_dict()}
    if isinstance(out, Exception):
        return {"llm_profile_id": turn.profile_id, "ok": False,
                "error": StreamFailed("The call failed on the server; see its log.").to_dict()}
    return {"llm_profile_id": turn.profile_id, "ok": True, "content": out.text, "metadata": out.metadata()}


def _calls(service, turns):
    """One call per turn, each through its own profile only; made in the request's context (meters, request id)."""
    first = turns[0]
    resolve, by_id = service.caller(first.view, request=first.request)
    scope = context.current()  # the parallel calls run in their own greenlets or threads

    def ask(turn, meter):
        own = {turn.profile_id: by_id.get(turn.profile_id)}  # only itself: its fallbacks are not consulted
        return gateway.chat(turn.profile_id, turn.messages, resolve, own, meter)

    # meters (budget, cost, ledger, metrics) are made here, in the request's own context: it names the calling token
    meters = [service.meter(by_id, "chat", turn.role_id, turn.session_id, scope) for turn in turns]
    return [lambda t=turn, m=meter: ask(t, m) for turn, meter in zip(turns, meters)]


def _store(service, turns, answers):
    """Store the answers as alternatives of one turn; the result run() returns."""
    first = turns[0]
    for out in answers:
        if isinstance(out, Exception) and not isinstance(out, WebUIError):
            raise out
    good = [(t, a) for t, a in zip(turns, answers) if not isinstance(a, WebUIError)]
    if not good:
        raise answers[0]
    with service.lock(first.session_id):
        stored = service.sessions.add_compared(first.session_id, first.user_text, first.role_id,
                                               [(a.text, a.metadata()) for _, a in good])
    replies = {t.profile_id: s for (t, _), s in zip(good, stored)}
    results = []
    for turn, out in zip(turns, answers):
        if isinstance(out, WebUIError):
            results.append({"llm_profile_id": turn.profile_id, "ok": False, "error": out.to_dict()})
        else:
            results.append({"llm_profile_id": turn.profile_id, "ok": True,
                            "reply": _reply(replies[turn.profile_id])})
    return {"session_id": first.session_id, "character_id": first.role_id, "position": stored[0]["position"],
            "results": results}


def _reply(stored):
    meta = stored.get("metadata") or {}
    return {"content": stored["content"], "role_id": stored["role_id"], "is_ai": True,
            "used_profile_id": meta.get("used_profile_id"), "metadata": meta, "message_id": stored["id"],
            "position": stored["position"], "alt_index": stored["alt_index"], "is_current": stored["alt_index"] == 0}
