"""One error handler for the whole app: one JSON shape, or an HTML page for people."""

import logging

from flask import render_template, request
from werkzeug.exceptions import HTTPException

from webui.core.anthropic_face.reply import error_object as anthropic_error
from webui.errors import WebUIError, should_retry
from webui.web.common import answer, is_api_request

log = logging.getLogger("webui.errors")


def openai_error(status, code, message):
    """OpenAI's error object for a status, our code and a message."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _render(status, body, headers=None):
    if request.path.startswith("/v1/messages"):  # errors before the Messages face's own handlers (405, ...)
        body = anthropic_error(status, body.get("message", ""))
    elif request.path.startswith("/v1/"):  # the OpenAI-compatible face answers in OpenAI's error shape
        body = openai_error(status, body.get("error", "error"), body.get("message", ""))
    if is_api_request():
        response = answer(body, status)
    else:
        response = render_template("error.html", status=status, error=body), status
        from flask import make_response

        response = make_response(response)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def retry_headers(exc):
    """`x-should-retry` for an error on a gateway face: the SDKs then retry only what may succeed."""
    return {"x-should-retry": "true" if should_retry(exc) else "false"}


def register_error_handlers(app):
    """WebUIError, HTTP errors and unexpected exceptions all answer {"error", "message", …}."""

    @app.errorhandler(WebUIError)
    def _webui_error(exc):
        headers = {}
        if exc.details.get("retry_after") is not None:
            headers["Retry-After"] = str(int(exc.details["retry_after"]))
        if request.path.startswith("/v1/"):
            headers.update(retry_headers(exc))
        return _render(exc.status, exc.to_dict(), headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        code = (exc.name or "error").lower().replace(" ", "_")
        message = {
            413: "The request body is too large (limit 1 MiB).",
            404: "Not found.",
            405: "This method is not allowed here.",
        }.get(exc.code, exc.description or exc.name)
        headers = dict(exc.get_headers()) if exc.code == 405 else {}
        headers.pop("Content-Type", None)
        return _render(exc.code or 500, {"error": code, "message": message}, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("Unexpected error")  # details in the server log only, never in the answer
        return _render(500, {"error": "internal_error", "message": "Something went wrong on the server. The details are in its log."})
