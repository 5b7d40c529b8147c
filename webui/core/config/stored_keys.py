"""The stored provider keys at a glance (provider, masked key, where it may go, who uses it) and forgetting one."""

from webui.catalog import PRESETS, PROVIDERS, SECRET_FIELDS
from webui.core.config import credentials, key_binding, profiles
from webui.errors import Conflict, NotFound

SECRET_LABELS = {"api_key": "API key", "token": "Bearer token"}


def overview(settings, vault):
    """Every credential holding a stored secret: [{id, label, set_name, secrets, has_key, urls, server_url, users,
    needy, active_needs}], by provider name. No secret ever leaves: only the vault's masked hints."""
    rows = []
    for cred_id, cred in credentials.credentials_of(settings).items():
        if not isinstance(cred, dict) or not any(cred.get(f) is not None for f in SECRET_FIELDS):
            continue
        users = _users(settings, cred_id)
        rows.append({
            "id": cred_id, "label": provider_label(cred_id, cred, users),
            # A credential set of its own (credential_id) is named too: two OpenAI-compatible keys look alike.
            "set_name": None if cred_id in PROVIDERS or cred_id in PRESETS else cred_id,
            "secrets": [dict(vault.masked(cred[f]), field=f, label=SECRET_LABELS.get(f, f))
                        for f in SECRET_FIELDS if cred.get(f) is not None],
            "has_key": cred.get("api_key") is not None,
            "urls": key_binding.bound_urls(settings, cred_id, cred),
            "server_url": cred.get("url"), "users": users, "needy": [u["name"] for u in users if u["relies"]],
            "active_needs": _active_needs(settings, cred, users)})
    return sorted(rows, key=lambda r: (r["label"].casefold(), r["set_name"] or ""))


def provider_label(cred_id, cred, users=()):
    """A credential's provider as people know it: "Groq", "OpenAI", never `open_ai` (a credential set of its own
    is named by the provider of the profiles that use it)."""
    if cred_id in PRESETS:
        return PRESETS[cred_id]["label"]
    provider = key_binding.credential_provider(cred_id, cred) or next((u["provider"] for u in users), None)
    return PROVIDERS[provider]["short_label"] if provider in PROVIDERS else cred_id


def _active_needs(settings, cred, users):
    """The active profile's name when it relies on this credential's API key (the key cannot go then)."""
    active = settings.get("active_llm_profile")
    return next((u["name"] for u in users if u["relies"] and u["id"] == active), None) if cred.get("api_key") else None


def _users(settings, cred_id):
    """The profiles whose calls take this credential: [{id, name, provider, variable, relies}].

    `variable`: the profile reads its key from that environment variable instead; `relies`: it reads no variable,
    so the stored secret is the one its calls send (without it they go keyless).
    """
    out = []
    for profile in profiles.profiles_of(settings):
        routed = credentials.routed(profile)
        if credentials.credential_id_of(routed) != cred_id:
            continue
        variable = profile.get("api_key_ref") or None
        out.append({"id": profile.get("id"), "name": profile.get("name") or profile.get("id"),
                    "provider": routed.get("provider"), "variable": variable, "relies": not variable})
    return out


def forget(svc, cred_id, revision=None, restart=True):
    """Remove every stored secret of a credential (its server URL and model list stay: they are no secrets).

    Refused (Conflict) while the active profile needs the key: the active profile must stay able to run.
    """

    def change(settings):
        creds = credentials.credentials_of(settings)
        cred = creds.get(cred_id)
        if not isinstance(cred, dict) or not any(cred.get(f) is not None for f in SECRET_FIELDS):
            raise NotFound(f"No stored key for '{cred_id}'.", id=cred_id)
        users = _users(settings, cred_id)
        label, active = provider_label(cred_id, cred, users), _active_needs(settings, cred, users)
        if active:
            raise Conflict(f"The {label} key was not removed: the active profile “{active}” needs it. "
                           "Make another profile active first, or give this one an environment variable for its key.",
                           id=cred_id)
        for field in (*SECRET_FIELDS, "bound_urls"):
            cred.pop(field, None)
        if not set(cred) - {"provider"}:  # nothing but the provider name left: no credential at all
            del creds[cred_id]
        return {"label": label, "needy": [u["name"] for u in users if u["relies"]]}

    return svc.mutate(change, revision, restart)
