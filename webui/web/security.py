"""Who is asking (session cookie, Basic, Bearer), CSRF on cookie state changes, security headers."""

import base64
import binascii
import hmac
import secrets

from flask import g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from webui.core.usage.metering import calling_token
from webui.core.usage.token_limits import TokenLimits, current_limits
from webui.errors import CsrfFailed, TooManyAttempts, Unauthorized
from webui.web import scopes
from webui.web.common import is_api_request, services

PUBLIC_ENDPOINTS = scopes.PUBLIC_ENDPOINTS
METRICS = "metrics.scrape"  # public only with WEBUI_METRICS_PUBLIC=1
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


class SessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the request itself came over https."""

    def __init__(self):
        self._serializer = (None, None)  # (keys it was made for, serializer)

    def get_cookie_secure(self, app):
        return bool(request and request.is_secure) or super().get_cookie_secure(app)

    def get_signing_serializer(self, app):
        # Flask builds a new serializer (and test-encodes {}) on every request: ~5 % of a streamed reply's CPU.
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made_for, serializer = self._serializer
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer


def csrf_token():
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _basic_user():
    auth = services()
    try:
        decoded = base64.b64decode(request.headers["Authorization"].split(None, 1)[1]).decode("utf-8")
        username, password = decoded.split(":", 1)
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        raise Unauthorized("Malformed Basic credentials.") from None
    client = request.remote_addr or "unknown"
    ok, retry_after, message = auth.throttle.attempt(client, lambda: auth.auth.verify_password(username, password))
    if ok is None:
        raise TooManyAttempts(message, retry_after=retry_after)
    if not ok:
        raise Unauthorized("Wrong username or password.")
    return username


def authenticate():
    """before_request: set g.user and g.auth_method, or answer 401 / redirect to the login page."""
    g.user, g.auth_method, g.token = None, None, None
    calling_token.set(None)  # a reused thread or greenlet never carries the previous request's token
    current_limits.set(None)
    if request.endpoint in PUBLIC_ENDPOINTS or (request.endpoint == METRICS and services().settings.metrics_public):
        return None
    header = request.headers.get("Authorization", "")
    if not header and request.headers.get("x-api-key"):  # the anthropic SDKs and Claude Code send the token so
        header = f"Bearer {request.headers['x-api-key']}"
    scheme = header.split(None, 1)[0].lower() if header else ""
    if scheme == "bearer":
        token = header.split(None, 1)[1].strip() if " " in header.strip() else ""
        record = services().auth.verify_token(token) if token else None
        if record is None:
            raise Unauthorized("Invalid or revoked API token.")
        g.user, g.auth_method, g.token = f"token:{record['name']}", "bearer", record
        calling_token.set(record["id"])
        if request.endpoint is not None:  # an unknown path answers 404 as for anyone
            scopes.check(record.get("scope"), request.endpoint, request.method, request.path)
        if record.get("limits"):  # RPM / TPM now; the budget and profile allowlist when a call is admitted
            limits = TokenLimits(record, services().shared, services().usage)
            limits.check_rate()
            current_limits.set(limits)
        return None
    if scheme == "basic":
        g.user, g.auth_method = _basic_user(), "basic"
        return None
    auth = services().auth
    signed_in = session.get("user") and session.get("pw") == auth.password_fingerprint()
    if signed_in and auth.session_live(session.get("sid")):  # a logged-out session id stays dead
        g.user, g.auth_method = session["user"], "session"
        if request.method in STATE_CHANGING:
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                raise CsrfFailed("Missing or wrong CSRF token; reload the page and try again.")
        return None
    session.pop("user", None)
    if is_api_request():
        raise Unauthorized("Log in, or send HTTP Basic credentials or 'Authorization: Bearer <token>'.")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def security_headers(response):
    """after_request: CSP without inline script, no framing, no sniffing, no referrer leaks, no caching."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
