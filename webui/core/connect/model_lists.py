"""Provider calls of the configuration plan: model lists (cached) and connection tests, for saved or unsaved values."""

from webui.catalog import PROVIDERS, canonical_provider, server_in_credential
from webui.core.config import credentials, key_binding, profiles
from webui.core.config.profiles import ID_RE, URL_RE
from webui.errors import SecretUnreadable, ValidationFailed

FORM_FIELDS = ("provider", "base_url", "api_key", "url", "token", "credential_id")


def _cache():
    from webui.providers import models_cache  # the core owns resolution; the providers package owns HTTP

    return models_cache


def profile_models(svc, profile_id, refresh=False):
    """Model ids for a saved profile, through the 5-minute cache."""
    settings, _ = svc.settings()
    profile = profiles.find(settings, profile_id)
    call = credentials.resolve_call(settings, profile, svc.vault, svc.environ)
    return _cache().list_models(profile["provider"], call.api_key, call.base_url, call.token, refresh=refresh)


def check_form(form):
    """(canonical provider, field errors) for unsaved form values."""
    errors = {}
    provider = canonical_provider(form.get("provider"))
    if provider is None:
        errors["provider"] = f"must be one of {', '.join(PROVIDERS)}"
    for field in FORM_FIELDS[1:]:
        if form.get(field) is not None and not isinstance(form[field], str):
            errors[field] = "must be a string"
        elif field in ("api_key", "token") and credentials.has_control_chars((form.get(field) or "").strip()):
            errors[field] = "must not contain control characters (line breaks, tabs, NUL)"
    for field in ("base_url", "url"):
        value = form.get(field)
        if isinstance(value, str) and value.strip() and not URL_RE.match(value.strip()):
            errors[field] = "must be an http:// or https:// URL"
    cred = form.get("credential_id")
    if isinstance(cred, str) and cred and not ID_RE.match(cred):
        errors["credential_id"] = "must be 1-64 letters, digits, '.', '_' or '-'"
    return provider, errors


def form_models(svc, form, refresh=False):
    """Model ids for unsaved form values; an absent api_key/token/url falls back to the stored credential."""
    provider, errors = check_form(form)
    if errors:
        raise ValidationFailed(errors)
    base_url, api_key, token = form_connection(svc, form, provider)
    return _cache().list_models(provider, api_key, base_url, token, refresh=refresh)


def form_connection(svc, form, provider, settings=None):
    """(base_url, api_key, token) for checked form values; an absent key/token/url falls back to the stored one.

    A stored secret goes only to a base URL it is bound to (key_binding; issues 15 and 24, CVE-2024-6587's class
    of flaw): for any other URL the form must carry its own key.
    """
    settings = settings if settings is not None else svc.settings()[0]
    cred_id = (form.get("credential_id") or "").strip() or provider
    stored = credentials.credentials_of(settings).get(cred_id) or {}
    given = lambda name: (form.get(name) or "").strip() or None  # noqa: E731 (empty input means "not given")
    base_url = given("base_url")
    if server_in_credential(provider):
        base_url = base_url or given("url") or stored.get("url") or settings.get("ollama_url")
    trusted = key_binding.allows(settings, cred_id, key_binding.effective_url(settings, provider, stored, base_url))
    api_key = given("api_key") or _stored_for(settings, cred_id, "api_key", svc.vault, trusted)
    token = None
    if server_in_credential(provider):
        token = given("token") or _stored_for(settings, cred_id, "token", svc.vault, trusted)
    return base_url, api_key, token


def _stored_for(settings, cred_id, field, vault, trusted):
    """The stored secret when the URL is one it is stored for; for another URL a stored one is a field error."""
    if not credentials.has_field(settings, {"credential_id": cred_id}, field):
        return None
    if not trusted:
        what = "key" if field == "api_key" else field
        raise ValidationFailed({field: f"enter the {what} for this URL: a stored one is only "
                                       "sent to the URL it was saved for"})
    return _stored_secret(settings, cred_id, field, vault)


def _stored_secret(settings, cred_id, field, vault):
    try:
        return credentials.plaintext(settings, cred_id, field, vault)
    except SecretUnreadable:
        raise SecretUnreadable(f"The stored {field} for '{cred_id}' cannot be decrypted with the current key; "
                               "enter it again.", credential_id=cred_id) from None
