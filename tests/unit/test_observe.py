"""Issue 23 units: request ids, bounded metric labels, the ledger's request_id migration, health percentiles,
log lines (JSON and text) with keys masked."""

import json
import logging
import sqlite3

import pytest

from webui.core.observe import context, logs, metrics
from webui.core.usage import health
from webui.core.usage.ledger import UsageLedger
from webui.settings import Settings

KEY = "sk-proj-plantedKEY0123456789abcdefXYZ"


@pytest.mark.parametrize("sent, kept", [("abc-123", True), ("a.b:c/d+e=f@g_h", True), ("x" * 128, True),
                                        ("x" * 129, False), ("has space", False), ('quo"te', False),
                                        ("new\nline", False), ("", False), (None, False), ("-leading", False)])
def test_request_id_taken_only_when_plain(sent, kept):
    got = context.request_id_from(sent)
    assert (got == sent) is kept
    if not kept:
        assert len(got) == 32 and int(got, 16) >= 0


def test_new_request_ids_are_unique():
    assert len({context.new_request_id() for _ in range(1000)}) == 1000


def test_profile_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(metrics, "_labels", {})
    monkeypatch.setattr(metrics, "MAX_PROFILES", 2)
    assert metrics.profile_label("a") == "a" and metrics.profile_label("b") == "b"
    assert metrics.profile_label("c") == metrics.OTHER and metrics.profile_label("a") == "a"
    assert metrics.profile_label(None) == metrics.OTHER and len(metrics._labels) == 2
    assert metrics.series("p-unknown-provider", "no-such-provider").provider == metrics.OTHER


OLD_SCHEMA = """CREATE TABLE usage (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, day TEXT NOT NULL, api TEXT NOT NULL,
    profile_id TEXT, role_id TEXT, session_id TEXT, provider TEXT, model TEXT, prompt_tokens INTEGER,
    completion_tokens INTEGER, cost_usd REAL, latency_ms INTEGER, outcome TEXT NOT NULL, error TEXT,
    fallback_from TEXT)"""


def test_an_older_usage_db_gains_the_request_id_column(tmp_path):
    path = tmp_path / "usage.db"
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        db.execute("INSERT INTO usage (ts, day, api, profile_id, outcome) VALUES "
                   "('2026-12-01T00:00:00.000Z', '2026-12-01', 'v1', 'old', 'ok')")
    ledger = UsageLedger(path)
    ledger.record({"api": "v1", "profile_id": "new", "outcome": "ok", "request_id": "rid-1"})
    ledger.flush()
    UsageLedger(path).close()  # a second open is a no-op
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT profile_id, request_id FROM usage ORDER BY id").fetchall()
    assert rows == [("old", None), ("new", "rid-1")]
    ledger.close()


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert health.percentile(values, 50) == 50 and health.percentile(values, 95) == 95
    assert health.percentile([7], 95) == 7 and health.percentile([], 50) is None
    assert health.percentile([1, 2], 50) == 1 and health.percentile([1, 2], 95) == 2


def _record(message, *args, exc=None):
    record = logging.LogRecord("webui.test", logging.WARNING, __file__, 1, message, args, exc)
    return record


def test_json_log_lines_parse_mask_keys_and_carry_the_request_id():
    scope = context.begin("log-rid-7")
    try:
        raise RuntimeError(f"upstream said: bad key {KEY}")
    except RuntimeError:
        import sys

        line = logs.JsonFormatter().format(_record("calling %s?key=%s with Bearer %s", "https://x/v1", KEY, KEY,
                                                   exc=sys.exc_info()))
    parsed = json.loads(line)
    assert "\n" not in line and parsed["request_id"] == scope.request_id == "log-rid-7"
    assert parsed["level"] == "WARNING" and parsed["logger"] == "webui.test" and "RuntimeError" in parsed["exception"]
    assert KEY not in line and "***" in parsed["message"]


def test_text_log_lines_mask_keys_too():
    line = logs.ScrubbingFormatter(logs.TEXT_FORMAT).format(_record("key %s at http://u:p@host/", KEY))
    assert KEY not in line and "u:p@" not in line


def test_settings_read_the_new_variables():
    s = Settings.from_env({"WEBUI_LOG_FORMAT": "json", "WEBUI_METRICS_PUBLIC": "1", "WEBUI_TRACE_CONTENT": "1",
                           "WEBUI_METRICS": "0"})
    assert (s.log_format, s.metrics_public, s.trace_content, s.metrics) == ("json", True, True, False)
    d = Settings.from_env({})
    assert (d.log_format, d.metrics_public, d.trace_content, d.metrics) == ("text", False, False, True)
    assert logs.json_format({"WEBUI_LOG_FORMAT": "JSON"}) and not logs.json_format({})
