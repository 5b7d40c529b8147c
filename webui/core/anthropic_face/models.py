"""GET /v1/models in Anthropic's list shape (asked for with an anthropic-version header), cursor-paged."""

from webui.errors import ValidationFailed

EPOCH = "1970-01-01T00:00:00Z"  # profiles have no release date; Anthropic's field is required
DEFAULT_LIMIT, MAX_LIMIT = 20, 1000


def entry(item):
    """One model object: a profile or a role: entry of core.chat.service.model_list."""
    return {"type": "model", "id": item["id"], "display_name": item.get("name") or item["id"], "created_at": EPOCH}


def page(items, args):
    """Anthropic's list page for `limit`, `after_id` or `before_id` (query arguments)."""
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise ValidationFailed({"limit": "must be an integer"}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed({"limit": f"must be between 1 and {MAX_LIMIT}"})
    ids = [item["id"] for item in items]
    after, before = args.get("after_id"), args.get("before_id")
    if before in ids and after not in ids:  # the page just before `before_id`
        end = ids.index(before)
        start = max(0, end - limit)
        chosen, more = items[start:end], start > 0
    else:
        start = ids.index(after) + 1 if after in ids else 0
        chosen, more = items[start:start + limit], start + limit < len(items)
    return {"data": [entry(i) for i in chosen], "has_more": more,
            "first_id": chosen[0]["id"] if chosen else None, "last_id": chosen[-1]["id"] if chosen else None}
