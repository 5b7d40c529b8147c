"""The game config written back in its document's format (SPEC §3.3): profiles, roles, default profile.

Known fields travel; an unknown field that looks like a secret (by its name or its value) is left out and named,
at any depth (headers, extra_params, a role's ai_config ...). Only api_key_ref names travel, never keys.
"""

import json
import re
from urllib.parse import urlsplit

from webui.catalog import PARAMS, SECRET_FIELDS
from webui.core.config import profile_import
from webui.core.config.profiles import CREDENTIAL_INPUTS, FIELD_ORDER, profiles_of
from webui.core.config.roles import roles_of
from webui.core.storage.vault import is_secret_obj

# Our provider ids as the document names them (the others are written as they are; import reads both).
DOCUMENT_PROVIDER = {"open_ai": "oai_compatible", "custom": "local_openai"}
# Written even when empty or null: import fills a missing one with a default, so leaving it out would change it.
ALWAYS = ("model", *PARAMS, "options")
FORMATS = ("yaml", "json")
# Fields known to hold no secret although their names say key/token (a variable's name, a token count).
KNOWN_NOT_SECRET = {*FIELD_ORDER, "provider_type", "default_profile_id", "max_completion_tokens", "pricing",
                    "budget", "input_per_mtok", "output_per_mtok", "monthly_usd"}
SECRET_NAME = re.compile(r"(?i)(api[_-]?key|apikey|secret|passw(or)?d|passwd|token|authori[sz]ation|credential|"
                         r"private[_-]?key|cookie|session[_-]?id|signature|\bkey$|_key$|[_-]key[_-]|^key$)")
SECRET_VALUE = re.compile(r"(?i)^\s*(bearer|basic|token)\s+\S{8,}|^(sk|rk|pk)-[\w-]{12,}|^AIza[\w-]{20,}|"
                          r"^(ghp|gho|ghs|xox[abp])[_-][\w-]{10,}|^-----BEGIN [A-Z ]*PRIVATE KEY")


def export_document(settings, dropped=None):
    """The game-config document of these settings; it holds no secret. `dropped` (a list) gets the path of
    every field left out because it looked like a secret."""
    dropped = [] if dropped is None else dropped
    kept = profile_import.unmapped_of(settings)
    doc = {k: v for k, v in kept.items() if k not in ("llm_config", "llm_profiles", "characters")}
    llm_config = dict(kept.get("llm_config") or {}) if isinstance(kept.get("llm_config"), dict) else {}
    llm_config["default_profile_id"] = settings.get("active_llm_profile")
    doc["llm_config"] = llm_config
    creds = settings.get("provider_credentials") if isinstance(settings.get("provider_credentials"), dict) else {}
    doc["llm_profiles"] = [_with_server_url(_profile(p), p, creds) for p in profiles_of(dict(settings))
                           if isinstance(p, dict)]
    doc["characters"] = {r["id"]: dict(r) for r in roles_of(dict(settings)) if isinstance(r, dict) and r.get("id")}
    return _clean(doc, "", dropped)


def _profile(profile):
    out = {"id": profile.get("id"), "name": profile.get("name"),
           "provider_type": DOCUMENT_PROVIDER.get(profile.get("provider"), profile.get("provider"))}
    for key, value in profile.items():
        if key in out or key == "provider" or key in SECRET_FIELDS or key in CREDENTIAL_INPUTS:
            continue
        if key in ALWAYS or value not in (None, [], {}):
            out[key] = value
    return out


def looks_secret(key, value):
    """True for a field an export must not carry: a secret's name (unless known), a stored secret, a key's shape."""
    if is_secret_obj(value) or key in SECRET_FIELDS:
        return True
    if key not in KNOWN_NOT_SECRET and SECRET_NAME.search(str(key)):
        return True
    if isinstance(value, str):
        if SECRET_VALUE.search(value):
            return True
        if key == "base_url" and "@" in (urlsplit(value).netloc if "://" in value else ""):
            return True  # credentials in the URL
    return False


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



def _clean(value, path, dropped):
    """A copy of value without the fields that look like secrets; their paths appended to `dropped`."""
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if looks_secret(key, child):
                dropped.append(where)
                continue
            out[key] = _clean(child, where, dropped)
        return out
    if isinstance(value, list):
        out = []
        for index, child in enumerate(value):
            if isinstance(child, str) and SECRET_VALUE.search(child):
                dropped.append(f"{path}[{index}]")
                continue
            out.append(_clean(child, f"{path}[{index}]", dropped))
        return out
    return value


def render(doc, fmt="yaml", dropped=()):
    """(text, mimetype) of the document in YAML (the document's own format, a comment naming what was left out)
    or JSON."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "application/json"
    from webui.core.storage.yaml_safe import compact_dump

    note = f"# Left out (they look like secrets): {printable(', '.join(dropped))}\n" if dropped else ""
    return note + compact_dump(doc), "application/yaml"  # aliases the import had stay aliases


def printable(text, limit=2000):
    """Text safe on one header or comment line: printable ASCII only, at most `limit` characters."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:limit]
