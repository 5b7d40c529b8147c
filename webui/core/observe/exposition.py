"""The /metrics text: every process's metrics (multiprocess mode under gunicorn), plus figures read at scrape time."""

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily


class BudgetCollector:
    """Budget, spend this month and what is left, per budgeted profile (read from the ledger at scrape time, so
    every worker answers the same)."""

    def __init__(self, budgets):
        self.budgets = budgets  # [(profile_id, budget_usd, spent_usd)]

    def collect(self):
        families = [GaugeMetricFamily(name, text, labels=["profile"]) for name, text in (
            ("webui_budget_usd", "Monthly budget of a budgeted profile, USD"),
            ("webui_budget_spent_usd", "Spent this calendar month (UTC) by a budgeted profile, USD"),
            ("webui_budget_remaining_usd", "Left of this month's budget (0 when reached), USD"))]
        for profile_id, budget, spent in self.budgets:
            for family, value in zip(families, (budget, spent, max(budget - spent, 0.0))):
                family.add_metric([profile_id], value)
        return families


def multiprocess_dir():
    """PROMETHEUS_MULTIPROC_DIR when set (gunicorn's config sets it), else None."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


def exposition(budgets=()):
    """The Prometheus text format (bytes) of every worker's metrics and the budgets."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    extra = CollectorRegistry()
    extra.register(BudgetCollector(list(budgets)))
    return generate_latest(registry) + generate_latest(extra)
