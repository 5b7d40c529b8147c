"""What every server-rendered tab shares: the header (active profile, desktop state), render_page, flashes."""

import copy
import logging
from urllib.parse import urlsplit

from flask import flash, render_template, request, url_for

from webui.web import markdown
from webui.web.common import safe_next, services
from webui.web.pages import forms

log = logging.getLogger("webui.pages")
STATUS_TIMEOUT = 1.0  # seconds: the header must never wait long for supervisord
STATE_LABELS = {"running": "running", "starting": "starting", "stopped": "stopped", "exited": "stopped",
                "backoff": "failing", "fatal": "failing", "unknown": "not reachable", "unreachable": "not reachable"}


def init_app(app):
    """Template helpers every tab uses."""
    app.add_template_filter(forms.provider_label, "provider_label")
    app.add_template_filter(forms.usd, "usd")
    app.add_template_filter(markdown.render, "markdown")
    # /favicon.ico as a second rule of the public "static" endpoint: browsers ask for it before logging in.
    app.add_url_rule("/favicon.ico", endpoint="static", view_func=app.view_functions["static"],
                     defaults={"filename": "favicon.svg"})


def svc():
    """The ConfigService."""
    return services().config


def desktop_state():
    """The desktop app's state for the header, asked with a short timeout."""
    quick = copy.copy(services().desktop)
    quick.status_timeout = min(quick.status_timeout, STATUS_TIMEOUT)
    try:
        status = quick.status()
    except Exception:  # the header is informational: never fail a page on it
        log.exception("desktop status failed")
        status = {"state": "unreachable", "message": "The desktop app's state could not be read."}
    state = status.get("state") or "unknown"
    return {"state": state, "label": STATE_LABELS.get(state, state),
            "message": forms.user_text(status.get("message"))}


def render_page(template, tab, status=200, **context):
    """A tab inside the layout, with the header's active profile and desktop state."""
    settings, _ = svc().settings()
    active = svc().active_profile(settings)
    header = None
    if active:
        header = {"name": active.get("name"), "model": active.get("model"),
                  "provider": forms.provider_label(active["provider"])}
    return render_template(template, tab=tab, header_active=header, desktop=desktop_state(),
                           here=_here(), read_only=services().read_only, **context), status


def _here():
    """Where forms on this page return to: this page, or for a re-rendered POST the page it came from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return url_for("models.index")
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def flash_desktop(outcome, because=None):
    """Flash what happened to the desktop app, if anything; `because`: why a restart was needed at all, when the
    change did not visibly touch the active profile."""
    message = forms.desktop_message(outcome)
    if message:
        text, category = message
        flash(f"{forms.sentence(because)} {text}" if because else text, category)
