"""Every request's scope: X-Request-Id taken from the caller (or made), returned, put in the WSGI environ for the
access log; after a non-streamed gateway request, the time it spent outside its provider calls (a histogram)."""

import time

from webui.core.observe import context, metrics

ENVIRON_KEY = "webui.request_id"


class RequestScope:
    """WSGI middleware around the Flask app (outside it, so every answer carries the id, errors included)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        scope = context.begin(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = scope.request_id
        sent = []

        def start(status, headers, exc_info=None):
            headers.append(("X-Request-Id", scope.request_id))
            sent.append(headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, start)
        if scope.calls and sent and not _streamed(sent[-1]):
            metrics.gateway_overhead(scope.face, time.perf_counter() - started - scope.upstream)
        return body


def _streamed(headers):
    return any(name.lower() == "content-type" and value.startswith("text/event-stream") for name, value in headers)


def install(app):
    """Wrap the app's WSGI callable."""
    app.wsgi_app = RequestScope(app.wsgi_app)
