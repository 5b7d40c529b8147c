"""Roles (characters): each routes to a profile; validated as a list."""

import re

from webui.errors import ValidationFailed

ROLE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def roles_of(settings):
    """The llm_roles list inside settings (created when missing)."""
    roles = settings.get("llm_roles")
    if not isinstance(roles, list):
        roles = settings["llm_roles"] = []
    return roles


def find(settings, role_id):
    """The role with this id, or None."""
    return next((r for r in roles_of(settings) if isinstance(r, dict) and r.get("id") == role_id), None)


def normalize_roles(items, profile_ids, field="roles"):
    """Validate a list of roles, or a mapping keyed by role id (as the game-config document writes it).

    Unknown keys are kept. Raises ValidationFailed naming the entry as the input names it
    (`roles[1].id`, `characters.gm.ai_config.profile_id`).
    """
    if isinstance(items, dict):
        entries = [(f"{field}.{key}", dict(item, id=item.get("id", key)) if isinstance(item, dict) else item)
                   for key, item in items.items()]
    elif isinstance(items, list):
        entries = [(f"{field}[{i}]", item) for i, item in enumerate(items)]
    else:
        raise ValidationFailed({field: "must be a list of roles or a mapping of role id to role"})
    errors, out, seen = {}, [], set()
    for where, item in entries:
        if not isinstance(item, dict):
            errors[where] = "must be an object"
            continue
        role = dict(item)
        rid = role.get("id")
        if not isinstance(rid, str) or not ROLE_ID_RE.match(rid):
            errors[f"{where}.id"] = "must be 1-64 letters, digits, '.', '_' or '-'"
        elif rid in seen:
            errors[f"{where}.id"] = f"duplicate role id '{rid}'"
        seen.add(rid)
        name = role.get("name", rid)
        if not isinstance(name, str) or not name.strip() or len(name) > 80:
            errors[f"{where}.name"] = "must be 1-80 characters"
        role["name"] = name
        role.setdefault("type", "npc")
        role.setdefault("control", "ai")
        ai = role.get("ai_config")
        if ai is None:
            ai = role["ai_config"] = {"profile_id": None}
        if not isinstance(ai, dict):
            errors[f"{where}.ai_config"] = "must be an object"
        else:
            pid = ai.get("profile_id")
            if pid is not None and pid not in profile_ids:
                errors[f"{where}.ai_config.profile_id"] = f"unknown profile id '{pid}'"
            ai.setdefault("profile_id", None)
        out.append(role)
    if errors:
        raise ValidationFailed(errors)
    return out
