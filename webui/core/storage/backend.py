"""Which store of record this process uses, decided in one place: the config folder's files, or PostgreSQL
when WEBUI_DATABASE_URL is set (one pool, one schema check and one change listener per process)."""

import json
import threading

from webui.errors import ValidationFailed
from webui.settings import Settings

URL_VARIABLE = "WEBUI_DATABASE_URL"
_opened = {}  # url -> Store: one pool per process, shared by every app and CLI command in it
_guard = threading.Lock()


def database_url(environ):
    """The configured PostgreSQL URL, or None for the embedded (file) mode; a clear 4xx for anything else."""
    url = (environ.get(URL_VARIABLE) or "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValidationFailed({URL_VARIABLE: "Use a postgresql://user@host:port/database URL (or leave it unset)."},
                               message=f"{URL_VARIABLE} is not a postgresql:// URL")
    return url


def kind(environ):
    """'postgresql' or 'file' (what /healthz reports as "store")."""
    return "postgresql" if database_url(environ) else "file"


class Store:
    """The PostgreSQL pool with its schema applied and its change listener running."""

    def __init__(self, url, pool_size=None):
        from webui.core.storage.pg import schema
        from webui.core.storage.pg.database import Database
        from webui.core.storage.pg.notify import ChangeListener

        self.db = Database(url, **({"max_size": pool_size} if pool_size else {}))
        try:
            schema.apply(self.db)
        except BaseException:
            self.db.close()
            raise
        self.listener = ChangeListener(url)
        self.db.on_fault = self.listener.suspect
        self.listener.wait_live(3.0)

    def document(self, name, serialize=None):
        """A PgDocument on this database (config or auth)."""
        from webui.core.storage.pg.documents import PgDocument

        return PgDocument(self.db, name, self.listener, **({"serialize": serialize} if serialize else {}))

    def close(self):
        self.listener.close()
        self.db.close()


def database(environ):
    """The process's Store for WEBUI_DATABASE_URL (opened on first use), or None in the embedded mode."""
    url = database_url(environ)
    if url is None:
        return None
    with _guard:
        if url not in _opened:
            _opened[url] = Store(url, Settings.from_env(environ).database_pool)
        return _opened[url]


def forget(url):
    """Close and drop the Store of `url` (tests that drop their database)."""
    with _guard:
        store = _opened.pop(url, None)
    if store is not None:
        store.close()


def config_store(config_dir, environ):
    """ConfigStore on config.json, or PgConfigStore that still writes config.json into the folder as the
    projection a desktop app reads."""
    store = database(environ)
    if store is None:
        from webui.core.storage.store import ConfigStore

        return ConfigStore(config_dir)
    from webui.core.storage.pg.documents import PgConfigStore

    return PgConfigStore(store.document("config"), projection_dir=config_dir)


def auth_document(environ):
    """The login document on PostgreSQL, or None (webui-auth.json in the config folder)."""
    store = database(environ)
    return store.document("auth", serialize=lambda data: json.dumps(data).encode("utf-8")) if store else None


def health(environ):
    """{"store": kind, ...} and whether the store of record answers (for /healthz): the change listener's
    connection is checked every second, so this costs no query and never waits for a pooled connection."""
    if not database_url(environ):
        return {"store": "file"}, True
    from webui.errors import StoreUnavailable

    try:
        store = database(environ)
        reason = None if store.listener.live else "PostgreSQL does not answer"
    except StoreUnavailable as exc:  # not opened yet and the server is away
        reason = exc.details.get("reason") or "unreachable"
    return ({"store": "postgresql", "store_error": reason} if reason else {"store": "postgresql"}), reason is None
