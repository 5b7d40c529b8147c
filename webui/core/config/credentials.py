"""Provider credentials: stored once per provider (secrets encrypted), masked views, call resolution."""

import os

from webui.catalog import (AZURE_ENV_VAR, PRESETS, PROVIDERS, SECRET_FIELDS, canonical_provider, key_env_var, route_model,
                           server_in_credential)
from webui.core.config import key_binding
from webui.core.config.profiles import ID_RE, URL_RE
from webui.core.storage.vault import is_secret_obj
from webui.errors import MissingCredential, NotFound, SecretUnreadable, ValidationFailed
from webui.settings import Settings

# api_key_ref may name only the providers' own key variables (the catalog's) and what WEBUI_KEY_REF_ALLOW adds:
# never the web UI's or supervisord's secrets, nor any other *_KEY / *_TOKEN of the host (issues 15 and 24).
KEY_REF_DEFAULTS = frozenset([*(spec["env_var"] for spec in PROVIDERS.values() if spec.get("env_var")),
                              *(spec["env_var"] for spec in PRESETS.values() if spec.get("env_var")),
                              AZURE_ENV_VAR])  # the providers' and the presets' own key variables
KEY_REF_ALLOW_ENV = "WEBUI_KEY_REF_ALLOW"
# Control characters (CR, LF, NUL, TAB, DEL…) would split headers or log lines.
CONTROL_CHARS = frozenset(map(chr, [*range(0x20), 0x7F]))


def key_ref_allowed(name, environ=None):
    """True when api_key_ref may read this variable: a provider's own key variable, or one in WEBUI_KEY_REF_ALLOW."""
    return name in KEY_REF_DEFAULTS or name in Settings.from_env(environ).key_ref_allow


def key_ref_message(name):
    """The field error for an api_key_ref outside the allowlist, naming the variable."""
    return (f"may not name {name}: only the providers' key variables ({', '.join(sorted(KEY_REF_DEFAULTS))}) "
            f"or names listed in {KEY_REF_ALLOW_ENV}")


def has_control_chars(value):
    """True when a secret holds a control character (refused: it could forge headers or log lines)."""
    return isinstance(value, str) and any(ch in CONTROL_CHARS for ch in value)


def credentials_of(settings):
    """The provider_credentials dict inside settings (created when missing)."""
    creds = settings.get("provider_credentials")
    if not isinstance(creds, dict):
        creds = settings["provider_credentials"] = {}
    return creds


def credential_id_of(profile):
    """Which credential a profile uses: credential_id, else its provider name."""
    return profile.get("credential_id") or profile.get("provider")


def has_field(settings, profile, field):
    """True when the profile's credential holds `field` (a secret counts even if it needs re-entry)."""
    cred = credentials_of(settings).get(credential_id_of(profile))
    if not isinstance(cred, dict):
        return False
    value = cred.get(field)
    return is_secret_obj(value) if field in SECRET_FIELDS else bool(value)


def check_payload(credential_id, payload):
    """Field errors for a credential update."""
    errors = {}
    if not isinstance(credential_id, str) or not ID_RE.match(credential_id):
        errors["credential_id"] = "must be 1-64 letters, digits, '.', '_' or '-'"
    if not isinstance(payload, dict):
        return {"credential": "must be a JSON object"}
    for field in SECRET_FIELDS:
        if field in payload and payload[field] is not None and not isinstance(payload[field], str):
            errors[field] = "must be a string"
        elif isinstance(payload.get(field), str) and len(payload[field]) > 4096:
            errors[field] = "is too long"
        elif isinstance(payload.get(field), str) and has_control_chars(payload[field].strip()):
            errors[field] = "must not contain control characters (line breaks, tabs, NUL)"
    url = payload.get("url")
    if url not in (None, "") and (not isinstance(url, str) or not URL_RE.match(url.strip())):
        errors["url"] = "must be an http:// or https:// URL"
    models = payload.get("models")
    if models is not None and (not isinstance(models, list) or not all(isinstance(m, str) for m in models)):
        errors["models"] = "must be a list of model names"
    if "provider" in payload and canonical_provider(payload["provider"]) is None:
        errors["provider"] = "unknown provider"
    return errors


def apply(settings, credential_id, payload, vault, url=None, provider=None):
    """Set fields of one credential: a non-empty secret replaces, an absent one is kept, null removes. A stored
    secret is bound to `url` (the URL typed with it), else to where `provider`'s calls go (key_binding)."""
    errors = check_payload(credential_id, payload)
    if errors:
        raise ValidationFailed(errors)
    cred = credentials_of(settings).setdefault(credential_id, {})
    stored, same = False, True
    for field, value in payload.items():
        if field in SECRET_FIELDS:
            if value is None:
                cred.pop(field, None)
            elif value.strip():
                same = same and _same_secret(cred.get(field), value.strip(), vault)
                cred[field] = vault.encrypt(value.strip())
                stored = True
        elif field == "url":
            cred["url"] = value.strip().rstrip("/") if value else None
        elif field == "provider":
            cred["provider"] = canonical_provider(value)
        elif field != "bound_urls":  # bindings are made here, never posted
            cred[field] = value
    if stored:
        key_binding.bind(settings, credential_id, cred, url, provider, same_secret=same)
    return cred


