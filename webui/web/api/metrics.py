"""GET /metrics: Prometheus' text format (an API token, Basic or a session; public with WEBUI_METRICS_PUBLIC=1)."""

from flask import Blueprint, Response

from webui.core.observe import metrics as _metrics  # noqa: F401  (the metrics exist before the first scrape)
from webui.core.observe.exposition import exposition
from webui.core.usage.ledger import month_start
from webui.core.usage.metering import budget_of
from webui.offload import off_loop
from webui.web.common import services, usage

bp = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the text format every Prometheus reads


def budgeted_profiles():
    """[(profile_id, monthly budget)] of the profiles that have one."""
    settings, _ = services().config.settings()
    return [(p["id"], budget_of(p)) for p in settings.get("llm_profiles") or []
            if isinstance(p, dict) and p.get("id") and budget_of(p) is not None]


def budgets(ledger, budgeted):
    """[(profile_id, budget, spent this month)], spend summed from the shared ledger (every worker's rows)."""
    if not budgeted:
        return []
    month = ledger.summary("profile", month_start(ledger.clock()))["rows"]
    spent = {row["key"]: row["cost_usd"] or 0.0 for row in month}
    return [(pid, budget, spent.get(pid, 0.0)) for pid, budget in budgeted]


@bp.get("/metrics")
def scrape():
    """Every worker's metrics in Prometheus' text format (files and the ledger read off the event loop)."""
    ledger, budgeted = usage(), budgeted_profiles()
    body = off_loop(lambda: exposition(budgets(ledger, budgeted)))
    return Response(body, headers={"Content-Type": CONTENT_TYPE})
