"""Roles & Chat: make, edit and delete roles in the page (plain form posts, PRG; errors next to the fields).

Its routes live on the Roles & Chat blueprint, so the tab stays one blueprint; app.py imports this module."""

from flask import flash, redirect, request, url_for

from webui.core.roles import role_ops
from webui.errors import ValidationFailed
from webui.web.common import services
from webui.web.pages.layout import render_page
from webui.web.pages.role_editor import FORM_KEYS, current_roles, editor_values, field_errors, role_from_form
from webui.web.pages.roles import bp, roles_page_context


def _back(**args):
    anchor = args.pop("anchor", "roles-title")
    return redirect(url_for("roles.index", **{k: v for k, v in args.items() if v}) + f"#{anchor}")


@bp.post("/roles/role", endpoint="role_save")
def save():
    """Create a role (no original id) or replace the one named by original_id; a rename keeps its place."""
    form = request.form
    original = form.get("original_id", "")
    roles = current_roles()
    index = next((i for i, r in enumerate(roles) if r.get("id") == original), None) if original else None
    try:
        role = role_from_form(form, roles[index] if index is not None else None)
        if index is None and any(r.get("id") == role["id"] for r in roles):
            raise ValidationFailed({"id": f"a role with id '{role['id']}' exists already: choose another id"})
        updated = list(roles)
        if index is None:
            updated.append(role)
        else:
            updated[index] = role
        role_ops.replace_roles(services().config, {"roles": updated})
    except ValidationFailed as exc:
        return _editor_again(form, original, field_errors(exc))
    flash(f"Role “{role['name']}” saved.", "success")
    return _back(session=form.get("session_id"), role=role["id"])


def _editor_again(form, original, errors):
    """The page again with the form as typed and each error next to its field (400)."""
    values = {k: form.get(k, "") for k in FORM_KEYS}
    stored = next((r for r in current_roles() if r.get("id") == original), None) if original else None
    values["default_prompt"] = editor_values(stored)["default_prompt"] if stored else ""
    context = roles_page_context(services().config, services().sessions, {"session": form.get("session_id")})
    context["chat"]["role_editor"] = {"editor": {"original": original, "fields": values, "errors": errors}}
    return render_page("roles.html", "roles", status=400, **context)


@bp.post("/roles/role/<role_id>/delete", endpoint="role_delete")
def delete(role_id):
    """Delete a role after the confirmation step (the page's ?role_delete= box or the JS dialog)."""
    roles = current_roles()
    kept = [r for r in roles if r.get("id") != role_id]
    if len(kept) == len(roles):
        flash(f"No role with id '{role_id}'.", "error")
    else:
        role_ops.replace_roles(services().config, {"roles": kept})
        flash(f"Role “{role_id}” deleted.", "success")
    return _back(session=request.form.get("session_id"))
