"""Login and logout pages."""

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from .common import MAX_NEXT_CHARS, services

bp = Blueprint("auth", __name__)


def _safe_next(target):
    """Only same-site relative paths: no open redirect."""
    if len(target or "") > MAX_NEXT_CHARS or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target or ""):
        return url_for("models.index")  # a giant or header-splitting target never reaches Location
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/") or target.startswith("//"):
        return url_for("models.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Username + password form; throttled per client."""
    error, status = None, 200
    if request.method == "POST":
        svc = services()
        client = request.remote_addr or "unknown"
        allowed, _retry, message = svc.throttle.check(client)
        if not allowed:
            error, status = message, 429
        elif svc.auth.verify_password(request.form.get("username", ""), request.form.get("password", "")):
            svc.throttle.success(client)
            session.clear()
            session.permanent = True
            session.update(user=request.form["username"], pw=svc.auth.password_fingerprint(),
                           csrf=secrets.token_urlsafe(32))
            return redirect(_safe_next(request.form.get("next")))
        else:
            svc.throttle.failure(client)
            error, status = "Wrong username or password.", 401
    return render_template("login.html", error=error, next=request.values.get("next", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
