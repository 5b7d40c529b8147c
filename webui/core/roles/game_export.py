"""The game config written back in its document's format (SPEC §3.3): profiles, roles, default profile."""

import json

from webui.catalog import PARAMS, SECRET_FIELDS
from webui.core.config.profiles import CREDENTIAL_INPUTS, profiles_of
from webui.core.config.roles import roles_of
from webui.core.storage.vault import is_secret_obj

# Our provider ids as the document names them (the others are written as they are; import reads both).
DOCUMENT_PROVIDER = {"open_ai": "oai_compatible", "custom": "local_openai"}
# Written even when empty or null: import fills a missing one with a default, so leaving it out would change it.
ALWAYS = ("model", *PARAMS, "options")
FORMATS = ("yaml", "json")


def export_document(settings):
    """The game-config document of these settings; it holds no secret (only api_key_ref names travel)."""
    kept = settings.get("game_config") if isinstance(settings.get("game_config"), dict) else {}
    doc = {k: v for k, v in kept.items() if k not in ("llm_config", "llm_profiles", "characters")}
    llm_config = {k: v for k, v in (kept.get("llm_config") or {}).items() if not _secret(k, v)}
    llm_config["default_profile_id"] = settings.get("active_llm_profile")
    doc["llm_config"] = llm_config
    creds = settings.get("provider_credentials") if isinstance(settings.get("provider_credentials"), dict) else {}
    doc["llm_profiles"] = [_with_server_url(_profile(p), p, creds) for p in profiles_of(dict(settings))
                           if isinstance(p, dict)]
    doc["characters"] = {r["id"]: dict(r) for r in roles_of(dict(settings)) if isinstance(r, dict) and r.get("id")}
    return doc


def _profile(profile):
    out = {"id": profile.get("id"), "name": profile.get("name"),
           "provider_type": DOCUMENT_PROVIDER.get(profile.get("provider"), profile.get("provider"))}
    for key, value in profile.items():
        if key in out or key == "provider" or _secret(key, value) or key in CREDENTIAL_INPUTS:
            continue
        if key in ALWAYS or value not in (None, [], {}):
            out[key] = value
    return out


def _with_server_url(out, profile, creds):
    """An Ollama profile's server URL lives in its credential: a URL is not a secret, so it travels as base_url
    (import reads it back; without it the profile would point at localhost:11434)."""
    if profile.get("provider") != "ollama" or out.get("base_url"):
        return out
    cred = creds.get(profile.get("credential_id") or "ollama")
    url = cred.get("url") if isinstance(cred, dict) else None
    if isinstance(url, str) and url:
        out["base_url"] = url
    return out


def _secret(key, value):
    return key in SECRET_FIELDS or is_secret_obj(value)


def render(doc, fmt="yaml"):
    """(text, mimetype) of the document in YAML (the document's own format) or JSON."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "application/json"
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "application/yaml"
