"""GET /api/usage: every provider call (game-master API and /v1 alike) totalled by profile, role, session, day
or API token; GET /api/usage/calls: the request log, paged, as JSON or CSV."""

from flask import Blueprint, Response, request

from webui.core.usage import calls
from webui.core.usage.ledger import parse_bound
from webui.errors import ValidationFailed
from webui.web.common import answer, token_names, usage

bp = Blueprint("api_usage", __name__)


def _bounds(args):
    return parse_bound(args.get("since"), "since"), parse_bound(args.get("until"), "until", end=True)


@bp.get("/api/usage")
def usage_summary():
    """{rows: [{key, requests, prompt_tokens, completion_tokens, cost_usd}], totals} over [since, until]."""
    args = request.args
    since, until = _bounds(args)
    summary = usage().summary(args.get("group_by") or "day", since, until)
    if summary["group_by"] == "token":  # the token's name beside its id (None: revoked, or calls without a token)
        names = token_names()
        summary["rows"] = [dict(r, name=names.get(r["key"])) for r in summary["rows"]]
    return answer(summary)


@bp.get("/api/usage/calls")
def usage_calls():
    """The request log over [since, until], newest first: JSON {calls, total, limit, offset} or CSV."""
    args = request.args
    kind = args.get("format") or "json"
    if kind not in ("json", "csv"):
        raise ValidationFailed({"format": "must be json or csv"})
    since, until = _bounds(args)
    most = calls.MAX_CSV if kind == "csv" else calls.MAX_PAGE
    limit, offset = calls.paging(args.get("limit"), args.get("offset"), most if kind == "csv" else calls.PAGE, most)
    page = calls.calls(usage(), since, until, limit, offset, token_names())
    if kind == "json":
        return answer(page)
    return Response(calls.to_csv(page["calls"]), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="usage-calls.csv"',
                             "X-Total-Count": str(page["total"])})
