"""The usage ledger on PostgreSQL: UsageLedger's queries and batching, written by a greenlet through the pool."""

import logging
import threading
import time

from webui.core.storage.pg.sql import PgSql
from webui.core.usage.ledger import _INSERT, UsageLedger, now_utc
from webui.errors import StoreUnavailable

log = logging.getLogger("webui.usage")
SPEND_TTL = 1.0  # seconds a profile's month spend is trusted before other instances' rows are read again


def _spawn(target, name):
    threading.Thread(target=target, name=name, daemon=True).start()  # a greenlet under gevent: its I/O yields


class PgUsageLedger(UsageLedger):
    """Rows queued by record() and batched by a background writer, as in the embedded mode; kept while the
    server is away and written when it is back (up to MAX_PENDING rows)."""

    _lock = staticmethod(lambda: threading.Lock())  # patched under gevent: a waiting greenlet lets others run
    _spawn = staticmethod(_spawn)
    _sleep = staticmethod(lambda seconds: time.sleep(seconds))
    INDEX_HINT = ""

    def __init__(self, db, clock=now_utc):
        self._sql = PgSql(db)
        self._spend_loaded_at = time.monotonic()
        super().__init__("postgresql", clock=clock)

    def _open(self):
        """The table is made by the versioned schema (storage/pg/schema.py)."""

    def _conn(self):
        return self._sql

    def _insert(self, batch):
        try:
            self._sql.executemany(_INSERT, batch)
        except StoreUnavailable:
            log.warning("usage rows kept in memory until PostgreSQL answers again (%d)", len(batch))
            return False
        return True

    def month_spend(self, profile_id):
        """As UsageLedger's, but the sum is re-read at most SPEND_TTL seconds after it was loaded: other
        instances' calls count too (this instance's own are added at once, as in the embedded mode)."""
        now = time.monotonic()
        if now - self._spend_loaded_at > SPEND_TTL:
            with self._state_lock:
                self._spend.clear()
                self._spend_loaded_at = now
        return super().month_spend(profile_id)

    def close(self):
        """Write what is queued; the pool belongs to the process."""
        self.flush()
