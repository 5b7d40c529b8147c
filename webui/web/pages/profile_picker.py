"""The Roles & Chat profile pickers: a plain select for a few profiles, and from PICKER_FROM on one shared
searchable list (<datalist>) that every picker's text input uses, so the page does not repeat every profile
per picker. A picker posts the text it shows (a profile's label); the routes turn it back into an id here."""

from webui.catalog import PROVIDERS
from webui.errors import ValidationFailed

PICKER_FROM = 10  # profiles; the API & Models list's filter box appears from the same count (_sidebar.html)


def choices(config_view):
    """[{id, name, model, provider (short label), label}] in the config's order; every label is unique."""
    items = [{"id": p["id"], "name": p.get("name") or p["id"], "model": p.get("model"),
              "provider": PROVIDERS.get(p.get("provider"), {}).get("short_label", p.get("provider"))}
             for p in config_view.profiles_by_id.values()]
    counts = {}
    for item in items:
        item["label"] = " · ".join(str(part) for part in (item["name"], item["provider"], item["model"]) if part)
        counts[item["label"]] = counts.get(item["label"], 0) + 1
    for item in items:  # two profiles alike in name, provider and model: the id tells them apart
        if counts[item["label"]] > 1:
            item["label"] += f" ({item['id']})"
    return items


def searchable(items):
    """Whether the pages show the shared searchable list instead of a select per picker."""
    return len(items) >= PICKER_FROM


def posted_id(items, text, field):
    """The profile id a picker posted: a label, an id, or a name (any case) that only one profile has; None when
    empty. Anything else is a ValidationFailed naming `field`."""
    text = (text or "").strip()
    if not text:
        return None
    for match in (lambda i: i["label"] == text, lambda i: i["id"] == text):
        hit = next((i for i in items if match(i)), None)
        if hit:
            return hit["id"]
    named = [i for i in items if i["name"].casefold() == text.casefold()]
    if len(named) == 1:
        return named[0]["id"]
    if named:
        raise ValidationFailed({field: f"{len(named)} profiles are called “{text}”: pick one from the list"})
    raise ValidationFailed({field: f"No profile is called “{text}”: pick one from the list"})
