"""Issue 23 over real HTTP: /metrics protection and values, X-Request-Id end to end, the provider health panel."""

import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from tests.app_fixtures import BASIC, http_session, make_app
from webui.core.access.auth import AuthStore
from webui.core.storage.paths import USAGE_DB

from .chat_helpers import KEY_A, chat, game, new_session  # noqa: F401 (fixture)


def sample(text, name, **labels):
    """The value of one sample in Prometheus text (0.0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        metric, _, rest = series.partition("{")
        got = ",".join(sorted(p for p in rest.rstrip("}").split(",") if p)) if rest else ""
        if metric == name and got == want:
            return float(value)
    return 0.0


# ---- the endpoint's protection ----------------------------------------------------------------------------

def test_metrics_needs_a_token_and_answers_401_not_a_redirect(live):
    anonymous = http_session(live.url)
    r = anonymous.get(f"{live.url}/metrics", allow_redirects=False)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = anonymous.get(f"{live.url}/metrics", headers={"Accept": "text/html"}, allow_redirects=False)
    assert r.status_code == 401  # a browser-like Accept gets no login redirect either
    assert anonymous.get(f"{live.url}/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    _, token = AuthStore(str(live.app.extensions["triplo"].config_dir)).create_token("prometheus")
    r = anonymous.get(f"{live.url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE webui_gateway_requests_total counter" in r.text
    assert "webui_streams_in_flight" in r.text and "webui_ledger_queue_depth" in r.text


@pytest.mark.parametrize("app", [{"WEBUI_METRICS_PUBLIC": "1"}], indirect=True)
def test_metrics_public_with_the_variable(live):
    r = http_session(live.url).get(f"{live.url}/metrics")
    assert r.status_code == 200 and "# TYPE webui_gateway_requests_total counter" in r.text
    assert http_session(live.url).get(f"{live.url}/api/status").status_code == 401  # only /metrics opened


# ---- metric values after known calls (one process; several workers: tests/system/test_metrics_workers.py) ---

def test_metric_values_after_known_calls(game):
    scrape = lambda: game.http.get(f"{game.base}/metrics").text  # noqa: E731
    before = scrape()
    sid = new_session(game)
    costs = []
    for _ in range(3):
        r = chat(game, sid, "gm", "Hello")  # alpha: OpenAI, usage 11 + 7 tokens
        assert r.status_code == 200
        costs.append(r.json()["metadata"]["cost_usd"])
    assert costs[0] > 0
    game.fakes.a.fail(400, times=1)
    assert chat(game, sid, "gm", "Hello").status_code == 400
    after = scrape()

    def delta(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    ok = dict(face="chat", profile="alpha", provider="open_ai")
    assert delta("webui_gateway_requests_total", outcome="ok", **ok) == 3
    assert delta("webui_gateway_requests_total", outcome="error", **ok) == 1
    assert delta("webui_tokens_total", profile="alpha", type="input") == 33
    assert delta("webui_tokens_total", profile="alpha", type="output") == 21
    assert delta("webui_cost_usd_total", profile="alpha") == pytest.approx(sum(costs))
    # the fake answers at once: every attempt is inside the 10 s bucket, and counted in _count
    assert delta("webui_upstream_latency_seconds_bucket", profile="alpha", provider="open_ai", le="10.0") == 4
    assert delta("webui_upstream_latency_seconds_count", profile="alpha", provider="open_ai") == 4


# ---- request ids --------------------------------------------------------------------------------------------

def test_request_id_end_to_end(game):
    sid = new_session(game)
    rid = "trace-me-0001"
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "Hi"},
                       headers={"X-Request-Id": rid})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == rid
    assert r.json()["metadata"]["request_id"] == rid  # message metadata, as answered
    history = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()
    assert [m["metadata"].get("request_id") for m in history["messages"] if m.get("is_ai")] == [rid]  # as stored
    assert game.fakes.a.last("chat").headers["x-request-id"] == rid  # the provider got it
    game.app.extensions["triplo"].usage.flush()
    with sqlite3.connect(game.config_dir / USAGE_DB) as db:
        assert db.execute("SELECT request_id FROM usage ORDER BY id DESC LIMIT 1").fetchone()[0] == rid
    # the OpenAI face too, and a new id when none (or an unusable one) is sent
    for sent in (None, "bad id with spaces", "x" * 200):
        r = game.http.post(f"{game.base}/v1/chat/completions", headers={"X-Request-Id": sent} if sent else {},
                           json={"model": "alpha", "messages": [{"role": "user", "content": "Hi"}]})
        assert r.status_code == 200
        made = r.headers["X-Request-Id"]
        assert made != sent and re.fullmatch(r"[0-9a-f]{32}", made)
        assert game.fakes.a.last("chat").headers["x-request-id"] == made
    # errors carry it too
    r = game.http.get(f"{game.base}/api/v1/sessions/nope", headers={"X-Request-Id": "err-1"})
    assert r.status_code == 404 and r.headers["X-Request-Id"] == "err-1"


def test_request_id_not_sent_where_the_provider_takes_none(game):
    sid = new_session(game)
    assert chat(game, sid, "bard", "Hi").status_code == 200  # gamma: Anthropic
    assert "x-request-id" not in game.fakes.c.last().headers


# ---- the provider health panel ---------------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def test_health_panel_figures_from_known_ledger_rows(config_dir):
    app = make_app(config_dir)
    client = app.test_client()
    headers = BASIC
    r = client.post("/api/llm/profiles?restart=false", headers=headers, json={
        "id": "fast", "name": "Fast One", "provider": "custom", "model": "m", "base_url": "http://127.0.0.1:9/v1"})
    assert r.status_code == 201, r.get_data(as_text=True)
    ledger = app.extensions["triplo"].usage
    clock = {"now": NOW - timedelta(hours=1)}
    ledger.clock = lambda: clock["now"]
    rows = [("fast", "ok", ms) for ms in range(100, 1100, 100)]  # 10 answers: 100 .. 1000 ms
    rows += [("fast", "error", 50), ("fast", "error", 60)]  # 2 provider errors
    rows += [("fast", "error", 70, "client_closed")]  # the caller left: not the provider's error
    rows += [("slow", "ok", 4000), ("slow", "fallback", 6000)]
    for profile, outcome, ms, *code in rows:
        ledger.record({"api": "v1", "profile_id": profile, "provider": "custom", "latency_ms": ms,
                       "outcome": outcome, "error": (code or ["upstream_error"])[0] if outcome == "error" else None})
    clock["now"] = NOW - timedelta(hours=30)  # outside the 24 hours
    ledger.record({"api": "v1", "profile_id": "fast", "provider": "custom", "latency_ms": 99999, "outcome": "error",
                   "error": "upstream_error"})
    ledger.flush()
    clock["now"] = NOW
    page = client.get("/usage", headers=headers).get_data(as_text=True)
    fast = re.search(r'data-health="fast".*?</li>', page, re.S).group(0)
    assert "Fast One" in fast
    assert re.search(r"data-requests>12<", fast) and re.search(r"data-error-rate>16.7%<", fast)
    assert re.search(r"data-p50>500 ms<", fast) and re.search(r"data-p95>1.0 s<", fast)
    slow = re.search(r'data-health="slow".*?</li>', page, re.S).group(0)
    assert "data-requests>2<" in slow and "data-error-rate>0.0%<" in slow
    assert "data-p50>4.0 s<" in slow and "data-p95>6.0 s<" in slow
    assert page.index('data-health="fast"') < page.index('data-health="slow"')  # busiest first
    assert "<script" not in fast  # drawn server-side: an inline SVG, no JS
