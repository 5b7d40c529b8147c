"""The OpenAI-compatible face's use cases: which profile a `model` names, and stateless completions."""

from . import gateway, routing
from .chat_service import stream_source
from ..errors import NotFound, ValidationFailed

ROLE_PREFIX = "role:"
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
# Request fields that tune the profile for this one call (OpenAI name -> profile field).
TUNING = {"temperature": "temperature", "top_p": "top_p", "presence_penalty": "presence_penalty",
          "frequency_penalty": "frequency_penalty", "max_tokens": "max_tokens",
          "max_completion_tokens": "max_tokens"}


class ModelNotFound(NotFound):
    """A `model` that is neither a profile id, a profile name nor role:<id>."""

    code = "model_not_found"


def model_list(settings):
    """Profiles by id, then role:<id> entries (OpenAI's list shape is made by the web layer)."""
    items = [{"id": p["id"], "name": p.get("name"), "provider": p.get("provider"), "model": p.get("model")}
             for p in settings.get("llm_profiles") or [] if isinstance(p, dict) and p.get("id")]
    items += [{"id": ROLE_PREFIX + r["id"], "name": r.get("name"), "provider": None, "model": None}
              for r in settings.get("llm_roles") or [] if isinstance(r, dict) and r.get("id")]
    return items


def resolve_model(settings, model):
    """(profile_id, role or None) for a `model` string: a profile id, a profile name, or role:<id>."""
    if not isinstance(model, str) or not model.strip():
        raise ValidationFailed({"model": "is required"})
    if model.startswith(ROLE_PREFIX):
        role = routing.find_role(settings, model[len(ROLE_PREFIX):])
        return routing.resolve(settings, role)[0], role
    found = [p for p in settings.get("llm_profiles") or [] if isinstance(p, dict)]
    for match in (lambda p: p.get("id") == model, lambda p: str(p.get("name", "")).casefold() == model.casefold()):
        hit = next((p for p in found if match(p)), None)
        if hit:
            return hit["id"], None
    raise ModelNotFound(f"The model '{model}' does not exist: use a profile id, a profile name or role:<id> "
                        "(GET /v1/models lists them).", id=model)


def to_messages(raw):
    """OpenAI request messages as plain {role, content} text messages (content parts joined)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed({"messages": "must be a non-empty list of messages"})
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("role") not in MESSAGE_ROLES:
            raise ValidationFailed({f"messages[{i}]": f"needs a role among {', '.join(MESSAGE_ROLES)}"})
        content = item.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if content is not None and not isinstance(content, str):
            raise ValidationFailed({f"messages[{i}].content": "must be text or a list of text parts"})
        role = {"developer": "system", "tool": "user"}.get(item["role"], item["role"])
        out.append({"role": role, "content": content or ""})
    return out


def tuning(body):
    """A function adjusting a profile copy with the request's sampling fields (None: leave as is)."""
    changes = {}
    for name, field in TUNING.items():
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationFailed({name: "must be a number"})
        changes[field] = value
    json_mode = (body.get("response_format") or {}).get("type") == "json_object"

    def tune(profile):
        profile = dict(profile, **changes)
        if json_mode:
            profile["options"] = dict(profile.get("options") or {}, json_mode=True)
        return profile

    return tune


def plan(chat_service, body):
    """(profile_id, messages, resolve, profiles) for one completion request."""
    settings, _ = chat_service.config.settings()
    profile_id, role = resolve_model(settings, body.get("model"))
    messages = to_messages(body.get("messages"))
    prompt = routing.system_prompt(role) if role else None
    if prompt:
        messages.insert(0, {"role": "system", "content": prompt})
    resolve, by_id = chat_service.caller(settings, tuning(body))
    return profile_id, messages, resolve, by_id


def complete(chat_service, body):
    """One completion (a gateway result); nothing is stored."""
    return gateway.chat(*plan(chat_service, body))


def complete_stream(chat_service, body):
    """Text deltas, then the gateway result; nothing is stored."""
    return stream_source(*plan(chat_service, body))
