"""Profile and credential use cases (create, update, activate, merge a posted settings object) on ConfigService."""

import copy

from webui.catalog import LEGACY_KEY_FIELDS, PROVIDERS, SECRET_FIELDS
from webui.core.config import credentials, desktop_settings, profiles
from webui.core.config.profile_import import import_profiles, is_masked
from webui.core.config.service import OTHER_SECRET_FIELDS, require_desktop_capable
from webui.core.storage.vault import is_secret_obj
from webui.errors import ValidationFailed

TYPES = {"multi_provider_enabled": (bool,), "active_llm_profile": (str, type(None)), "llm_roles": (list,),
         "llm_profiles": (list,), "provider_credentials": (dict,)}


def _save_profile(svc, settings, profile, secrets):
    """Validate one profile (with its inline credential inputs) or raise ValidationFailed."""
    cred_id = credentials.credential_id_of(profile)
    if secrets:
        credentials.apply(settings, cred_id, secrets, svc.vault, profile.get("base_url"), profile.get("provider"))
    errors = profiles.validate(profile, settings, svc.has_credential(settings))
    if errors:
        raise ValidationFailed(errors)


def create_profile(svc, payload, revision=None, restart=True):
    """Add a profile; returns (profile view, desktop outcome, revision)."""

    def change(settings):
        profile, secrets, errors = profiles.normalize(payload)
        if errors:
            raise ValidationFailed(errors)
        profile["id"] = profile.get("id") or profiles.new_id()
        if any(p.get("id") == profile["id"] for p in profiles.profiles_of(settings)):
            raise ValidationFailed({"id": f"a profile with id '{profile['id']}' already exists"})
        make_active = bool(payload.get("set_active") or payload.get("active"))
        profile.pop("set_active", None)
        profile.pop("active", None)
        _save_profile(svc, settings, profile, secrets)
        before = len(profiles.profiles_of(settings))
        profiles.profiles_of(settings).append(profile)
        if make_active or not settings.get("active_llm_profile"):
            if make_active:
                require_desktop_capable(profile)
            if make_active or PROVIDERS[profile["provider"]]["desktop"]:
                settings["active_llm_profile"] = profile["id"]
        profiles.multi_provider_default(settings, before)
        return profile["id"]

    pid, desktop, rev = svc.mutate(change, revision, restart)
    settings, _ = svc.settings()
    return svc.profile_view(settings, profiles.find(settings, pid)), desktop, rev


