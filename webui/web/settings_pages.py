"""The other tabs: desktop settings (Preferences, Voice & Audio, Display & UI), Local LLM, Access, Roles & Chat."""

from flask import current_app, flash, redirect, request, session, url_for
from jinja2 import TemplateNotFound

from ..core import local_llm, profile_ops, profiles
from ..errors import ProviderError, ValidationFailed
from ..core.store import load_template
from ..core.vault import mask
from . import forms
from .common import services
from .pages import bp, flash_desktop, render_page, svc


def _settings_tab(tab):
    """GET shows the tab's fields; POST validates them and saves through the same merge as POST /api/config."""
    settings, _ = svc().settings()
    errors, values = {}, None
    if request.method == "POST":
        values, errors = forms.settings_payload(tab, request.form, settings)
        if not errors:
            _, desktop, _ = svc().mutate(lambda s: profile_ops.merge(s, values, svc().vault))
            flash(f"{forms.SETTINGS_TABS[tab][0]} saved.", "success")
            flash_desktop(desktop)
            return redirect(url_for(f".{tab}"))
    fields = forms.settings_fields(tab, settings, load_template()["settings"])
    if request.method == "POST":  # keep what the user typed next to the errors
        for field in fields:
            typed = request.form.get(field["key"], "")
            field["value"] = (field["key"] in request.form) if field["kind"] == "bool" else typed
    for field in fields:
        if field["kind"] == "secret":
            field["hint_masked"] = mask(settings.get(field["key"]) or "")
            field["value"] = ""
    title, intro, _ = forms.SETTINGS_TABS[tab]
    return render_page("settings_tab.html", tab, 400 if errors else 200, title=title, intro=intro,
                       fields=fields, errors=errors, action=url_for(f".{tab}"))


for _tab, _path in (("preferences", "/preferences"), ("voice", "/voice"), ("display", "/display")):
    bp.add_url_rule(_path, _tab, (lambda t: lambda: _settings_tab(t))(_tab), methods=["GET", "POST"])


# ---- Local LLM ---------------------------------------------------------------------------------------

def _local_page(errors=None, url=None, status=200):
    settings, _ = svc().settings()
    return render_page("local_llm.html", "local", status, sync=bool(settings.get("sync_local_llm")),
                       key=mask(settings.get("llm_key") or ""), models=settings.get("ollama_models") or [],
                       url=url if url is not None else (settings.get("ollama_url") or "http://localhost:11434"),
                       errors=errors or {})


@bp.get("/local-llm")
def local_llm_page():
    """Local LLM: sync toggle, sync key, model list."""
    return _local_page()


@bp.post("/local-llm")
def local_llm_save():
    """Save the sync toggle."""
    enabled = "sync_local_llm" in request.form
    _, desktop, _ = svc().mutate(lambda s: s.update(sync_local_llm=enabled))
    flash("Local LLM sync is " + ("on." if enabled else "off."), "success")
    flash_desktop(desktop)
    return redirect(url_for(".local_llm_page"))


@bp.post("/local-llm/key")
def local_llm_key():
    """Regenerate and store the sync key (shown masked, like every secret)."""
    key = local_llm.new_key()
    _, desktop, _ = svc().mutate(lambda s: s.update(llm_key=key))
    flash(f"A new sync key was saved ({mask(key)['hint']}).", "success")
    flash_desktop(desktop)
    return redirect(url_for(".local_llm_page"))


@bp.post("/local-llm/models")
def local_llm_models():
    """Ask an Ollama or OpenAI-compatible server for its models and store them as ollama_models."""
    url = (request.form.get("url") or "").strip()
    try:
        names = local_llm.list_models(url)
    except ValidationFailed as exc:
        return _local_page({"url": forms.error_text("url", exc.fields.get("url", exc.message))}, url, 400)
    except ProviderError as exc:
        return _local_page({"url": exc.message}, url, 502)
    _, desktop, _ = svc().mutate(lambda s: s.update(ollama_models=names))
    flash(f"Found {len(names)} model{'s' if len(names) != 1 else ''} at {url}.", "success")
    flash_desktop(desktop)
    return redirect(url_for(".local_llm_page"))


# ---- Access ------------------------------------------------------------------------------------------

def _access_page(errors=None, created=None, values=None, status=200):
    auth = services().auth
    return render_page("access.html", "access", status, username=auth.username(), tokens=auth.list_tokens(),
                       errors=errors or {}, created=created, values=values or {})


@bp.get("/access")
def access():
    """Access: password, API tokens, restart."""
    return _access_page()


@bp.post("/access/password")
def change_password():
    """Change the web UI password; this session stays logged in, every other one ends."""
    svc_all, form = services(), request.form
    client = request.remote_addr or "unknown"
    allowed, _retry, message = svc_all.throttle.check(client)
    errors = {}
    if not allowed:
        errors["current_password"] = message
    elif not svc_all.auth.verify_password(svc_all.auth.username(), form.get("current_password", "")):
        svc_all.throttle.failure(client)
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
    return redirect(url_for(".access"))


@bp.post("/access/tokens")
def create_token():
    """Create an API token; its plaintext is in this one answer only (not redirected, never stored)."""
    name = request.form.get("name", "")
    try:
        record, plaintext = services().auth.create_token(name)
    except ValidationFailed as exc:
        errors = {"token_name": exc.fields.get("name", exc.message)}
        return _access_page(errors, values={"token_name": name}, status=400)
    return _access_page(created={"name": record["name"], "token": plaintext}, status=201)


@bp.post("/access/tokens/<token_id>/revoke")
def revoke_token(token_id):
    """Revoke an API token."""
    services().auth.revoke_token(token_id)
    flash("The API token was revoked.", "success")
    return redirect(url_for(".access"))


# ---- Roles & Chat ------------------------------------------------------------------------------------

@bp.get("/roles")
def roles():
    """Roles & Chat: the roles work's template when it exists, else a plain 'coming' note."""
    settings, _ = svc().settings()
    context = {"profiles": list(profiles.profiles_of(settings)), "roles": list(settings.get("llm_roles") or [])}
    try:
        current_app.jinja_env.get_template("roles.html")
        template = "roles.html"
    except TemplateNotFound:
        template = "roles_placeholder.html"
    return render_page(template, "roles", **context)
