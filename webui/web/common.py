"""Request helpers shared by every blueprint: services, JSON bodies, revisions, ?restart=, desktop outcomes, answers."""

import re
from urllib.parse import urlsplit

from flask import current_app, jsonify, request, url_for

from webui import bounds
from webui.errors import BadRequest, UnsupportedMediaType, ValidationFailed

API_PREFIXES = ("/api/", "/v1/", "/sessions/", "/metrics")  # JSON errors, 401 instead of the login page
# An id a form sends that goes back into a redirect's Location: short, plain characters (issue 15).
ECHOED_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
MAX_NEXT_CHARS = 2048
NO_RESTART = ("0", "false", "no", "off")


def services():
    """The app's core services, built once by the app factory (config, auth, throttle, desktop, sessions, usage, chat)."""
    return current_app.extensions["triplo"]


def chat():
    """This app's ChatService."""
    return services().chat


def usage():
    """This app's UsageLedger."""
    return services().usage


def is_api_request():
    """JSON answers for API paths and for clients that ask for JSON."""
    if request.path.startswith(API_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_body(kind=dict, required=True):
    """The parsed JSON body: 415 for another content type, 400 for malformed JSON or the wrong top-level type."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise BadRequest("The request body is empty; send a JSON document.")
        return kind()
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
    try:
        data = bounds.loads(raw)
    except bounds.InputRefused as exc:  # too deep, or a string no UTF-8 can store: a field error, never a 500
        if exc.field in (None, "body"):
            raise BadRequest(f"The body {exc}.") from None
        raise ValidationFailed({exc.field: str(exc)}) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, kind):
        raise BadRequest(f"The body must be a JSON {'object' if kind is dict else 'array'}.")
    return data


def expected_revision(body=None):
    """The revision a write is based on: If-Match header, else a 'revision' field; None means unconditional."""
    header = request.headers.get("If-Match")
    if header and header.strip() == "*":
        return None  # "any revision": an unconditional write
    if header:
        return header.strip().strip('"').removeprefix("W/").strip('"')
    if isinstance(body, dict) and isinstance(body.get("revision"), str):
        return body["revision"]
    return None


def restart_flag():
    """`?restart=false` (or 0/no/off) skips restarting the desktop app; restarting is the default."""
    return request.args.get("restart", "true").strip().lower() not in NO_RESTART


def desktop_outcome(outcome):
    """The `desktop` field of a write's answer: always {"result", "pid", "message"} (SPEC §4), never null.

    The core answers None when it did not restart; the answer then says why it was skipped.
    """
    if outcome is not None:
        return outcome
    reason = "restart=false was given" if not restart_flag() else "nothing the desktop app reads changed"
    return {"result": "skipped", "pid": None, "message": f"The desktop app was not restarted: {reason}."}


def answer(data, status=200, revision=None):
    """A JSON response, with the config revision as ETag when known."""
    response = jsonify(data)
    response.status_code = status
    if revision:
        response.headers["ETag"] = f'"{revision}"'
    return response


def safe_next(target):
    """Only same-site relative paths: no open redirect."""
    if len(target or "") > MAX_NEXT_CHARS or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target or ""):
        return url_for("models.index")  # a giant or header-splitting target never reaches Location
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/") or target.startswith("//"):
        return url_for("models.index")
    return target


def token_names():
    """{API token id: name} of the live tokens (usage tables name a token's calls with it)."""
    return {t["id"]: t["name"] for t in services().auth.list_tokens()}