def update_profile(svc, profile_id, payload, partial=True, revision=None, restart=True):
    """PUT (whole) or PATCH (partial) a profile; omitted secrets keep the stored ones."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"profile": "must be a JSON object"})

    def change(settings):
        current = profiles.find(settings, profile_id)
        body = {k: v for k, v in payload.items() if k not in ("set_active", "active", "credential", "revision")}
        if body.get("id", profile_id) != profile_id:
            raise ValidationFailed({"id": "cannot be changed"})
        if partial:
            base = current
        else:  # PUT replaces the profile's fields; identity stays
            base = {"id": profile_id, "provider": body.get("provider", body.get("provider_type", current["provider"]))}
        profile, secrets, errors = profiles.normalize(body, base=copy.deepcopy(base))
        if errors:
            raise ValidationFailed(errors)
        profile["id"] = profile_id
        _save_profile(svc, settings, profile, secrets)
        if payload.get("set_active") or payload.get("active"):
            require_desktop_capable(profile)
            settings["active_llm_profile"] = profile_id
        current.clear()
        current.update(profile)
        return profile_id

    pid, desktop, rev = svc.mutate(change, revision, restart)
    settings, _ = svc.settings()
    return svc.profile_view(settings, profiles.find(settings, pid)), desktop, rev


def delete_profile(svc, profile_id, new_active=None, revision=None, restart=True):
    """Delete; the active profile only with another named active."""
    return svc.mutate(lambda s: profiles.remove(s, profile_id, new_active), revision, restart)


def duplicate_profile(svc, profile_id, revision=None):
    """Copy with a new id and an '… (copy)' name, placed right after the original."""

    def change(settings):
        original = profiles.find(settings, profile_id)
        copy_ = copy.deepcopy(original)
        copy_["id"] = profiles.new_id()
        copy_["name"] = profiles.unique_name(settings, f"{original.get('name')} (copy)")
        items = profiles.profiles_of(settings)
        items.insert(items.index(original) + 1, copy_)
        profiles.multi_provider_default(settings, len(items) - 1)
        return copy_["id"]

    pid, _, rev = svc.mutate(change, revision, restart=False)
    settings, _ = svc.settings()
    return svc.profile_view(settings, profiles.find(settings, pid)), rev


def reorder_profiles(svc, order, revision=None):
    """Reorder by a full list of ids."""
    return svc.mutate(lambda s: profiles.reorder(s, order), revision, restart=False)


def activate_profile(svc, profile_id, revision=None, restart=True):
    """Validate, activate, project onto the legacy fields, restart the desktop app."""

    def change(settings):
        profile = profiles.find(settings, profile_id)
        require_desktop_capable(profile)
        errors = profiles.validate(profile, settings, svc.has_credential(settings))
        if errors:
            raise ValidationFailed(errors, message=f"Profile '{profile.get('name')}' is invalid")
        settings["active_llm_profile"] = profile_id

    _, desktop, rev = svc.mutate(change, revision, restart=False, strict_key=True)
    if restart:
        desktop = svc.restart()
    settings, _ = svc.settings()
    return svc.profile_view(settings, profiles.find(settings, profile_id)), desktop, rev


def set_credential(svc, credential_id, payload, revision=None, restart=True):
    """Set fields of a credential; returns its masked view."""
    _, desktop, rev = svc.mutate(lambda s: credentials.apply(s, credential_id, payload, svc.vault), revision, restart)
    settings, _ = svc.settings()
    return credentials.masked_view(settings, svc.vault)[credential_id], desktop, rev


def remove_secret(svc, credential_id, field, revision=None, restart=True):
    """Forget one stored secret of a credential (its key or token); the credential's other fields stay."""

    def change(settings):
        cred = credentials.credentials_of(settings).get(credential_id)
        if not isinstance(cred, dict) or field not in SECRET_FIELDS or cred.get(field) is None:
            raise ValidationFailed({field: f"no stored {field} for '{credential_id}'"})
        del cred[field]

    return svc.mutate(change, revision, restart)


def delete_credential(svc, credential_id, revision=None, restart=True):
    """Remove a credential (refused when the active profile needs it: validation says so)."""
    return svc.mutate(lambda s: credentials.remove(s, credential_id), revision, restart)


def merge(settings, incoming, vault):
    """Apply a posted `settings` object (partial or whole, maybe a masked GET round-trip) in place.

    ValidationFailed lists every bad field.
    """
    if not isinstance(incoming, dict):
        raise ValidationFailed({"settings": "must be a JSON object"})
    errors = {k: "has the wrong type" for k, types in TYPES.items()
              if k in incoming and not isinstance(incoming[k], types)}
    errors.update(desktop_settings.check(incoming, settings))
    if errors:
        raise ValidationFailed(errors)
    for key, value in incoming.items():
        if key in LEGACY_KEY_FIELDS:
            # The desktop field is written by projection; the key itself belongs to the provider credential.
            if isinstance(value, str) and value.strip():
                credentials.apply(settings, LEGACY_KEY_FIELDS[key], {"api_key": value}, vault)
        elif key in OTHER_SECRET_FIELDS:
            if isinstance(value, str) and value.strip():
                settings[key] = value.strip()
            elif value is None:
                settings[key] = ""
        elif key == "provider_credentials":
            _merge_credentials(settings, value, vault)
        elif key == "llm_profiles":
            import_profiles(settings, value, vault, replace=True)
        else:
            settings[key] = value


def _merge_credentials(settings, incoming, vault):
    errors = {}
    for cid, payload in incoming.items():
        if not isinstance(payload, dict):
            errors[f"provider_credentials.{cid}"] = "must be a JSON object"
            continue
        kept = {k: v for k, v in payload.items() if not is_masked(v) and not is_secret_obj(v)}
        try:
            credentials.apply(settings, cid, kept, vault)
        except ValidationFailed as exc:
            errors.update({f"provider_credentials.{cid}.{k}": m for k, m in exc.fields.items()})
    if errors:
        raise ValidationFailed(errors)
