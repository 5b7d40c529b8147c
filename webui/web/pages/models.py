"""The API & Models tab: profile sidebar and editor, and their no-JS form posts (post, redirect, get)."""

from flask import Blueprint, flash, redirect, request, url_for

from webui import catalog
from webui.core.config import credentials, profile_ops, profiles, stored_keys
from webui.core.connect import connection_check
from webui.core.connect import model_lists as models
from webui.core.connect import ollama_pull
from webui.core.config.key_source import key_source
from webui.errors import Conflict, DesktopError, ValidationFailed
from webui.web.common import safe_next, usage
from webui.web.pages import forms
from webui.web.pages.layout import flash_desktop, render_page, svc

bp = Blueprint("models", __name__)
DEFAULT_PROVIDER = next(iter(catalog.PROVIDERS))  # the catalog's first row: what a form without one falls back to


def attempt(action):
    """Run a core write: (result, field errors, form-level error)."""
    try:
        return action(), {}, None
    except ValidationFailed as exc:
        fields = {k: forms.error_text(k, v) for k, v in sorted(exc.fields.items(), key=forms.form_order)}
        return None, fields, (exc.message if exc.message != "Validation failed" else None)
    except DesktopError as exc:
        return None, {"set_active": exc.message}, None
    except Conflict as exc:
        return None, {}, exc.message


def models_page(selected=None, new=None, values=None, errors=None, form_error=None, status=200, test_result=None,
                pull=None, preset=None):
    """Sidebar + editor for a stored profile (`selected`, default the active one) or a new one (`new` provider)."""
    settings, _ = svc().settings()
    items = [svc().profile_view(settings, p) for p in profiles.profiles_of(settings)]
    current = None
    if new is None and (items or selected):
        wanted = selected or settings.get("active_llm_profile") or items[0]["id"]
        current = svc().profile_view(settings, profiles.find(settings, wanted))
    if values is None and current:
        values = forms.profile_values(current, current["active"])
    elif values is None and new:
        filled = catalog.preset_fields(preset) if new == catalog.PRESET_PROVIDER else {}
        draft = dict(profiles.defaults_for(new), model=catalog.PROVIDERS[new]["defaults"]["model"],
                     name=catalog.PROVIDERS[new]["short_label"])
        draft.update(filled)
        draft["name"] = profiles.unique_name(settings, draft["name"])
        values = dict(forms.profile_values(draft), preset=preset if filled else "")
    provider = catalog.canonical_provider((values or {}).get("provider")) or new or DEFAULT_PROVIDER
    multi_setting = bool(settings.get("multi_provider_enabled"))
    pull = _pull_view(pull if pull is not None else _pull_of(provider, values or {}))
    return render_page(
        "api_models.html", "models", status, profiles=items, current=current, is_new=new is not None,
        values=values or {}, errors=errors or {}, form_error=form_error, provider=provider,
        providers=catalog.public_catalog(), creds=credentials.masked_view(settings, svc().vault),
        stored=stored_keys.overview(settings, svc().vault),
        multi=multi_setting or len(items) < 2, multi_setting=multi_setting, show_toggle=len(items) >= 2,
        cached_models=(pull and pull.get("models")) or _cached_models(settings, provider),
        model_route=forms.route_note(provider, (values or {}).get("model")),
        key=key_source(settings, current, svc().vault, svc().environ) if current and new is None else None,
        spend=_spend(current) if current and new is None else None,
        test_result=test_result and {"ok": test_result.get("ok"), "text": forms.test_message(test_result)},
        pull=pull)


