"""A Messages request through the gateway: as sent to Anthropic profiles, translated for the others, with the
same fallback, budgets, metering and ledger as the OpenAI face (ChatService and core.chat.gateway)."""

from webui import face_params
from webui.catalog import PROVIDERS
from webui.core.anthropic_face import fields, request as translation
from webui.core.chat import gateway
from webui.core.chat.service import resolve_model, stream_source, tuner
from webui.core.roles import routing
from webui.errors import UntranslatableField, ValidationFailed
from webui.providers import anthropic_native, get_adapter

ANTHROPIC = "anthropic"
API = "messages"  # the ledger's `api` column for this face


def betas(header):
    """(allowed, dropped) anthropic-beta values of a comma-separated header."""
    values = [v.strip() for v in (header or "").split(",") if v.strip()]
    return [v for v in values if v in fields.BETAS], [v for v in values if v not in fields.BETAS]


def with_prompt(body, prompt):
    """The request with a role's prompt ahead of its own system prompt (a string, or text blocks)."""
    if not prompt:
        return body
    system = body.get("system")
    if isinstance(system, list):
        return dict(body, system=[{"type": "text", "text": prompt}, *system])
    return dict(body, system=f"{prompt}\n\n{system}" if system else prompt)


def plan(service, body, allowed_betas=()):
    """(profile_id, messages, resolve, profiles, meter) for core.chat.gateway; `body` is checked already."""
    view = service.config.view()
    profile_id, role = resolve_model(view, body.get("model"))
    body = with_prompt(body, routing.system_prompt(role) if role else None)
    try:
        translated, refusal = translation.translate(body), None
    except UntranslatableField as exc:  # only a problem if a profile that needs the translation is called
        translated, refusal = translation.Translated([], {}, {}), exc
    base, by_id = service.caller(view, tuner(translated.tuning), translated.request or None)
    native = {"body": body, "betas": list(allowed_betas)}

    def resolve(pid):
        call = base(pid)
        provider = (call.profile or {}).get("provider")
        if provider == ANTHROPIC:
            call.native = native
        elif refusal is not None:
            raise refusal.toward(f"profile '{pid}' ({PROVIDERS[provider]['short_label']})")
        elif call.request and "user" in call.request and face_params.mode(provider, "user")[0] == face_params.REFUSED:
            # metadata.user_id only attributes the call (Claude Code always sends it): not a reason to refuse it
            call.request = {k: v for k, v in call.request.items() if k != "user"}
        return call

    meter = service.meter(by_id, API, role.get("id") if role else None)
    return profile_id, translated.messages, resolve, by_id, meter


def complete(service, body, allowed_betas=()):
    """One answer (a GatewayResult); `wire` holds Anthropic's own reply when an Anthropic profile answered."""
    return gateway.chat(*plan(service, body, allowed_betas))


def stream(service, body, allowed_betas=()):
    """Gateway stream items: relayed native events (Delta.raw) or deltas to frame, then the GatewayResult."""
    return stream_source(*plan(service, body, allowed_betas))


def count_tokens(service, body, allowed_betas=()):
    """Anthropic's own count for an Anthropic profile; elsewhere a 400 (a count from another tokenizer is a guess)."""
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise ValidationFailed({"messages": "must be a non-empty list of messages"})
    view = service.config.view()
    profile_id, role = resolve_model(view, body.get("model"))
    resolve, _ = service.caller(view)
    call = resolve(profile_id)
    provider = (call.profile or {}).get("provider")
    if provider != ANTHROPIC:
        raise ValidationFailed({"model": f"names profile '{profile_id}' ({PROVIDERS[provider]['short_label']}); "
                                         "token counts come only from Anthropic profiles, since another "
                                         "tokenizer's count would be a guess"})
    body = with_prompt(body, routing.system_prompt(role) if role else None)
    return anthropic_native.count_tokens(get_adapter(ANTHROPIC), call, body, allowed_betas)
