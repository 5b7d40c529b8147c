"""Login and logout pages."""

import logging
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from webui.errors import StorageError
from webui.web.common import safe_next, services

log = logging.getLogger("webui.auth")

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Username + password form; throttled per client."""
    error, status = None, 200
    if request.method == "POST":
        svc = services()
        client = request.remote_addr or "unknown"
        ok, _retry, message = svc.throttle.attempt(client, lambda: svc.auth.verify_password(
            request.form.get("username", ""), request.form.get("password", "")))
        if ok is None:
            error, status = message, 429
        elif ok:
            session.clear()
            session.permanent = True
            session.update(user=request.form["username"], pw=svc.auth.password_fingerprint(),
                           csrf=secrets.token_urlsafe(32), sid=secrets.token_urlsafe(18))
            return redirect(safe_next(request.form.get("next")))
        else:
            error, status = "Wrong username or password.", 401
    return render_template("login.html", error=error, next=request.values.get("next", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here and on the server: a copy of the cookie stops working too."""
    if session.get("sid"):
        lifetime = current_app.permanent_session_lifetime.total_seconds()
        try:
            services().auth.end_session(session["sid"], lifetime)
        except StorageError as exc:  # a read-only or full folder: the cookie still goes, say why it may live on
            log.warning("Logout could not be recorded server-side: %s", exc.message)
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
