"""Which API key a profile's calls will actually use, where it comes from, and whether the profile can run."""

import os

from webui.catalog import PROVIDERS, key_env_var
from webui.core.config import credentials
from webui.core.storage.vault import mask


def key_source(settings, profile, vault, environ=None):
    """{source, variable, hint, stored_hint, can_run, text}: the key the next call reads, never the key itself.

    source is "variable" (api_key_ref), "stored" (the provider credential), "standard" (the provider's
    standard variable, read when nothing else is set), "none" (no key anywhere) or "not_needed".
    """
    env = os.environ if environ is None else environ
    routed = credentials.routed(profile)
    spec = PROVIDERS.get(routed.get("provider"), {})
    stored = _stored_hint(settings, routed, vault)
    out = {"source": "not_needed", "variable": None, "hint": None, "stored_hint": stored, "can_run": True}
    ref = profile.get("api_key_ref")
    if ref:
        value = env.get(ref) if credentials.key_ref_allowed(ref, env) else None
        out.update(source="variable", variable=ref, hint=mask(value)["hint"] if value else None, can_run=bool(value))
        out["text"] = (f"Calls read the environment variable {ref} ({out['hint']})." if value else
                       f"Calls read the environment variable {ref}, which is not set: every call fails.")
        return out
    if stored:
        out.update(source="stored", hint=stored, text=f"Calls use the stored key ({stored}).")
        return out
    variable = key_env_var(profile.get("provider"), profile.get("model"))
    value = env.get(variable) if variable else None
    if value:
        out.update(source="standard", variable=variable, hint=mask(value)["hint"],
                   text=f"Calls read the environment variable {variable} ({mask(value)['hint']}).")
    elif "api_key" in spec.get("requires", ()):
        out.update(source="none", variable=variable, can_run=False,
                   text=f"No API key: none is stored and {variable or 'no variable'} is not set.")
    else:
        out["text"] = "This provider needs no API key."
    return out


def _stored_hint(settings, profile, vault):
    """The masked hint of the stored key of the profile's credential, or None."""
    cred = credentials.credentials_of(settings).get(credentials.credential_id_of(profile))
    value = cred.get("api_key") if isinstance(cred, dict) else None
    if value is None:
        return None
    view = vault.masked(value)
    return view.get("hint") or ("stored, unreadable: enter it again" if view.get("needs_reentry") else "…")
