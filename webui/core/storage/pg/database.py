"""One PostgreSQL connection pool per process: gevent-friendly waits, every wait bounded, errors as 503."""

import contextlib
import logging
import re
import time
import weakref

from webui.errors import StoreUnavailable
from webui.offload import cooperative

log = logging.getLogger("webui.store")

CONNECT_TIMEOUT = 2          # seconds to open a connection (an unreachable server answers 503 within 3 s)
STATEMENT_TIMEOUT_MS = 2500  # no statement of ours runs longer; a stuck lock or server ends in 503
POOL_TIMEOUT = 2.0           # seconds a request waits for a free connection
POOL_MAX = 10                # WEBUI_DATABASE_POOL: connections per process
# A server that vanishes without closing the socket is noticed by TCP within ~3 s instead of never.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 2, "keepalives_interval": 1, "keepalives_count": 2,
             "tcp_user_timeout": 3000}
CHECK_AFTER_IDLE = 1.0       # seconds: a connection idle longer is pinged before it is handed out

_returned = weakref.WeakKeyDictionary()  # connection -> when it last came back to the pool in good order


def _check(conn):
    """Ping a connection before handing it out, unless it came back healthy within CHECK_AFTER_IDLE: a ping per
    borrow was a round trip per statement (five of a session chat's ~20). A connection the server dropped in that
    second fails its statement with a 503, and the pool replaces it."""
    if time.monotonic() - _returned.get(conn, float("-inf")) > CHECK_AFTER_IDLE:
        from psycopg_pool import ConnectionPool

        ConnectionPool.check_connection(conn)


def _returned_healthy(conn):
    _returned[conn] = time.monotonic()


def cooperate_with_gevent():
    """Under gevent psycopg must wait through the patched select.poll, never its C wait that blocks the loop.

    psycopg picks its wait function at import time and already avoids the C one when select is patched; this
    makes sure of it whatever the import order was.
    """
    import psycopg.waiting as waiting

    if cooperative() and waiting.wait is getattr(waiting, "wait_c", None):
        waiting.wait = waiting.wait_poll


def redacted(url):
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url or "")


def unavailable(exc, url):
    """The 503 every caller sees when the server does not answer in time."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = redacted(reason)
    return StoreUnavailable(f"The PostgreSQL store ({redacted(url)}) is not reachable: {reason}. "
                            "Nothing was changed; try again shortly.", reason=type(exc).__name__)


class Database:
    """A psycopg_pool.ConnectionPool with bounded timeouts; connection() and transaction() map faults to 503."""

    def __init__(self, url, max_size=POOL_MAX, statement_timeout_ms=STATEMENT_TIMEOUT_MS):
        cooperate_with_gevent()
        from psycopg_pool import ConnectionPool

        self.url = url
        self.on_fault = None  # called when a statement meets an unreachable server (the listener stops trusting)
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, timeout=POOL_TIMEOUT, open=False, name="webui",
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT, **KEEPALIVE,
                    "options": f"-c statement_timeout={int(statement_timeout_ms)}",
                    "application_name": "triplo-webui"},
            check=_check, reset=_returned_healthy,  # a connection the server dropped is replaced, not handed out
            # psycopg_pool backs off 1, 2, 4 … s between attempts while the server is away; giving up after 5 s
            # lets the next request start afresh, so a server that returns is used again within ~2 s.
            reconnect_timeout=5, reconnect_failed=lambda _pool: None)
        self.pool.open(wait=False)

    @contextlib.contextmanager
    def connection(self):
        """A pooled connection (autocommit); PostgreSQL faults become StoreUnavailable."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            _returned.clear()  # after a fault every connection is pinged again before use
            if self.on_fault is not None:
                self.on_fault()
            raise unavailable(exc, self.url) from None

    @contextlib.contextmanager
    def transaction(self):
        """A cursor inside one transaction: committed when the block ends, rolled back when it raises."""
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def close(self):
        """Close every pooled connection (tests, shutdown)."""
        self.pool.close(timeout=1)
