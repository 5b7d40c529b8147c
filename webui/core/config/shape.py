"""The element types a hand-edited config.json must keep; a wrong one is named, never a crash (issue 15)."""

from webui.catalog import PARAMS, PROVIDERS

STRING_OR_NULL = ("name", "model", "credential_id", "api_key_ref", "base_url")
OBJECT_OR_NULL = ("options", "extra_params")


def problems(settings):
    """Every place whose type the web UI cannot work with, as "where: what is wrong" (empty when fine)."""
    found = []
    profiles = settings.get("llm_profiles")
    if profiles is not None and not isinstance(profiles, list):
        found.append("llm_profiles: must be a list of profiles")
    for i, profile in enumerate(profiles if isinstance(profiles, list) else []):
        found += _profile(f"llm_profiles[{i}]", profile)
    if not isinstance(settings.get("active_llm_profile"), (str, type(None))):
        found.append("active_llm_profile: must be a profile id")
    creds = settings.get("provider_credentials")
    if creds is not None and not isinstance(creds, dict):
        found.append("provider_credentials: must be an object")
    for cid, cred in (creds if isinstance(creds, dict) else {}).items():
        found += _credential(f"provider_credentials.{cid}", cred)
    roles = settings.get("llm_roles")
    if roles is not None and not isinstance(roles, list):
        found.append("llm_roles: must be a list of roles")
    for i, role in enumerate(roles if isinstance(roles, list) else []):
        found += _role(f"llm_roles[{i}]", role)
    return found


def _profile(where, profile):
    if not isinstance(profile, dict):
        return [f"{where}: must be an object"]
    found = []
    if not isinstance(profile.get("id"), str):
        found.append(f"{where}.id: must be a string")
    if not isinstance(profile.get("provider"), str) or profile["provider"] not in PROVIDERS:
        found.append(f"{where}.provider: must be one of {', '.join(PROVIDERS)}")
    found += [f"{where}.{k}: must be a string" for k in STRING_OR_NULL if not _is(profile.get(k), str)]
    found += [f"{where}.{k}: must be an object" for k in OBJECT_OR_NULL if not _is(profile.get(k), dict)]
    found += [f"{where}.{k}: must be a number" for k in PARAMS if not _is_number(profile.get(k))]
    found += [f"{where}.{k}: must be a list of strings" for k in ("fallback_profile_ids", "models")
              if not _is_strings(profile.get(k))]
    return found


def _credential(where, cred):
    if not isinstance(cred, dict):
        return [f"{where}: must be an object"]
    found = [f"{where}.{k}: must be a string" for k in ("url", "provider") if not _is(cred.get(k), str)]
    if not _is_strings(cred.get("models")):
        found.append(f"{where}.models: must be a list of strings")
    return found


def _role(where, role):
    if not isinstance(role, dict):
        return [f"{where}: must be an object"]
    found = [f"{where}.{k}: must be a string" for k in ("id", "name") if not _is(role.get(k), str)]
    ai = role.get("ai_config")
    if not _is(ai, dict):
        found.append(f"{where}.ai_config: must be an object")
    elif not _is(ai.get("profile_id"), str):
        found.append(f"{where}.ai_config.profile_id: must be a string")
    return found


def _is(value, kind):
    return value is None or isinstance(value, kind)


def _is_number(value):
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _is_strings(value):
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))
