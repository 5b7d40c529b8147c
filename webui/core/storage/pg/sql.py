"""The slice of sqlite3's connection API the SQL stores use, over the PostgreSQL pool: one set of queries, two engines."""

import contextlib
import functools


class Row(tuple):
    """A result row readable by index or by column name, like sqlite3.Row."""

    def __new__(cls, values, index):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._index)


def _row_factory(cursor):
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, index)


class Result:
    """Rows fetched at once (the connection goes back to the pool before the caller reads them)."""

    def __init__(self, rows, rowcount):
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return list(self._rows)


@functools.lru_cache(maxsize=512)
def translate(sql):
    """SQLite's `?` placeholders as psycopg's `%s` (the stores' SQL holds no other `?` or `%`)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgSql:
    """execute()/executemany() like a sqlite3 connection; outside transaction() each call borrows a pooled connection."""

    def __init__(self, db, conn=None):
        self.db = db
        self._conn = conn

    def execute(self, sql, args=()):
        if sql in ("BEGIN", "COMMIT"):  # SQLite read snapshots: each PostgreSQL statement has its own
            return Result([], -1)
        if self._conn is not None:
            return self._run(self._conn, sql, args)
        with self.db.connection() as conn:
            return self._run(conn, sql, args)

    @staticmethod
    def _run(conn, sql, args):
        with conn.cursor(row_factory=_row_factory) as cur:
            cur.execute(translate(sql), tuple(args))
            rows = cur.fetchall() if cur.description else []
            return Result(rows, cur.rowcount)

    def executemany(self, sql, rows):
        with self.transaction() as tx, tx._conn.cursor() as cur:
            cur.executemany(translate(sql), rows)

    @contextlib.contextmanager
    def transaction(self):
        """A PgSql bound to one connection inside one transaction (all or nothing)."""
        if self._conn is not None:
            yield self
            return
        with self.db.connection() as conn, conn.transaction():
            yield PgSql(self.db, conn)
