"""A client that stalls while sending its request body gets 408 Request Timeout, not 500.

The worker puts a per-read timeout (WEBUI_BODY_TIMEOUT) on every client socket; a body read that hits it raised a
bare TimeoutError deep inside Flask, which answered 500. This WSGI wrapper turns it into RequestTimeout (408, in
the OpenAI shape on /v1) and the answer closes the connection (the rest of the body never came)."""

import functools

from gevent.local import local

from webui.errors import RequestTimeout

READS = ("read", "readline", "readlines", "readinto")


class TimedInput:
    """wsgi.input whose reads raise RequestTimeout instead of TimeoutError; everything else passes through."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        attr = getattr(self._stream, name)  # AttributeError stays one: werkzeug probes for readinto
        return _mapped(attr) if name in READS else attr

    def __iter__(self):
        return iter(self.readline, b"")


def _mapped(read):
    @functools.wraps(read)
    def timed(*args):
        try:
            return read(*args)
        except TimeoutError:
            raise RequestTimeout("The request body stopped arriving; the connection is closed.") from None
    return timed


def install(app):
    """Wrap app.wsgi_app so every request's body is read through TimedInput; a 408 closes the connection."""
    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = TimedInput(stream)

        def respond(status, headers, exc_info=None):
            if status.startswith("408"):
                close_connection()
            return start_response(status, headers, exc_info)

        return inner(environ, respond)

    app.wsgi_app = wsgi_app


# The gunicorn request this greenlet serves (set by webui.serve.worker.Worker): gunicorn ignores an application's
# `Connection: close` header, so a 408 marks the request itself; its answer then says `Connection: close`.
serving = local()  # greenlet-local: each connection is a greenlet


def close_connection():
    """Close the client connection after this answer (the unread rest of a stalled body must not be parsed)."""
    req = getattr(serving, "request", None)
    if req is not None:
        req.must_close = True
