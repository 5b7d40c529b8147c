"""The Access tab: web UI password, API tokens, example gateway calls, and the desktop app's Restart button."""

from flask import Blueprint, flash, g, redirect, request, session, url_for

from webui.errors import ValidationFailed
from webui.web.common import safe_next, services
from webui.web.pages.access_examples import examples
from webui.web.pages.layout import flash_desktop, render_page, svc

bp = Blueprint("access", __name__)
LIMIT_FIELDS = ("rpm", "tpm", "budget_usd", "profiles")


def _access_page(errors=None, created=None, values=None, status=200):
    """The Access tab (form errors, a just-created token shown once)."""
    auth = services().auth
    return render_page("access.html", "access", status, username=auth.username(), tokens=auth.list_tokens(),
                       errors=errors or {}, created=created, values=values or {}, examples=examples())


@bp.get("/access")
def index():
    """Access: password, API tokens, restart."""
    return _access_page()


@bp.post("/access/password")
def change_password():
    """Change the web UI password; this session stays logged in, every other one ends."""
    svc_all, form = services(), request.form
    client = request.remote_addr or "unknown"
    ok, _retry, message = svc_all.throttle.attempt(client, lambda: svc_all.auth.verify_password(
        svc_all.auth.username(), form.get("current_password", "")))
    errors = {}
    if ok is None:
        errors["current_password"] = message
    elif not ok:
        errors["current_password"] = "The current password is wrong."
    elif form.get("new_password", "") != form.get("confirm_password", ""):
        errors["confirm_password"] = "The two new passwords differ."
    else:
        try:
            svc_all.auth.set_password(form.get("new_password", ""))
        except ValidationFailed as exc:
            errors["new_password"] = exc.fields.get("password", exc.message)
    if errors:
        return _access_page(errors, status=400)
    session["pw"] = svc_all.auth.password_fingerprint()
    flash("Password changed. Other sessions are logged out.", "success")
    return redirect(url_for(".index"))


@bp.post("/access/tokens")
def create_token():
    """Create an API token; its plaintext is in this one answer only (not redirected, never stored)."""
    form = request.form
    name, scope = form.get("name", ""), form.get("scope", "admin")
    limits = {k: form.get(k, "").strip() for k in LIMIT_FIELDS}
    creator = (g.token or {}).get("scope", "admin")
    try:
        record, plaintext = services().auth.create_token(name, scope=scope, creator_scope=creator, limits=limits)
    except ValidationFailed as exc:
        fields = {"token_name": "name", "token_scope": "scope", **{f"token_{k}": k for k in LIMIT_FIELDS}}
        errors = {key: exc.fields[field] for key, field in fields.items() if exc.fields.get(field)}
        values = {"token_name": name, "token_scope": scope, **{f"token_{k}": v for k, v in limits.items()}}
        return _access_page(errors, values=values, status=400)
    return _access_page(created={"name": record["name"], "token": plaintext, "scope": record["scope"]}, status=201)


@bp.post("/access/tokens/<token_id>/revoke")
def revoke_token(token_id):
    """Revoke an API token."""
    services().auth.revoke_token(token_id)
    flash("The API token was revoked.", "success")
    return redirect(url_for(".index"))


@bp.post("/restart")
def restart():
    """Restart the desktop app: the header's Restart button and the Access tab's."""
    flash_desktop(svc().restart())
    return redirect(safe_next(request.form.get("next")))
