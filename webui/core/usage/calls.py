"""The request log: one line per provider call (time, token, face, profile, model, tokens, cost, latency,
outcome), paged, and as CSV. Never any text of a conversation: the ledger holds none."""

import csv
import io

from webui.core.usage.ledger import _range
from webui.errors import ValidationFailed

FIELDS = ("ts", "token_id", "token", "api", "profile_id", "model", "prompt_tokens", "completion_tokens",
          "cost_usd", "latency_ms", "outcome", "error")
PAGE, MAX_PAGE, MAX_CSV = 50, 500, 100_000
_SELECT = ("ts, token_id, api, profile_id, model, prompt_tokens, completion_tokens, cost_usd, latency_ms, "
           "outcome, error")


def paging(limit, offset, default=PAGE, most=MAX_PAGE):
    """(limit, offset) from query values; ValidationFailed naming the bad one."""
    def number(value, name, fallback, low, high):
        if value in (None, ""):
            return fallback
        try:
            found = int(value)
        except (TypeError, ValueError):
            found = None
        if found is None or not low <= found <= high:
            raise ValidationFailed({name: f"must be a whole number from {low} to {high}"})
        return found
    return number(limit, "limit", default, 1, most), number(offset, "offset", 0, 0, 10**9)


def calls(ledger, since=None, until=None, limit=PAGE, offset=0, names=None):
    """{calls: [...newest first], total, limit, offset, since, until}; `names` maps token ids to names."""
    where, args = _range(since, until)
    total = ledger._read(f"SELECT COUNT(*) FROM usage{where}", args)[0][0]
    found = ledger._read(f"SELECT {_SELECT} FROM usage{where} ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?",
                         (*args, limit, offset))
    names = names or {}
    out = []
    for row in found:
        item = dict(zip([f for f in FIELDS if f != "token"], row))
        item["token"] = names.get(item["token_id"]) if item["token_id"] else None
        out.append({f: item[f] for f in FIELDS})
    return {"calls": out, "total": total, "limit": limit, "offset": offset, "since": since, "until": until}


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(rows):
    """The calls as CSV text (a header line, then one line per call)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([_cell(row[f]) for f in FIELDS])
    return out.getvalue()
