"""A session written out as JSON or Markdown: its messages and their metadata (profile, tokens, cost), never a key."""

import json
import re

from webui.core.chat.sessions_schema import now
from webui.core.usage.pricing import usd
from webui.errors import ValidationFailed

FORMATS = {"json": ("application/json", "json"), "markdown": ("text/markdown", "md"), "md": ("text/markdown", "md")}


def speakers(view):
    """{role id: name}; two roles of one name are told apart by their id ("Game Master (gm2)")."""
    names = view.role_names
    counts = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {rid: f"{name} ({rid})" if counts[name] > 1 else name for rid, name in names.items()}


def export(session, view, fmt):
    """(text, mimetype, file name) of the session in `fmt` ("json" or "markdown")."""
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise ValidationFailed({"format": "must be json or markdown"})
    mimetype, ext = FORMATS[fmt.lower()]
    names = speakers(view)
    profiles = {pid: p.get("name") or pid for pid, p in view.profiles_by_id.items()}
    document = dict(session, exported_at=now(),
                    messages=[dict(m, speaker=_speaker(m, names)) for m in session["messages"]])
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n" if ext == "json" else markdown(document, names, profiles)
    return text, mimetype, f"{file_stem(session)}.{ext}"


def file_stem(session):
    """session-<title as ASCII words>-<id prefix>: a file name no header or file system trips over."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", session.get("title") or "").strip("-").lower()[:40].strip("-")
    return "-".join(p for p in ("session", words, session["session_id"][:8]) if p)


def _speaker(message, names):
    if message["role_id"]:
        return names.get(message["role_id"], message["role_id"])
    return "You"


def markdown(document, names, profiles):
    """The conversation as Markdown: a heading per message, the reply's text as it is, who answered under it."""
    title = document.get("title") or f"Session {document['session_id'][:8]}"
    lines = [f"# {_plain(title)}", "",
             f"Session `{document['session_id']}` · started {document['created_at']} · "
             f"last active {document['updated_at']} · exported {document['exported_at']}", ""]
    for m in document["messages"]:
        meta = m.get("metadata") or {}
        to = meta.get("to_role_id")
        heading = _plain(m["speaker"]) + (f" → {_plain(names.get(to, to))}" if to and not m["is_ai"] else "")
        lines += [f"## {heading}", "", m["content"] if m["content"].strip() else "*(empty)*", ""]
        about = _about(m, meta, profiles)
        if about:
            lines += [f"*{about}*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _about(message, meta, profiles):
    """The reply's answered-by line: profile, model, tokens, cost; alternatives and edits noted."""
    parts = []
    if message["is_ai"]:
        used = meta.get("used_profile_id")
        who = " · ".join(str(v) for v in (profiles.get(used, used), meta.get("model")) if v)
        if who:
            parts.append(_plain(who))
        usage = meta.get("usage") or {}
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        parts.append(f"{prompt} + {completion} tokens" if prompt is not None and completion is not None
                     else "tokens unknown")
        if isinstance(meta.get("cost_usd"), (int, float)):
            parts.append(usd(meta["cost_usd"]))
        if meta.get("finish_reason") not in (None, "stop"):
            parts.append(f"finish: {_plain(str(meta['finish_reason']))}")
    alternatives = message.get("alternatives") or []
    if alternatives:
        number = next((i for i, a in enumerate(alternatives, 1) if a.get("is_current")), 1)
        parts.append(f"reply {number} of {len(alternatives)}")
    if meta.get("edited_at"):
        parts.append("edited")
    return " · ".join(parts)


def _plain(text):
    """Text for a Markdown heading or emphasis: one line, Markdown's special characters taken literally."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(str(text).split()))