def _spend(profile):
    """This month's spend of a profile against its budget: {spent, budget, percent}."""
    budget = (profile.get("budget") or {}).get("monthly_usd") if isinstance(profile.get("budget"), dict) else None
    spent = usage().month_spend(profile["id"])
    return {"spent": spent, "budget": budget, "percent": int(spent * 100 // budget) if budget else None}


def _pull_of(provider, values):
    """The Ollama pull of the editor's server and model, if one runs or ended lately (it survives a reload)."""
    if provider != "ollama" or not values.get("model"):
        return None
    try:
        return ollama_pull.pull_status(svc(), {"url": values.get("url"), "model": values.get("model")})
    except ValidationFailed:
        return None


def _pull_view(pull):
    return pull and dict(pull, text=forms.pull_message(pull))


def _cached_models(settings, provider):
    """Model names known without a network call (Ollama keeps its list in the credential)."""
    cred = credentials.credentials_of(settings).get(provider) or {}
    return [m for m in cred.get("models") or [] if isinstance(m, str)]


@bp.get("/")
def index():
    """API & Models: the active profile in the editor (or the first-run empty state)."""
    return models_page()


@bp.get("/profiles/<profile_id>")
def profile(profile_id):
    """API & Models with one profile in the editor."""
    return models_page(selected=profile_id)


@bp.get("/profiles/new")
def new_profile():
    """A new profile for ?provider=… (a provider picker without it)."""
    provider = catalog.canonical_provider(request.args.get("provider"))
    if provider is None:
        return render_page("provider_picker.html", "models", providers=catalog.public_catalog())
    return models_page(new=provider, preset=request.args.get("preset"))


def _preset_step(selected=None, new=None):
    """The preset select's button without JS: the editor again with the preset's base URL, key variable and
    credential set filled in (the name and model as typed, unless empty), nothing saved yet."""
    values = forms.posted_values(request.form)
    filled = catalog.preset_fields(request.form.get("preset"))
    for key in ("base_url", "api_key_ref", "credential_id"):
        values[key] = filled.get(key, values.get(key, ""))
    for key in ("name", "model"):
        values[key] = values.get(key) or filled.get(key, "")
    values["provider"] = catalog.PRESET_PROVIDER if filled else values.get("provider")
    values["fallback_profile_ids"] = forms.edit_fallbacks(request.form)
    return models_page(selected=selected, new=new, values=values)


def _fallback_step(selected=None, new=None):
    """A fallback picker button without JS: the editor again with the new order, nothing saved yet."""
    values = dict(forms.posted_values(request.form), fallback_profile_ids=forms.edit_fallbacks(request.form))
    return models_page(selected=selected, new=new, values=values)


@bp.post("/profiles")
def create_profile():
    """Create from the editor form; 400 with inline errors and the input kept."""
    if "fallback_op" in request.form:
        return _fallback_step(new=catalog.canonical_provider(request.form.get("provider")) or DEFAULT_PROVIDER)
    if "preset_op" in request.form:
        return _preset_step(new=catalog.PRESET_PROVIDER)
    payload, parse_errors = forms.profile_payload(request.form)
    result, errors, form_error = attempt(lambda: profile_ops.create_profile(svc(), payload))
    if result:
        flash(f"Profile “{result[0]['name']}” created.", "success")
        flash_desktop(result[1], None if result[0]["active"] else _shared_key(result[0], payload))
        return redirect(url_for(".profile", profile_id=result[0]["id"]))
    errors.update(parse_errors)
    new = catalog.canonical_provider(payload["provider"]) or DEFAULT_PROVIDER
    return models_page(new=new, values=forms.posted_values(request.form), errors=errors,
                       form_error=form_error, status=400)


def _shared_key(created, payload):
    """Why creating a profile that is not active touched the desktop app: a key typed into it is stored for its
    credential set, which the active profile reads too (None when that is not the case)."""
    settings, _ = svc().settings()
    active = svc().active_profile(settings)
    if not active or not payload.get("api_key") or \
            credentials.credential_id_of(active) != credentials.credential_id_of(created):
        return None
    return (f"“{created['name']}” is not active, but the active profile “{active['name']}” reads the same stored "
            f"{forms.provider_label(created['provider'])} key, which you replaced")


@bp.post("/profiles/<profile_id>")
def save_profile(profile_id):
    """Save the editor form over a stored profile (fields the form omits are kept)."""
    if "fallback_op" in request.form:
        return _fallback_step(selected=profile_id)
    if "preset_op" in request.form:
        return _preset_step(selected=profile_id)
    payload, parse_errors = forms.profile_payload(request.form)
    result, errors, form_error = attempt(
        lambda: profile_ops.update_profile(svc(), profile_id, payload, partial=True))
    if result:
        flash(f"Profile “{result[0]['name']}” saved.", "success")
        flash_desktop(result[1])
        return redirect(url_for(".profile", profile_id=profile_id))
    errors.update(parse_errors)
    return models_page(selected=profile_id, values=forms.posted_values(request.form), errors=errors,
                       form_error=form_error, status=400)


@bp.post("/profiles/<profile_id>/activate")
def activate(profile_id):
    """Make a profile the active one (validated, projected, desktop restarted)."""
    result, errors, form_error = attempt(lambda: profile_ops.activate_profile(svc(), profile_id))
    if result:
        flash(f"“{result[0]['name']}” is now the active profile.", "success")
        flash_desktop(result[1])
        return redirect(url_for(".profile", profile_id=profile_id))
    form_error = form_error or "This profile cannot be activated until the marked fields are fixed."
    return models_page(selected=profile_id, errors=errors, form_error=form_error, status=400)


@bp.post("/profiles/<profile_id>/use-stored-key")
def use_stored_key(profile_id):
    """Calls use the stored key instead of the environment variable named in api_key_ref."""
    view, desktop, _ = profile_ops.update_profile(svc(), profile_id, {"api_key_ref": None})
    flash(f"“{view['name']}” now uses the stored key.", "success")
    flash_desktop(desktop)
    return redirect(url_for(".profile", profile_id=profile_id) + "#key-source")


@bp.post("/profiles/<profile_id>/remove-secret/<field>")
def remove_secret(profile_id, field):
    """Forget the stored key (or token) of the profile's credential, after the editor's confirmation step."""
    settings, _ = svc().settings()
    credential_id = credentials.credential_id_of(profiles.find(settings, profile_id))
    result, errors, form_error = attempt(lambda: profile_ops.remove_secret(svc(), credential_id, field))
    if result:
        what = "API key" if field == "api_key" else field
        flash(f"The stored {what} of “{forms.provider_label(credential_id)}” was removed.", "success")
        flash_desktop(result[1])
        return redirect(url_for(".profile", profile_id=profile_id) + "#editor")
    return models_page(selected=profile_id, errors=errors, form_error=form_error, status=400)


@bp.post("/profiles/<profile_id>/duplicate")
def duplicate(profile_id):
    """Copy a profile and open the copy."""
    view, _ = profile_ops.duplicate_profile(svc(), profile_id)
    flash(f"Created “{view['name']}”.", "success")
    return redirect(url_for(".profile", profile_id=view["id"]))


@bp.post("/profiles/<profile_id>/move")
def move(profile_id):
    """Keyboard-accessible reorder: one step up or down."""
    return _move(profile_id, request.form.get("direction"))


@bp.post("/profiles/move")
def move_by_button():
    """The sidebar's arrow buttons (one form for all): move=<profile id>:up|down."""
    profile_id, _, direction = (request.form.get("move") or "").rpartition(":")
    return _move(profile_id, direction)


def _move(profile_id, direction):
    settings, _ = svc().settings()
    order = [p["id"] for p in profiles.profiles_of(settings)]
    profiles.find(settings, profile_id)
    i = order.index(profile_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        profile_ops.reorder_profiles(svc(), order)
    target = safe_next(request.form.get("next") or url_for(".profile", profile_id=profile_id))
    return redirect(target)


@bp.route("/profiles/<profile_id>/delete", methods=["GET", "POST"])
def delete(profile_id):
    """A confirmation page (GET) and the delete itself (POST); the active one needs a successor."""
    settings, _ = svc().settings()
    victim = profiles.find(settings, profile_id)
    errors, form_error = {}, None
    if request.method == "POST":
        new_active = request.form.get("new_active_id") or None
        result, errors, form_error = attempt(lambda: profile_ops.delete_profile(svc(), profile_id, new_active))
        if result:
            flash(f"Profile “{victim['name']}” deleted.", "success")
            flash_desktop(result[1])
            return redirect(url_for(".index"))
        errors = errors or {"new_active_id": form_error}
    others = [p for p in profiles.profiles_of(settings) if p["id"] != profile_id]
    return render_page("confirm_delete.html", "models", 400 if request.method == "POST" else 200,
                       victim=victim, others=others, errors=errors,
                       is_active=settings.get("active_llm_profile") == profile_id)


@bp.post("/profiles/<profile_id>/test")
def test(profile_id):
    """Test connection without JavaScript: the editor's values as posted (the editor again, the outcome by the
    button), or with no form the saved profile (the outcome flashed)."""
    if "provider" in request.form:
        return _test_form(selected=profile_id)
    result = connection_check.test_profile(svc(), profile_id)
    flash(forms.test_message(result), "success" if result.get("ok") else "error")
    return redirect(url_for(".profile", profile_id=profile_id))


@bp.post("/profiles/test")
def test_new():
    """Test connection for a profile not saved yet (the editor again, the outcome by the button)."""
    return _test_form(new=catalog.canonical_provider(request.form.get("provider")) or DEFAULT_PROVIDER)


def _test_form(selected=None, new=None):
    values = forms.posted_values(request.form)
    form = {k: request.form.get(k) for k in (*models.FORM_FIELDS, *connection_check.TEST_FIELDS)}
    form["profile_id"] = selected
    try:
        result = connection_check.test_form(svc(), form)
    except ValidationFailed as exc:
        errors = {k: forms.error_text(k, v) for k, v in exc.fields.items()}
        not_tested = {"ok": False, "not_tested": " ".join(forms.sentence(e) for e in errors.values())}
        return models_page(selected=selected, new=new, values=values, errors=errors, status=400,
                           test_result=not_tested)
    return models_page(selected=selected, new=new, values=values, test_result=result)


@bp.post("/profiles/<profile_id>/pull")
def pull(profile_id):
    """Pull model without JavaScript: start, cancel or check a pull; the editor again with its progress."""
    return _pull_step(selected=profile_id)


@bp.post("/profiles/pull")
def pull_new():
    """Pull model from the editor of a profile not saved yet."""
    return _pull_step(new="ollama")


def _pull_step(selected=None, new=None):
    values = forms.posted_values(request.form)
    form = {k: request.form.get(k) for k in ("model", "url", "token", "credential_id")}
    action = {"start": ollama_pull.start_pull, "cancel": ollama_pull.cancel_pull}.get(
        request.form.get("pull_op"), ollama_pull.pull_status)
    try:
        found = action(svc(), form)
    except ValidationFailed as exc:
        errors = {k: forms.error_text(k, v) for k, v in exc.fields.items()}
        return models_page(selected=selected, new=new, values=values, errors=errors, status=400)
    return models_page(selected=selected, new=new, values=values, pull=found or False)


@bp.post("/multi-provider")
def multi_provider():
    """Turn multi-provider mode on or off."""
    enabled = "enabled" in request.form
    svc().mutate(lambda s: s.update(multi_provider_enabled=enabled), restart=False)
    flash("Multi-provider mode is " + ("on." if enabled else "off: you edit the active profile only."), "success")
    return redirect(url_for(".index"))
