"""Roles and the /api/v1 profile use cases: list/replace profiles and roles, route roles, import a game config."""

from webui.catalog import PROVIDERS
from webui.core.config import profile_import, profiles, roles
from webui.core.config.key_source import key_source
from webui.errors import NotFound, ValidationFailed

LIST_KEYS = ("profiles", "llm_profiles")
ROLE_KEYS = ("roles", "llm_roles", "characters")
ACTIVE_KEYS = ("active_llm_profile", "default_profile_id")


def _items(body, keys, what):
    """The list inside a body that is either the list itself or an object holding it under one of `keys`."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in keys:
            if key in body:
                return body[key]
    raise ValidationFailed({keys[0]: f"send a list of {what}, or an object with '{keys[0]}'"})


def list_profiles(svc):
    """Every profile as the API shows it (masked credential state, active flag), in order."""
    settings, revision = svc.settings()
    items = [svc.profile_view(settings, p) for p in profiles.profiles_of(dict(settings))]
    active = settings.get("active_llm_profile")
    return {"profiles": items, "active_llm_profile": active, "default_profile_id": active}, revision


def replace_profiles(svc, body, restart=True, revision=None):
    """Replace all profiles (either field naming, inline keys accepted); references to dropped ones are cleared."""
    items = _items(body, LIST_KEYS, "profiles")
    wanted = next((body.get(k) for k in ACTIVE_KEYS if isinstance(body, dict) and body.get(k)), None)

    def change(settings):
        before = len(profiles.profiles_of(settings))
        ids = profile_import.import_profiles(settings, items, svc.vault, replace=True)
        by_id = {p["id"]: p for p in profiles.profiles_of(settings)}
        _drop_references(settings, set(ids))
        if wanted:
            profiles.find(settings, wanted)
            settings["active_llm_profile"] = wanted
        elif settings.get("active_llm_profile") not in ids:
            capable = [i for i in ids if PROVIDERS[by_id[i]["provider"]]["desktop"]]  # only these can drive the desktop app
            settings["active_llm_profile"] = capable[0] if capable else None
        profiles.multi_provider_default(settings, before)
        return ids

    _ids, desktop, revision = svc.mutate(change, revision, restart=restart)
    listing, _ = list_profiles(svc)
    return dict(listing, desktop=desktop), revision


def _drop_references(settings, keep):
    """Fallback lists and roles stop naming profiles that no longer exist (roles then use the active one)."""
    for profile in profiles.profiles_of(settings):
        profile["fallback_profile_ids"] = [f for f in profile.get("fallback_profile_ids") or [] if f in keep]
    for role in roles.roles_of(settings):
        ai = role.get("ai_config") if isinstance(role, dict) else None
        if isinstance(ai, dict) and ai.get("profile_id") not in keep:
            ai["profile_id"] = None


def list_roles(svc):
    """{"roles": [...]} in order."""
    settings, revision = svc.settings()
    return {"roles": [dict(r) for r in settings.get("llm_roles") or [] if isinstance(r, dict)]}, revision


def replace_roles(svc, body, revision=None):
    """Replace the role list (validated: ids unique, profile ids known)."""
    items = _items(body, ROLE_KEYS, "roles")

    def change(settings):
        known = {p.get("id") for p in profiles.profiles_of(settings)}
        settings["llm_roles"] = roles.normalize_roles(items, known)

    _, _, revision = svc.mutate(change, revision, restart=False)
    return list_roles(svc)[0], revision


def set_role_profiles(svc, mapping):
    """Route roles to profiles in one save: {role_id: profile_id or None (the active profile)}."""

    def change(settings):
        for role_id, profile_id in mapping.items():
            role = roles.find(settings, role_id) if isinstance(role_id, str) else None
            if role is None:
                raise NotFound(f"No role with id '{role_id}'", id=role_id)
            if profile_id:
                profiles.find(settings, profile_id)  # NotFound names it
            ai = role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {}
            role["ai_config"] = dict(ai, profile_id=profile_id or None)

    svc.mutate(change, restart=False)


def import_config(svc, text, restart=True, revision=None, keep_active=False):
    """Import a role/game config given as YAML or JSON text; the import summary.

    keep_active: the active profile stays what it was (when it still exists). The summary's active_problem
    says why a newly active profile cannot run (its key is nowhere to be read)."""
    doc = profile_import.parse_document(text, what="file", environ=svc.environ)

    def change(settings):
        before = settings.get("active_llm_profile")
        summary = profile_import.import_game_config(settings, doc, svc.vault)
        if keep_active and before and any(p.get("id") == before for p in profiles.profiles_of(settings)):
            settings["active_llm_profile"] = summary["active_llm_profile"] = before
        active = settings.get("active_llm_profile")
        summary["active_problem"] = None
        if active and active != before:
            source = key_source(settings, profiles.find(settings, active), svc.vault, svc.environ)
            summary["active_problem"] = None if source["can_run"] else source["text"]
        return summary

    summary, desktop, revision = svc.mutate(change, revision, restart=restart)
    return dict(summary, desktop=desktop), revision


def export_config(svc, fmt="yaml"):
    """The game config (profiles, roles, default profile) as (text, mimetype, dropped); never a secret: `dropped`
    names the fields left out because they looked like secrets."""
    from webui.core.roles.game_export import FORMATS, export_document, render

    if fmt not in FORMATS:
        raise ValidationFailed({"format": f"must be one of {', '.join(FORMATS)}"})
    settings, _ = svc.settings()
    dropped = []
    doc = export_document(settings, dropped)
    return (*render(doc, fmt, dropped), dropped)
