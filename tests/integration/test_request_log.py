"""The request log: GET /api/usage/calls as JSON and CSV (known rows, paging, date range, bad input) and the
Usage tab's paged list; no token secret and no conversation text in either."""

import csv
import io

import pytest

from tests.app_fixtures import BASIC


def _seed(app, clock_days):
    """Known ledger rows, one per (day, token id, cost, outcome)."""
    services = app.extensions["triplo"]
    record, plaintext = services.auth.create_token("=cmd|client", scope="chat")
    ledger = services.usage
    from datetime import datetime, timezone

    for day, token, cost, outcome in clock_days:
        ledger.clock = lambda d=day: datetime.fromisoformat(d + "T12:00:00").replace(tzinfo=timezone.utc)
        ledger.record({"api": "v1" if token else "chat", "profile_id": "alpha", "provider": "open_ai",
                       "model": "gpt-4o", "prompt_tokens": 11, "completion_tokens": 7, "cost_usd": cost,
                       "latency_ms": 42, "outcome": outcome, "error": "upstream_error" if outcome == "error" else None,
                       "token_id": record["id"] if token else None})
    ledger.flush()
    return record, plaintext


ROWS = [("2026-11-01", True, 0.5, "ok"), ("2026-11-02", False, None, "error"), ("2026-11-03", True, 0.25, "ok")]


def test_csv_export_with_known_rows(app):
    record, plaintext = _seed(app, ROWS)
    client = app.test_client()
    r = client.get("/api/usage/calls?format=csv&since=2026-11-01&until=2026-11-03", headers=BASIC)
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.headers["X-Total-Count"] == "3"
    text = r.get_data(as_text=True)
    assert plaintext not in text and plaintext[-12:] not in text
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [(row["ts"][:10], row["token"], row["cost_usd"], row["outcome"]) for row in lines] == [
        ("2026-11-03", "'=cmd|client", "0.25", "ok"),  # a name a spreadsheet would run is quoted
        ("2026-11-02", "", "", "error"),
        ("2026-11-01", "'=cmd|client", "0.5", "ok")]
    assert lines[0]["token_id"] == record["id"] and lines[0]["api"] == "v1" and lines[0]["latency_ms"] == "42"
    assert lines[1]["error"] == "upstream_error" and lines[1]["prompt_tokens"] == "11"
    one_day = client.get("/api/usage/calls?format=csv&since=2026-11-02&until=2026-11-02", headers=BASIC)
    assert len(list(csv.DictReader(io.StringIO(one_day.get_data(as_text=True))))) == 1


def test_json_is_paged(app):
    _seed(app, ROWS)
    client = app.test_client()
    page = client.get("/api/usage/calls?limit=2", headers=BASIC).get_json()
    assert page["total"] == 3 and len(page["calls"]) == 2 and page["calls"][0]["ts"].startswith("2026-11-03")
    rest = client.get("/api/usage/calls?limit=2&offset=2", headers=BASIC).get_json()
    assert [c["ts"][:10] for c in rest["calls"]] == ["2026-11-01"]
    assert rest["calls"][0]["token"] == "=cmd|client"  # JSON keeps the name as it is


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"),
                                          ("format=xml", "format"), ("since=yesterday", "since")])
def test_bad_query_names_the_field(app, query, field):
    r = app.test_client().get(f"/api/usage/calls?{query}", headers=BASIC)
    assert r.status_code == 400 and field in r.get_json()["fields"]


def test_usage_tab_lists_calls_without_js(app):
    _, plaintext = _seed(app, ROWS)
    client = app.test_client()
    page = client.get("/usage?since=2026-11-02&until=2026-11-03", headers=BASIC).get_data(as_text=True)
    assert 'id="usage-calls"' in page and "2 calls · page 1 of 1" in page
    assert "2026-11-03 12:00:00" in page and "2026-11-01 12:00" not in page
    assert "format=csv" in page and "since=2026-11-02" in page and plaintext not in page
    bad = client.get("/usage?since=nope", headers=BASIC)
    assert bad.status_code == 200 and "must be a date" in bad.get_data(as_text=True)


def test_a_read_token_gets_the_log_a_chat_token_does_not(app):
    _seed(app, ROWS)
    services = app.extensions["triplo"]
    _, read = services.auth.create_token("reader", scope="read")
    _, chat = services.auth.create_token("chatter", scope="chat")
    client = app.test_client()
    assert client.get("/api/usage/calls", headers={"Authorization": f"Bearer {read}"}).status_code == 200
    assert client.get("/api/usage/calls", headers={"Authorization": f"Bearer {chat}"}).status_code == 403
