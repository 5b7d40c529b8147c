"""What importing a game config would change (profiles, roles, the active profile), computed on a copy first."""

import copy

from webui.core.config import profile_import, profiles
from webui.core.config.key_source import key_source
from webui.core.config.roles import roles_of


def preview(svc, text):
    """The import's effect without saving it: {profiles_added, profiles_replaced, roles_added, roles_replaced,
    active_before, active_after, active_changes, active_can_run, active_problem}."""
    doc = profile_import.parse_document(text, what="file", environ=svc.environ)
    current, _ = svc.settings()
    after = copy.deepcopy(current)
    summary = profile_import.import_game_config(after, doc, svc.vault)
    known = {p.get("id") for p in profiles.profiles_of(current)}
    roles_before = {r.get("id") for r in roles_of(copy.deepcopy(current))}
    names = {p.get("id"): p.get("name") or p.get("id") for p in profiles.profiles_of(after)}
    role_names = {r.get("id"): r.get("name") or r.get("id") for r in roles_of(after)}
    out = {
        "profiles_added": [names[i] for i in summary["profiles"] if i not in known],
        "profiles_replaced": [names[i] for i in summary["profiles"] if i in known],
        "roles_added": [role_names[i] for i in summary["roles"] if i not in roles_before],
        "roles_replaced": [role_names[i] for i in summary["roles"] if i in roles_before],
        "active_before": _name(current),
        "active_after": names.get(after.get("active_llm_profile")),
        "active_after_id": after.get("active_llm_profile"),
    }
    out["active_changes"] = current.get("active_llm_profile") != after.get("active_llm_profile")
    target = profiles.find(after, after["active_llm_profile"]) if after.get("active_llm_profile") else None
    source = key_source(after, target, svc.vault, svc.environ) if target else {"can_run": True}
    out["active_can_run"] = source["can_run"]
    out["active_problem"] = None if source["can_run"] else source.get("text")
    return out


def _name(settings):
    active = settings.get("active_llm_profile")
    return next((p.get("name") for p in profiles.profiles_of(settings) if p.get("id") == active), None)
