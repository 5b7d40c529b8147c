"""A stored secret is bound to the base URLs it was stored for (issue 24 item 5).

Storing a key binds it to the URL typed with it, or the provider's default URL (for Ollama: the server URL it was
stored with). A call or a connection test may send a stored secret only to a bound URL; anywhere else the key must
be typed again (which binds it there too, when it is the same key; a new key replaces the bindings). Credentials
stored before this rule are bound, on the first save, to the URLs their profiles used before that save.
"""

from webui.catalog import PROVIDERS, SECRET_FIELDS, canonical_provider
from webui.core.storage.vault import is_secret_obj


def normalize(url):
    """A URL as compared: trimmed, no trailing slash, lower case; None when empty."""
    return url.strip().rstrip("/").lower() if isinstance(url, str) and url.strip() else None


def credential_provider(cred_id, cred):
    """The provider a credential was stored for: its `provider`, else its id when that names a provider."""
    return canonical_provider((cred or {}).get("provider")) or canonical_provider(cred_id)


def effective_url(settings, provider, cred, base_url=None):
    """Where a call goes: the base URL given, else (Ollama) the credential's or the settings' server URL, else the
    provider's default."""
    if normalize(base_url):
        return normalize(base_url)
    provider = canonical_provider(provider) or provider
    if provider == "ollama":
        found = normalize((cred or {}).get("url")) or normalize(settings.get("ollama_url"))
        if found:
            return found
    return normalize(PROVIDERS.get(provider, {}).get("default_base_url"))


def bind(settings, cred_id, cred, url=None, provider=None, same_secret=False):
    """Bind a just-stored secret to `url` (or where its provider's calls go by default)."""
    target = effective_url(settings, provider or credential_provider(cred_id, cred), cred, url)
    urls = list(cred.get("bound_urls") or []) if same_secret else []
    if target and target not in urls:
        urls.append(target)
    cred["bound_urls"] = urls


def _legacy_urls(settings, cred_id, cred):
    """For a credential stored before binding: its provider's default and own URL, and its profiles' URLs."""
    from webui.core.config import profiles  # profiles imports nothing of this module; kept local for clarity

    provider = credential_provider(cred_id, cred)
    urls = {effective_url(settings, provider, cred), normalize(cred.get("url"))}
    for profile in profiles.profiles_of(settings):
        if not isinstance(profile, dict) or profile.get("api_key_ref"):
            continue
        if (profile.get("credential_id") or profile.get("provider")) == cred_id:
            urls.add(effective_url(settings, profile.get("provider"), cred, profile.get("base_url")))
    return sorted(u for u in urls if u)


def bind_legacy(settings):
    """Give every credential with a secret and no bindings the URLs it is used with now (before a change)."""
    creds = settings.get("provider_credentials")
    for cid, cred in (creds.items() if isinstance(creds, dict) else ()):
        if isinstance(cred, dict) and "bound_urls" not in cred and any(is_secret_obj(cred.get(f))
                                                                       for f in SECRET_FIELDS):
            cred["bound_urls"] = _legacy_urls(settings, cid, cred)


def bound_urls(settings, cred_id, cred):
    """The URLs a credential's stored secret may be sent to (for one stored before binding: where it is used now)."""
    return cred["bound_urls"] if isinstance(cred.get("bound_urls"), list) else _legacy_urls(settings, cred_id, cred)


def allows(settings, cred_id, url):
    """True when the credential's stored secret may be sent to `url` (an effective URL)."""
    cred = (settings.get("provider_credentials") or {}).get(cred_id)
    if not isinstance(cred, dict):
        return False
    return normalize(url) in bound_urls(settings, cred_id, cred)


def refusal(cred_id, url, what="key"):
    """The message for a stored secret asked to go elsewhere."""
    return (f"The stored {what} of '{cred_id}' is only sent to the URL it was saved for, not {url}; "
            f"enter the {what} for this URL")
