"""The Usage tab: cost and tokens per day (server-drawn SVG), provider health (24 h), this month by profile,
role and API token, budgets, and the request log."""

from datetime import timedelta

from flask import Blueprint, request

from webui.core.usage import calls, pricing
from webui.core.usage.health import provider_health
from webui.core.usage.ledger import month_start, parse_bound, stamp
from webui.core.usage.metering import budget_of
from webui.errors import ValidationFailed
from webui.web.common import token_names, usage
from webui.web.pages import usage_chart
from webui.web.pages.layout import render_page, svc

bp = Blueprint("usage", __name__)


def _named(rows, names):
    """Rows with a display name (the id when the profile or role is gone; 'none' for calls without one)."""
    return [dict(r, name=names.get(r["key"]) or r["key"] or "(none)") for r in rows]


def budgets(ledger, profiles):
    """Each budgeted profile's spend this month against its budget."""
    out = []
    for p in profiles:
        budget = budget_of(p)
        if budget is None:
            continue
        spent = ledger.month_spend(p["id"])
        share = min(spent / budget, 1.0) if budget > 0 else 1.0
        out.append({"id": p["id"], "name": p.get("name") or p["id"], "budget": budget, "spent": spent,
                    "percent": round(share * 100, 1), "over": spent >= budget})
    return out


def request_log(ledger, names):
    """The Usage tab's request log: one page of calls over the form's date range (errors name the bad field)."""
    args, errors = request.args, {}
    form = {"since": args.get("since", "")[:40], "until": args.get("until", "")[:40]}
    bounds = {}
    for name, end in (("since", False), ("until", True)):
        try:
            bounds[name] = parse_bound(form[name], name, end=end)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            bounds[name] = None
    page = args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    found = calls.calls(ledger, bounds["since"], bounds["until"], calls.PAGE, (page - 1) * calls.PAGE, names)
    pages = max(1, -(-found["total"] // calls.PAGE))
    return {"rows": found["calls"], "total": found["total"], "page": page, "pages": pages, "form": form,
            "errors": errors, "query": {k: v for k, v in form.items() if v}}


@bp.get("/usage")
def index():
    """Usage: the last 30 days, this month by profile and role, budgets."""
    ledger = usage()
    view = svc().view()
    profiles = list(view.profiles_by_id.values())
    roles = [r for r in view.roles if r.get("id")]
    now = ledger.clock()
    daily = ledger.summary("day", stamp((now - timedelta(days=29)).replace(hour=0, minute=0, second=0,
                                                                            microsecond=0)))
    month = month_start(now)
    by_profile = ledger.summary("profile", month)
    by_role = ledger.summary("role", month)
    by_token = ledger.summary("token", month)
    names = token_names()
    return render_page(
        "usage.html", "usage", charts=usage_chart.charts(daily["rows"], now.date()), month=now.strftime("%B %Y"),
        month_totals=by_profile["totals"], last30=daily["totals"],
        by_profile=_named(by_profile["rows"], {p["id"]: p.get("name") for p in profiles}),
        by_role=_named(by_role["rows"], {r["id"]: r.get("name") for r in roles}),
        by_token=[dict(r, name=r["name"] if r["key"] else "(login, no token)")
                  for r in _named(by_token["rows"], names)],
        log=request_log(ledger, names),
        budgets=budgets(ledger, profiles), prices_taken=pricing.table().get("taken"),
        health=usage_chart.health_rows(provider_health(ledger, now), {p["id"]: p.get("name") for p in profiles}))
