"""The request scope: its id (X-Request-Id) and the upstream time its gateway calls spent, for logs and metrics."""

import contextvars
import itertools
import os
import re

MAX_ID = 128
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}$")  # no spaces, quotes or control characters
_current = contextvars.ContextVar("webui_request_scope", default=None)


class Scope:
    """One request: its id, the face that metered it, and the seconds its provider attempts took."""

    __slots__ = ("request_id", "face", "upstream", "calls")

    def __init__(self, request_id):
        self.request_id = request_id
        self.face, self.upstream, self.calls = None, 0.0, 0

    def add_upstream(self, face, seconds):
        """A provider attempt of this request ended after `seconds`."""
        self.face = face
        self.upstream += seconds
        self.calls += 1


_ids = {"pid": None, "prefix": "", "counter": None}


def new_request_id():
    """32 hex digits, unique: 20 random per process (made again after a fork), then a 12-digit counter
    (a tenth of uuid4's cost: no system call per request)."""
    if _ids["pid"] != os.getpid():
        _ids.update(pid=os.getpid(), prefix=os.urandom(10).hex(), counter=itertools.count())
    return f"{_ids['prefix']}{next(_ids['counter']) % 16 ** 12:012x}"


def request_id_from(header):
    """The caller's X-Request-Id when it is a plain token of at most 128 characters; else a new one."""
    if header and len(header) <= MAX_ID and _SAFE_ID.match(header):
        return header
    return new_request_id()


def begin(header=None):
    """A new Scope for the request now being served (made current); its id from the header or new."""
    scope = Scope(request_id_from(header))
    _current.set(scope)
    return scope


def current():
    """The Scope of the request being served here, or None (a CLI run, a background job)."""
    return _current.get()


def current_request_id():
    """The id of the request being served here, or None."""
    scope = _current.get()
    return scope.request_id if scope is not None else None
