"""Role -> profile resolution, prompt building and reply metadata for chats and redraws."""

from webui.core.config import roles
from webui.errors import NotFound

# Role fields that may carry the character's instructions, in order of precedence.
PROMPT_FIELDS = ("system_prompt", "prompt", "instructions")
PERSONA_FIELDS = ("description", "personality", "persona", "background")


def profile_ids(settings):
    """The ids of every profile, in order."""
    return [p.get("id") for p in settings.get("llm_profiles") or [] if isinstance(p, dict)]


def find_role(settings, role_id):
    """The role with this id, or NotFound naming it."""
    role = roles.find(settings, role_id) if isinstance(role_id, str) else None
    if role is None:
        raise NotFound(f"No role with id '{role_id}'", id=role_id)
    return role


def require_profile(settings, profile_id):
    """NotFound naming the id when no profile has it."""
    if profile_id not in profile_ids(settings):
        raise NotFound(f"No profile with id '{profile_id}'", id=profile_id)
    return profile_id


def resolve(settings, role=None, overrides=None, requested=None):
    """(profile_id, rule) for a chat: request -> session override -> role's profile -> active profile.

    A requested id must exist (404 otherwise); stored references to a profile deleted since then
    are skipped, so the next rule answers instead of the chat breaking.
    """
    if requested:
        return require_profile(settings, requested), "request"
    known = set(profile_ids(settings))
    role_id = (role or {}).get("id")
    override = (overrides or {}).get(role_id) if role_id else None
    if override in known:
        return override, "session_override"
    ai = (role or {}).get("ai_config")
    own = ai.get("profile_id") if isinstance(ai, dict) else None
    if own in known:
        return own, "role"
    active = settings.get("active_llm_profile")
    if active in known:
        return active, "active"
    raise NotFound("No profile to answer with: create a profile and make it active under API & Models.",
                   id=None)


def system_prompt(role):
    """The role's instructions: an explicit prompt field, else one made from its name and description."""
    ai = role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {}
    for source in (role, ai):
        for field in PROMPT_FIELDS:
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    persona = [str(role[f]).strip() for f in PERSONA_FIELDS if isinstance(role.get(f), str) and role[f].strip()]
    if not persona:
        return None
    return f"You are {role.get('name') or role.get('id')}. " + " ".join(persona)


def build_messages(role, history, names=None):
    """OpenAI-style messages: the role's system prompt, then the history as seen by this role.

    The role's own earlier replies are `assistant`; everything else (the player and the other
    characters) is `user`, other characters' lines prefixed with their name so the model can tell
    who spoke.
    """
    names = names or {}
    messages = []
    prompt = system_prompt(role) if role else None
    if prompt:
        messages.append({"role": "system", "content": prompt})
    role_id = (role or {}).get("id")
    for item in history:
        if item.get("is_ai") and item.get("role_id") == role_id:
            messages.append({"role": "assistant", "content": item["content"]})
        elif item.get("is_ai"):
            speaker = names.get(item.get("role_id")) or item.get("role_id") or "Assistant"
            messages.append({"role": "user", "content": f"{speaker}: {item['content']}"})
        elif item.get("role_id") and item.get("role_id") != role_id:  # a human-played character's line
            speaker = names.get(item.get("role_id")) or item.get("role_id")
            messages.append({"role": "user", "content": f"{speaker}: {item['content']}"})
        elif item.get("role_id"):  # this role's own line, typed by the person playing it
            messages.append({"role": "assistant", "content": item["content"]})
        else:
            messages.append({"role": "user", "content": item["content"]})
    return messages


def role_names(settings):
    """{role id: display name} for prefixing other characters' lines."""
    return {r.get("id"): r.get("name") or r.get("id") for r in roles.roles_of(dict(settings)) if isinstance(r, dict)}


def metadata(answer, iterations=1):
    """The stored and returned metadata of one AI reply (a gateway result): exactly the SPEC §5 keys."""
    usage = answer.usage or {}
    return {
        "used_profile_id": answer.used_profile_id,
        "provider_type": answer.provider,
        "model": answer.model,
        "latency_ms": answer.latency_ms,
        "usage": {"prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens")},
        "finish_reason": answer.finish_reason,
        "fallback_from": answer.fallback_from,
        "tool_calls": list(getattr(answer, "tool_calls", None) or []),
        "iterations": iterations,
        "cost_usd": getattr(answer, "cost_usd", None),  # USD; None when no price is known
    }
