"""The session store on PostgreSQL: SessionStore's own queries, through the pool (tables in storage/pg/schema.py)."""

import contextlib

from webui.core.chat.sessions import SessionStore, _Tx, valid_id
from webui.core.storage.pg.sql import PgSql


class PgSessionStore(SessionStore):
    """Sessions and messages shared by every instance on one database; a write locks its session's row."""

    FOLD_SQL = "LOWER"  # search folds case with PostgreSQL's own LOWER() (every script, as Python's lower())

    def __init__(self, db):  # noqa: super().__init__ opens SQLite; nothing of it applies here
        self.db_path = "postgresql"
        self.read_only = False
        self._sql = PgSql(db)

    def _conn(self):
        return self._sql

    @contextlib.contextmanager
    def _write(self):
        with self._sql.transaction() as tx:
            yield _Tx(tx)

    def _session_row(self, conn, session_id):
        if conn is not self._sql and valid_id(session_id):
            # Inside a write: two instances appending to one session take turns (positions stay unique).
            conn.execute("SELECT 1 FROM sessions WHERE id = ? FOR UPDATE", (session_id,))
        return super()._session_row(conn, session_id)

    def close(self):
        """The pool belongs to the process (storage.backend); nothing to close here."""

    def journal_mode(self):
        return "postgresql"
