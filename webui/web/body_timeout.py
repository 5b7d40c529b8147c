"""Request bodies are bounded in time and, before login, in size (issues 15 and 24).

* Each read: the worker's per-operation socket timeout (WEBUI_BODY_TIMEOUT) raised a bare TimeoutError deep inside
  Flask (a 500); here it is RequestTimeout (408, in the OpenAI shape on /v1) and the connection is closed.
* The whole body: a client sending one byte just before each read timeout would hold a connection forever. The
  body must arrive within max(WEBUI_BODY_TIMEOUT, Content-Length / WEBUI_BODY_MIN_RATE) seconds of the request's
  start (a minimum rate, bytes/s, default 10,000), else 408 and the connection is closed.
* Before login: the public routes (the login form) take at most WEBUI_PUBLIC_BODY_MAX bytes (8 KiB); more, or a
  body of unknown length, is 413 at once, unread. A body the app did not read (a 401 before it was parsed) closes
  the connection instead of being drained byte by byte.
"""

import functools
import time

from gevent.local import local

from webui.errors import PayloadTooLarge, RequestTimeout
from webui.offload import cooperative
from webui.settings import Settings

READS = ("read", "readline", "readlines", "readinto")
DEFAULT_PUBLIC_BODY_MAX = 8 * 1024  # the settings' default (WEBUI_PUBLIC_BODY_MAX)


class _Late(Exception):
    """The body deadline passed during a read (gevent.Timeout raises it)."""


class TimedInput:
    """wsgi.input whose reads end by the body deadline and raise RequestTimeout instead of TimeoutError."""

    def __init__(self, stream, deadline):
        self._stream = stream
        self._deadline = deadline
        self.received = 0

    def __getattr__(self, name):
        attr = getattr(self._stream, name)  # AttributeError stays one: werkzeug probes for readinto
        return self._timed(attr) if name in READS else attr

    def __iter__(self):
        return iter(self.readline, b"")

    def _timed(self, read):
        @functools.wraps(read)
        def timed(*args):
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise _late()
            try:
                if cooperative():
                    import gevent

                    with gevent.Timeout(left, _Late):
                        data = read(*args)
                else:
                    data = read(*args)
            except (TimeoutError, _Late):
                raise _late() from None
            if isinstance(data, list):  # readlines
                self.received += sum(map(len, data))
            else:
                self.received += len(data) if isinstance(data, (bytes, bytearray)) else (data or 0)
            return data
        return timed


def _late():
    return RequestTimeout("The request body did not arrive in time; the connection is closed.")


def body_deadline(length, floor, min_rate, unknown_length):
    """Seconds the whole body may take: the floor, or longer for a large body at the minimum rate."""
    return max(floor, (unknown_length if length is None else length) / min_rate)


def install(app, environ):
    """Wrap app.wsgi_app: every body is read through TimedInput; a 408 or an unread body closes the connection;
    public routes refuse a large body (before_request, so nothing of it is read)."""
    inner = app.wsgi_app
    config = Settings.from_env(environ)
    floor, min_rate = config.body_timeout, config.body_min_rate
    app.config["PUBLIC_BODY_MAX"] = config.public_body_max

    def wsgi_app(environ, start_response):
        length = _content_length(environ)
        stream = environ.get("wsgi.input")
        timed = None
        if stream is not None:
            deadline = time.monotonic() + body_deadline(length, floor, min_rate, app.config["MAX_CONTENT_LENGTH"])
            timed = environ["wsgi.input"] = TimedInput(stream, deadline)

        def respond(status, headers, exc_info=None):
            unread = timed is not None and (length is None and _chunked(environ) or (length or 0) > timed.received)
            if status.startswith(("408", "413")) or unread:
                close_connection()
            return start_response(status, headers, exc_info)

        return inner(environ, respond)

    app.wsgi_app = wsgi_app


def refuse_large_public_body(public_endpoints):
    """A before_request hook: 413 for a body past WEBUI_PUBLIC_BODY_MAX (or of unknown length) on a public route."""
    from flask import current_app, request

    def check():
        if request.endpoint not in public_endpoints:
            return
        limit = current_app.config.get("PUBLIC_BODY_MAX", DEFAULT_PUBLIC_BODY_MAX)
        length = request.content_length
        if (length is None and _chunked(request.environ)) or (length or 0) > limit:
            close_connection()
            raise PayloadTooLarge(f"This form takes at most {limit} bytes before login (WEBUI_PUBLIC_BODY_MAX).")

    return check


def _content_length(environ):
    try:
        return int(environ.get("CONTENT_LENGTH") or 0) if not _chunked(environ) else None
    except ValueError:
        return 0


def _chunked(environ):
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


# The gunicorn request this greenlet serves (set by webui.serve.worker.Worker): gunicorn ignores an application's
# `Connection: close` header, so a 408 marks the request itself; its answer then says `Connection: close`.
serving = local()  # greenlet-local: each connection is a greenlet


def close_connection():
    """Close the client connection after this answer (the unread rest of a body must not be parsed)."""
    req = getattr(serving, "request", None)
    if req is not None:
        req.must_close = True
        serving.linger = True  # the worker drains a little before closing, so the answer is not reset away
