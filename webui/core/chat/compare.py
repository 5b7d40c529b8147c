"""Compare: one turn of a role answered by 2-4 profiles at once, every reply kept as an alternative of that turn."""

import dataclasses

from webui.core.chat import gateway
from webui.core.observe import context
from webui.errors import ValidationFailed, WebUIError
from webui.offload import in_parallel

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
    first = turns[0]
    resolve, by_id = service.caller(first.view, request=first.request)
    scope = context.current()  # the parallel calls run in their own greenlets or threads

    def ask(turn, meter):
        own = {turn.profile_id: by_id.get(turn.profile_id)}  # only itself: its fallbacks are not consulted
        return gateway.chat(turn.profile_id, turn.messages, resolve, own, meter)

    # meters (budget, cost, ledger, metrics) are made here, in the request's own context: it names the calling token
    meters = [service.meter(by_id, "chat", turn.role_id, turn.session_id, scope) for turn in turns]
    answers = in_parallel([lambda t=turn, m=meter: ask(t, m) for turn, meter in zip(turns, meters)])
    for answer in answers:
        if isinstance(answer, Exception) and not isinstance(answer, WebUIError):
            raise answer
    good = [(t, a) for t, a in zip(turns, answers) if not isinstance(a, WebUIError)]
    if not good:
        raise answers[0]
    with service.lock(first.session_id):
        stored = service.sessions.add_compared(first.session_id, first.user_text, first.role_id,
                                               [(a.text, a.metadata()) for _, a in good])
    replies = {t.profile_id: s for (t, _), s in zip(good, stored)}
    results = []
    for turn, answer in zip(turns, answers):
        if isinstance(answer, WebUIError):
            results.append({"llm_profile_id": turn.profile_id, "ok": False, "error": answer.to_dict()})
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
