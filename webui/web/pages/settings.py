"""Desktop settings tabs: Preferences, Voice & Audio, Display & UI (one field table each) and Local LLM."""

from flask import Blueprint, flash, redirect, request, url_for

from webui import catalog
from webui.core.config import profile_ops
from webui.core.connect import local_llm
from webui.core.storage.store import load_template
from webui.core.storage.vault import mask
from webui.errors import ProviderError, ValidationFailed
from webui.web.pages import forms
from webui.web.pages.layout import flash_desktop, render_page, svc

bp = Blueprint("settings", __name__)
OLLAMA_DEFAULT_URL = catalog.PROVIDERS["ollama"]["default_base_url"]


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
    """The Local LLM tab (errors and the typed URL kept after a failed model refresh)."""
    settings, _ = svc().settings()
    return render_page("local_llm.html", "local", status, sync=bool(settings.get("sync_local_llm")),
                       key=mask(settings.get("llm_key") or ""), models=settings.get("ollama_models") or [],
                       url=url if url is not None else (settings.get("ollama_url") or OLLAMA_DEFAULT_URL),
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
        return _local_page({"url": forms.user_text(exc.message)}, url, 502)
    _, desktop, _ = svc().mutate(lambda s: s.update(ollama_models=names))
    flash(f"Found {len(names)} model{'s' if len(names) != 1 else ''} at {url}.", "success")
    flash_desktop(desktop)
    return redirect(url_for(".local_llm_page"))
