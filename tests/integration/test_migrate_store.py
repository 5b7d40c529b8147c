"""`python -m webui migrate-store`: an embedded folder into PostgreSQL, all or nothing, never twice; and the
versioned schema refusing a newer database."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_fixtures import BASIC, make_app
from webui.core.storage import backend

ROOT = Path(__file__).resolve().parents[2]
PROFILE = {"id": "p1", "name": "One", "provider": "openai", "model": "gpt-4o", "api_key": "sk-proj-migrate-0000aa11"}


def _migrate(folder, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIPLO_", "WEBUI_"))}
    env["TRIPLO_CONFIG_DIR"] = str(folder)
    return subprocess.run([sys.executable, "-m", "webui", "migrate-store", url], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def embedded(config_dir):
    """A config folder used in the embedded mode: a profile, a session with two turns, two usage rows, a token."""
    app = make_app(config_dir)
    client = app.test_client()
    assert client.post("/api/llm/profiles?restart=false", json=PROFILE, headers=BASIC).status_code == 201
    svc = app.extensions["triplo"]
    sid = svc.sessions.create_session("Road")["session_id"]
    svc.sessions.add_messages(sid, [(None, "hi", False, None), ("gm", "hello", True, {"k": 1})])
    svc.sessions.save_response("resp_migrated", {"id": "resp_migrated", "status": "completed"},
                               [{"role": "user", "content": "hi"}])
    for cost in (0.5, 0.25):
        svc.usage.record({"api": "v1", "profile_id": "p1", "cost_usd": cost, "outcome": "ok"})
    svc.usage.flush()
    _record, token = svc.auth.create_token("ci")
    revision = client.get("/api/config", headers=BASIC).get_json()["revision"]
    svc.sessions.close()
    return config_dir, sid, token, revision


def test_round_trip_then_refused_the_second_time(embedded, fresh_pg_url, tmp_path):
    folder, sid, token, revision = embedded
    done = _migrate(folder, fresh_pg_url)
    assert done.returncode == 0, done.stderr
    assert "1 config, 1 login, 1 sessions, 2 messages, 0 character_overrides, 1 responses, 2 usage" in done.stdout
    assert "sk-proj" not in done.stdout + done.stderr

    other = tmp_path / "instance"
    other.mkdir()
    key = (folder / "webui.key").read_text().strip()
    app = make_app(other, WEBUI_DATABASE_URL=fresh_pg_url, WEBUI_SECRET_KEY=key)
    client = app.test_client()
    config = client.get("/api/config", headers=BASIC).get_json()
    assert config["revision"] == revision  # the same document, the same If-Match value
    assert [p["id"] for p in config["settings"]["llm_profiles"]] == ["p1"]
    got = client.get(f"/api/v1/sessions/{sid}", headers=BASIC).get_json()
    assert [m["content"] for m in got["messages"]] == ["hi", "hello"]
    assert client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    stored = client.get("/v1/responses/resp_migrated", headers=BASIC)  # the Responses face's store came too
    assert stored.status_code == 200 and stored.get_json()["status"] == "completed"
    usage = client.get("/api/usage?group_by=profile", headers=BASIC).get_json()
    assert usage["rows"][0]["requests"] == 2 and usage["rows"][0]["cost_usd"] == 0.75

    again = _migrate(folder, fresh_pg_url)
    assert again.returncode == 1 and "nothing was copied" in again.stderr
    usage = client.get("/api/usage?group_by=profile", headers=BASIC).get_json()
    assert usage["rows"][0]["requests"] == 2  # never a duplicate


def test_a_refused_row_copies_nothing(embedded, fresh_pg_url):
    folder, _sid, _token, _revision = embedded
    conn = sqlite3.connect(folder / "sessions.db")
    conn.execute("INSERT INTO messages (id, session_id, position, alt_index, is_current, is_ai, content, created_at) "
                 "VALUES ('orphan', 'no-such-session', 0, 0, 1, 0, 'x', '2026-01-01')")  # foreign keys off here
    conn.commit()
    conn.close()
    done = _migrate(folder, fresh_pg_url)
    assert done.returncode == 1 and "nothing was copied" in done.stderr
    import psycopg

    with psycopg.connect(fresh_pg_url) as conn:
        counts = conn.execute("SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM sessions), "
                              "(SELECT COUNT(*) FROM usage)").fetchone()
    assert counts == (0, 0, 0)


def test_an_instance_refuses_a_newer_schema(fresh_pg_url, config_dir):
    from webui.core.storage.pg import schema
    from webui.core.storage.pg.database import Database
    from webui.errors import StoreSchemaTooNew

    db = Database(fresh_pg_url)
    schema.apply(db)
    with db.connection() as conn:
        conn.execute(f"INSERT INTO {schema.VERSIONS_TABLE} (version) VALUES (%s)", (schema.LATEST + 1,))
    db.close()
    backend.forget(fresh_pg_url)
    with pytest.raises(StoreSchemaTooNew) as refused:
        make_app(config_dir, WEBUI_DATABASE_URL=fresh_pg_url)
    assert f"schema version {schema.LATEST + 1}" in refused.value.message and "newer" in refused.value.message
