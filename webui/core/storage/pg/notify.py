"""LISTEN for other instances' changes: a cached document is dropped within a second of a commit anywhere."""

import logging
import threading
import time
import weakref

from webui.core.storage.pg.database import CONNECT_TIMEOUT, KEEPALIVE, cooperate_with_gevent
from webui.core.storage.pg.documents import CHANNEL

log = logging.getLogger("webui.store")
RETRY = 0.5  # seconds between reconnection attempts while the server is away


class ChangeListener:
    """One dedicated connection LISTENing on the documents channel (a greenlet under gevent, else a thread).

    `live` is True only while the LISTEN connection is up: documents cache only then, so a lost
    notification can never leave a stale copy in use.
    """

    def __init__(self, url):
        self.url = url
        self.live = False
        self._subscribers = {}  # document name -> [reference to callback(revision or None)]
        self._guard = threading.Lock()
        self._stop = False
        self._conn = None
        self._suspected = float("-inf")
        self._started = threading.Event()
        threading.Thread(target=self._run, name="webui-store-listener", daemon=True).start()

    def subscribe(self, name, callback):
        """callback(revision) on a change of document `name`; callback(None) when changes may have been missed.
        A bound method is held weakly: a document that is gone (an app of a finished test) stops listening."""
        ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else (lambda: callback)
        with self._guard:
            self._subscribers.setdefault(name, []).append(ref)

    def _notify(self, name, revision):
        with self._guard:
            live = [ref for ref in self._subscribers.get(name, []) if ref() is not None]
            self._subscribers[name] = live
        for ref in live:
            callback = ref()
            if callback is not None:
                callback(revision)

    def wait_live(self, timeout=3.0):
        """Block until the first LISTEN is in place (start-up), at most `timeout` seconds."""
        self._started.wait(timeout)
        return self.live

    def suspect(self):
        """A pooled statement just met an unreachable server: not live (no cached documents, /healthz 503) until
        this listener's own next check, begun after now, passes."""
        self._suspected = time.monotonic()
        self.live = False
        self._drop_all()

    def _drop_all(self):
        for name in list(self._subscribers):
            self._notify(name, None)

    def _run(self):
        cooperate_with_gevent()
        import psycopg

        while not self._stop:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **KEEPALIVE,
                                     options="-c statement_timeout=2500",
                                     application_name="triplo-webui-listener") as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._drop_all()  # anything may have changed while nobody listened
                    self.live = True
                    self._started.set()
                    while not self._stop:
                        for note in conn.notifies(timeout=1.0):
                            name, _, revision = note.payload.partition(" ")
                            self._notify(name, revision or None)
                        checking = time.monotonic()
                        conn.execute("SELECT 1")  # notices a dead server even when nothing is sent
                        if not self.live and checking > self._suspected:  # a suspicion this check answers
                            self._drop_all()
                            self.live = True
            except Exception as exc:  # noqa: BLE001 - any failure: stop caching, retry shortly
                if self.live:
                    log.warning("PostgreSQL change listener lost (%s); reading without a cache until it is back",
                                type(exc).__name__)
                self.live = False
                self._drop_all()
                self._started.set()
                time.sleep(RETRY)
        self.live = False

    def close(self):
        """Stop listening (tests, shutdown)."""
        self._stop = True
        self.live = False
