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


def budgets():
    """[(profile_id, budget, spent this month)] of the budgeted profiles, spend summed from the shared ledger."""
    settings, _ = services().config.settings()
    budgeted = [(p["id"], budget_of(p)) for p in settings.get("llm_profiles") or []
                if isinstance(p, dict) and p.get("id") and budget_of(p) is not None]
    if not budgeted:
        return []
    ledger = usage()
    spent = {row["key"]: row["cost_usd"] or 0.0 for row in ledger.summary("profile", month_start(ledger.clock()))["rows"]}
    return [(pid, budget, spent.get(pid, 0.0)) for pid, budget in budgeted]


@bp.get("/metrics")
def scrape():
    """Every worker's metrics in Prometheus' text format."""
    found = budgets()
    return Response(off_loop(exposition, found), headers={"Content-Type": CONTENT_TYPE})
