"""PostgreSQL faults as the app reports them: a 503 in bounded time that never shows the URL's password."""

import time

import pytest

from tests.loopback import free_port
from webui.core.storage import backend
from webui.core.storage.pg.database import Database, redacted
from webui.errors import StoreUnavailable, ValidationFailed

PASSWORD = "Sup3rSecretDbPassw0rd"


def test_redacted_hides_the_password():
    assert redacted(f"postgresql://app:{PASSWORD}@db:5432/webui") == "postgresql://app:***@db:5432/webui"
    assert redacted("postgresql://app@db/webui") == "postgresql://app@db/webui"


def test_unreachable_server_is_a_503_within_3s_without_the_password():
    db = Database(f"postgresql://app:{PASSWORD}@127.0.0.1:{free_port()}/webui")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as failed:
            with db.connection() as conn:
                conn.execute("SELECT 1")
        assert time.monotonic() - started < 3.0
        assert failed.value.status == 503 and failed.value.code == "store_unavailable"
        assert PASSWORD not in str(failed.value.to_dict()) and "***" in failed.value.message
    finally:
        db.close()


@pytest.mark.parametrize("value", ["mysql://x", "sqlite:///tmp/x.db", "postgresql:/nohost"])
def test_a_database_url_that_is_not_postgresql_is_refused_by_name(value):
    with pytest.raises(ValidationFailed) as refused:
        backend.database_url({"WEBUI_DATABASE_URL": value})
    assert "WEBUI_DATABASE_URL" in refused.value.details["fields"]


def test_no_url_is_the_embedded_mode():
    assert backend.kind({}) == "file" and backend.database({}) is None
    assert backend.health({}) == ({"store": "file"}, True)