def _same_secret(current, typed, vault):
    """True when the stored secret is the one typed again (its bindings are kept, the new URL added)."""
    if not is_secret_obj(current):
        return False
    try:
        return vault.decrypt(current) == typed
    except SecretUnreadable:
        return False


def remove(settings, credential_id):
    """Delete a credential; NotFound when there is none."""
    creds = credentials_of(settings)
    if credential_id not in creds:
        raise NotFound(f"No credential with id '{credential_id}'", id=credential_id)
    del creds[credential_id]


def masked_view(settings, vault):
    """Every credential with secrets masked ({"set", "hint"}, needs_reentry when unreadable)."""
    out = {}
    for cid, cred in credentials_of(settings).items():
        if not isinstance(cred, dict):
            continue
        view = {}
        for field, value in cred.items():
            view[field] = vault.masked(value) if field in SECRET_FIELDS or is_secret_obj(value) else value
        out[cid] = view
    return out


def plaintext(settings, credential_id, field, vault):
    """A decrypted secret of a credential, or None when not set (SecretUnreadable propagates)."""
    cred = credentials_of(settings).get(credential_id)
    if not isinstance(cred, dict) or cred.get(field) is None:
        return None
    return vault.decrypt(cred[field])


def resolve_key(settings, profile, vault, environ=None):
    """The profile's API key: api_key_ref (env var, read now), else its credential; None if unset."""
    ref = profile.get("api_key_ref")
    if ref:
        env = os.environ if environ is None else environ
        if not key_ref_allowed(ref, env):  # a hand-edited config must not send e.g. WEBUI_PASSWORD anywhere
            raise MissingCredential(f"Profile '{profile.get('name')}': api_key_ref {key_ref_message(ref)}.",
                                    field="api_key_ref")
        value = env.get(ref)
        if not value:
            label = PROVIDERS.get(profile.get("provider"), {}).get("label", "the provider")
            raise MissingCredential(
                f"Environment variable {ref} is not set; profile '{profile.get('name')}' reads its "
                f"{label} API key from it.",
                variable=ref,
            )
        return value
    try:
        return plaintext(settings, credential_id_of(profile), "api_key", vault)
    except SecretUnreadable:
        raise SecretUnreadable(
            f"The stored API key for '{credential_id_of(profile)}' cannot be decrypted with the current key; "
            "enter it again under API & Models.",
            credential_id=credential_id_of(profile),
        ) from None


def resolve_call(settings, profile, vault, environ=None):
    """Everything an adapter needs for one request (see providers.results.Call)."""
    from webui.providers.results import Call  # the core owns resolution; adapters never see the vault

    original, profile = profile, routed(profile)
    cred = credentials_of(settings).get(credential_id_of(profile)) or {}
    api_key = resolve_key(settings, profile, vault, environ)
    from_store = api_key is not None and not profile.get("api_key_ref")
    if api_key is None and not profile.get("api_key_ref"):  # SPEC §3.3: else the provider's standard variable
        variable = key_env_var(original.get("provider"), original.get("model"))
        api_key = (os.environ if environ is None else environ).get(variable) if variable else None
    base_url = profile.get("base_url")
    token = None
    if server_in_credential(profile.get("provider")):
        base_url = base_url or cred.get("url") or settings.get("ollama_url")
        token = plaintext(settings, credential_id_of(profile), "token", vault)
    _check_binding(settings, profile, cred, base_url, from_store, token)
    hint = vault_hint(api_key)
    return Call(profile=profile, api_key=api_key, base_url=base_url, token=token, key_hint=hint)


def _check_binding(settings, profile, cred, base_url, stored_key, token):
    """MissingCredential when a stored key or token would go to a URL it was not stored for (key_binding)."""
    if not stored_key and token is None:
        return
    cred_id = credential_id_of(profile)
    url = key_binding.effective_url(settings, profile.get("provider"), cred, base_url)
    if not key_binding.allows(settings, cred_id, url):
        raise MissingCredential(f"Profile '{profile.get('name') or profile.get('id')}': "
                                + key_binding.refusal(cred_id, url, "key" if stored_key else "token") + ".",
                                field="api_key" if stored_key else "token")


def routed(profile):
    """The profile as its provider sees it: a LiteLLM model prefix resolved to provider and wire model.

    The stored profile keeps the model as written; a routed copy without its own credential_id uses the
    credential of the provider it routes to. An Azure deployment is the OpenAI-compatible adapter in Azure mode.
    """
    provider, model, deployment = route_model(profile.get("provider"), profile.get("model"))
    if provider == profile.get("provider") and model == profile.get("model"):
        return profile
    out = dict(profile, provider=provider, model=model)
    if deployment is not None:
        out["options"] = dict(profile.get("options") or {}, azure=True)
    return out


def vault_hint(secret):
    """The masked hint of a plaintext secret (safe to log)."""
    from webui.core.storage.vault import mask

    return mask(secret)["hint"] or ""
