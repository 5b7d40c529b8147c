"""The role editor's form logic: field values of a role, the role a form describes, errors per field."""

import json
import re

from webui.core.roles import role_ops, routing
from webui.errors import ValidationFailed
from webui.web.common import services
from webui.web.pages import profile_picker

ROLE_TYPES = ("gm", "npc", "player", "narrator")
CONTROLS = ("ai", "human")
FORM_KEYS = ("id", "name", "type", "control", "profile_id", "system_prompt", "tools")
# A core error key such as "roles[2].ai_config.profile_id" names the form field by its last part.
CORE_FIELD = re.compile(r"^roles\[\d+\]\.(?:ai_config\.)?(\w+)$")


def slug(name):
    """A role id made from a name: lower case, letters/digits/'.'/'_'/'-' only, at most 64 characters."""
    text = re.sub(r"[^a-z0-9_.-]+", "-", (name or "").strip().lower()).strip("-._")
    return text[:64].rstrip("-._") or "role"


def current_roles():
    """The stored roles, in order."""
    return role_ops.list_roles(services().config)[0]["roles"]


def editor_values(role):
    """A stored role as the editor's field values."""
    ai = role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {}
    tools = role.get("tools")
    return {"id": role.get("id", ""), "name": role.get("name", ""), "type": role.get("type") or "npc",
            "control": role.get("control") or "ai", "profile_id": ai.get("profile_id") or "",
            "system_prompt": role.get("system_prompt") or "",
            "tools": json.dumps(tools, indent=2) if tools not in (None, "", []) else "",
            "default_prompt": routing.persona_prompt(role) or ""}  # shown in the prompt's hint, not a field


def editor_context(request_args):
    """The role editor or delete confirmation the page shows (from ?role_edit= / ?role_delete=), or {}."""
    wanted, victim = request_args.get("role_edit"), request_args.get("role_delete")
    roles = {r.get("id"): r for r in current_roles()}
    if wanted == "new":
        return {"editor": {"original": "", "fields": editor_values({}), "errors": {}}}
    if wanted in roles:
        return {"editor": {"original": wanted, "fields": editor_values(roles[wanted]), "errors": {}}}
    if victim in roles:
        return {"delete_role": {"id": victim, "name": roles[victim].get("name") or victim}}
    return {}


def role_from_form(form, existing):
    """The role the form describes (keys the form does not show are kept); raises ValidationFailed."""
    errors = {}
    name = form.get("name", "").strip()
    role = dict(existing or {})
    role.update(id=form.get("id", "").strip() or slug(name), name=name,
                type=form.get("type", "").strip() or "npc", control=form.get("control", "").strip() or "ai")
    ai = dict(role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {})
    try:  # the picker posts what it shows (a profile's label) when the page lists many profiles
        ai["profile_id"] = profile_picker.posted_id(profile_picker.choices(services().config.view()),
                                                    form.get("profile_id"), "profile_id")
    except ValidationFailed as exc:
        ai["profile_id"], errors = form.get("profile_id"), dict(exc.fields)
    role["ai_config"] = ai
    prompt = form.get("system_prompt", "").strip()
    if prompt:
        role["system_prompt"] = prompt
    else:
        role.pop("system_prompt", None)
    tools_text = form.get("tools", "").strip()
    if tools_text:
        try:
            role["tools"] = json.loads(tools_text)
        except ValueError as exc:
            errors["tools"] = f"not valid JSON ({exc.msg}, line {exc.lineno})"
        else:
            if not isinstance(role["tools"], list):
                errors["tools"] = "must be a JSON list of tool definitions"
    else:
        role.pop("tools", None)
    if not name:
        errors["name"] = "give the role a name"
    if errors:
        raise ValidationFailed(errors)
    return role


def field_errors(exc):
    """Core validation keys mapped onto the editor's fields (others go to 'form')."""
    out = {}
    for key, message in exc.fields.items():
        match = CORE_FIELD.match(key)
        field = match.group(1) if match else key
        out[field if field in FORM_KEYS else "form"] = message
    return out
