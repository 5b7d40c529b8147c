"""GET /api/usage: every provider call (game-master API and /v1 alike) totalled by profile, role, session, day
or API token."""

from flask import Blueprint, request

from webui.core.usage.ledger import parse_bound
from webui.web.common import answer, token_names, usage

bp = Blueprint("api_usage", __name__)


@bp.get("/api/usage")
def usage_summary():
    """{rows: [{key, requests, prompt_tokens, completion_tokens, cost_usd}], totals} over [since, until]."""
    args = request.args
    since = parse_bound(args.get("since"), "since")
    until = parse_bound(args.get("until"), "until", end=True)
    summary = usage().summary(args.get("group_by") or "day", since, until)
    if summary["group_by"] == "token":  # the token's name beside its id (None: revoked, or calls without a token)
        names = token_names()
        summary["rows"] = [dict(r, name=names.get(r["key"])) for r in summary["rows"]]
    return answer(summary)

