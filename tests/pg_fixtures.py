"""PostgreSQL for the tests: the real server on 127.0.0.1:5432 (scripts/test.sh starts it), one fresh database per
test session (random name, dropped after), emptied between the tests that use it."""

import getpass
import os
import secrets

import pytest

# scripts/start-postgres.sh makes a superuser named after the user running the tests, trusted on loopback.
ADMIN_URL = os.environ.get("WEBUI_TEST_PG_ADMIN_URL", f"postgresql://{getpass.getuser()}@127.0.0.1:5432/postgres")
TABLES = ("documents", "character_overrides", "messages", "sessions", "usage")


def admin(sql, *args):
    """Run one statement as the server's superuser, outside any transaction (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        return conn.execute(sql, args).fetchall() if sql.lstrip().upper().startswith("SELECT") else \
            conn.execute(sql, args)


def database_url(name):
    """The URL of database `name` on the test server."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def create_database(prefix="webui_test"):
    """A new empty database; its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - say what to do instead of a bare connection error
        pytest.fail(f"PostgreSQL is not answering at {ADMIN_URL} ({exc}); run the tests through scripts/test.sh, "
                    "which starts it", pytrace=False)
    return database_url(name)


def drop_database(url):
    """Drop a test database (ending its sessions first) and forget this process's pool on it."""
    from webui.core.storage import backend

    backend.forget(url)
    name = url.rsplit("/", 1)[1]
    admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
          name)
    admin(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def pg_session_url():
    """One database for the whole test session (dropped at its end)."""
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def pg_url(pg_session_url):
    """WEBUI_DATABASE_URL of an empty, migrated database for one test."""
    import psycopg

    from webui.core.storage import backend

    backend.database({"WEBUI_DATABASE_URL": pg_session_url})  # applies the schema once
    with psycopg.connect(pg_session_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        conn.execute("SELECT pg_notify('webui_documents', name || ' gone') FROM (VALUES ('config'), ('auth')) t(name)")
    return pg_session_url


@pytest.fixture
def fresh_pg_url():
    """A database of its own for one test (schema not applied), dropped after: for tests that cut or migrate it."""
    url = create_database("webui_test_own")
    yield url
    drop_database(url)
