"""The Roles & Chat tab: roles table, sessions and chat pane, and their form routes (the no-JS path, PRG)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from webui.core.chat import compare as comparing
from webui.core.chat import speak_as as speaking
from webui.core.roles import import_preview, role_ops
from webui.errors import NotFound, WebUIError
from webui.web.common import ECHOED_ID_RE, chat, services, usage
from webui.web.pages import fallback_words, forms, profile_picker
from webui.web.pages.layout import render_page
from webui.web.pages.role_editor import CONTROLS, ROLE_TYPES, editor_context
from webui.web.pages.session_view import add_message_tools, sessions_context

bp = Blueprint("roles", __name__)
SESSIONS_SHOWN = 30
PREVIEW_TTL = 3600  # seconds an import preview can be confirmed


@bp.get("/roles")
def index():
    """Roles & Chat: the roles with their profiles, the sessions, and the chat of the chosen one."""
    context = roles_page_context(services().config, services().sessions, request.args)
    sid = context["chat"]["session_id"] if context["chat"]["session"] else None
    context["chat"]["session_cost"] = usage().session_cost(sid) if sid else None
    return render_page("roles.html", "roles", **context)


def roles_page_context(svc, sessions, request_args):
    """Everything roles.html shows, under one key: {"chat": {...}}."""
    config_view = svc.view()
    by_id = _profile_labels(config_view)
    profiles = list(by_id.values())
    listing = sessions.list_sessions(SESSIONS_SHOWN)
    sid = request_args.get("session") or (listing[0]["session_id"] if listing else None)
    session, missing, overrides = None, None, {}
    if sid:
        try:
            session, overrides = sessions.get_session(sid), sessions.get_overrides(sid)
        except NotFound:
            missing = sid
    role_rows = []
    table = config_view.effective_profiles(overrides)
    for role in config_view.roles:
        effective, rule = table[role.get("id")]
        own = (role.get("ai_config") or {}).get("profile_id") if isinstance(role.get("ai_config"), dict) else None
        role_rows.append({"id": role["id"], "name": role.get("name") or role["id"], "type": role.get("type"),
                          "control": role.get("control"),
                          "profile_id": own, "override": overrides.get(role["id"]), "effective": effective,
                          "rule": rule})
    counts = {}
    for row in role_rows:
        counts[row["name"]] = counts.get(row["name"], 0) + 1
    for row in role_rows:  # two roles of one name (an import adds a second "Game Master"): the id tells them apart
        row["label"] = f"{row['name']} ({row['id']})" if counts[row["name"]] > 1 else row["name"]
    names = {r["id"]: r["label"] for r in role_rows}
    for row in role_rows:
        row["answer_line"] = answer_line(row, by_id)
    wanted = request_args.get("role")
    selected = wanted if wanted in names else (role_rows[0]["id"] if role_rows else None)
    messages = [_message_view(m, by_id, names) for m in (session or {}).get("messages", [])]
    add_message_tools(messages, role_rows, selected)  # edit, delete, regenerate from here
    seen = set()
    for view in reversed(messages):  # a redraw regenerates the latest reply of each character only
        view["can_redraw"] = view["is_ai"] and view["role_id"] not in seen
        if view["is_ai"]:
            seen.add(view["role_id"])
    comparison = _comparison(messages, request_args.get("compare"), by_id) if request_args.get("compare") else None
    return {"chat": {"profiles": profiles, "profile_names": {p["id"]: p["name"] for p in profiles},
                     "picker": profile_picker.searchable(profiles), "profile_labels": {p["id"]: p["label"] for p in profiles},
                     "active": config_view.settings.get("active_llm_profile"), "roles": role_rows, "sessions": listing,
                     "session": session, "session_id": session["session_id"] if session else None,
                     "missing_session": missing, "selected_role": selected, "messages": messages,
                     "comparison": comparison, "compare_slots": range(comparing.MAX_PROFILES),
                     "role_editor": editor_context(request_args), "role_types": ROLE_TYPES, "controls": CONTROLS,
                     **sessions_context(sessions, request_args, session["session_id"] if session else None, listing)}}


# Why a profile answers a role, in the order the rules apply (static/js/answer-line.js says the same).
WHY = {"request": "the profile picked for this message", "session_override": "this session's profile for {role}",
       "role": "{role}'s own profile", "active": "the active profile ({role} names no profile of its own)"}


def answer_line(row, by_id):
    """One line under the chat's profile choices: who will answer the role, and which choice decided it."""
    if row["control"] == "human":
        return f"You speak as {row['label']}: no model answers."
    if not row["effective"]:
        return "No profile can answer: make a profile active under API & Models."
    name = (by_id.get(row["effective"]) or {}).get("name", row["effective"])
    return f"{name} will answer: {WHY[row['rule']].format(role=row['label'])}."


@bp.get("/roles/answered")
def answered():
    """The answered-by line of one stored reply and the reply rendered (Markdown), by the page's own macros (the
    chat script asks for them after a streamed reply, so both are written in one place)."""
    sid, message_id = request.args.get("session", ""), request.args.get("message", "")
    session = services().sessions.get_session(sid)  # NotFound names the session
    message = next((m for m in session.get("messages", []) if m.get("id") == message_id and m.get("is_ai")), None)
    if message is None:
        raise NotFound("No such reply in this session.", id=message_id)
    return render_template("_answered_fragment.html", a=_answered(message, _profile_labels(services().config.view())),
                           content=message.get("content") or "")


def _profile_labels(config_view):
    """{profile id: {id, name, model, provider (short label), label}}: what the chat pane prints of a profile."""
    return {p["id"]: p for p in profile_picker.choices(config_view)}


def _posted(text, field):
    """The profile id a picker posted (its label, or an id); None when empty."""
    return profile_picker.posted_id(profile_picker.choices(services().config.view()), text, field)


def _message_view(message, by_id, names):
    """A stored message plus what the page prints: speaker, answered-by line, alternative navigation."""
    speaker = names.get(message["role_id"], message["role_id"]) if message["role_id"] else "You"
    view = dict(message, speaker=speaker, spoken=not message["is_ai"] and bool(message["role_id"]))
    if message["is_ai"]:
        view["answered_by"] = _answered(message, by_id)
    alts = message.get("alternatives") or []
    if alts:
        index = next(i for i, a in enumerate(alts) if a["is_current"])
        view["alt"] = {"number": index + 1, "count": len(alts),
                       "prev": alts[index - 1]["alt_index"] if index > 0 else None,
                       "next": alts[index + 1]["alt_index"] if index + 1 < len(alts) else None}
    return view


def _answered(message, by_id):
    """Who answered a reply (or an alternative) and how: profile, model, latency, tokens, cost, flags."""
    meta = message.get("metadata") or {}
    used = by_id.get(meta.get("used_profile_id")) or {}
    usage = meta.get("usage") or {}
    return {"profile": used.get("name") or meta.get("used_profile_id"),
            "provider": used.get("provider") or meta.get("provider_type"),
            "model": meta.get("model"), "latency_ms": meta.get("latency_ms"),
            "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
            "cost_usd": meta.get("cost_usd"), "finish_reason": meta.get("finish_reason"),
            "empty": not (message.get("content") or "").strip(),
            "fallback_from": (by_id.get(meta.get("fallback_from")) or {}).get("name") or meta.get("fallback_from"),
            "fallback_reasons": fallback_words.reasons(meta, by_id)}


def _comparison(messages, wanted, by_id):
    """The replies of one turn side by side (?compare=<position>): [{alt_index, content, is_current, answered_by}]."""
    turn = next((m for m in messages if str(m["position"]) == wanted and m["is_ai"]), None)
    if turn is None:
        return None
    alternatives = turn.get("alternatives") or [dict(turn, is_current=True)]  # one profile answered: one card
    return {"position": turn["position"], "role_id": turn["role_id"], "speaker": turn["speaker"],
            "replies": [dict(a, answered_by=_answered(a, by_id)) for a in alternatives]}


# ---- form routes: post, then redirect back to the tab -------------------------------------------------

def _back(session_id=None, role_id=None, failed=False, compare=None):
    """Back to the tab, on the session and role the form was about, landing on the newest message or the error.

    The ids are checked before they reach the Location header.
    """
    args = {k: v for k, v in (("session", session_id), ("role", role_id)) if v}
    if not all(isinstance(v, str) and ECHOED_ID_RE.match(v) for v in args.values()):
        raise NotFound("No such session or role.")
    anchor = ("#chat-error" if failed else "#newest") if session_id else ""
    if compare is not None:  # an int position: safe in a URL
        args["compare"], anchor = int(compare), "#comparison"
    return redirect(url_for(".index", **args) + anchor)


def _attempt(action, success=None, where="error"):
    """Run a core call; a failure becomes a flash message (the page shows it after the redirect).

    where="chat-error" puts the message next to the chat instead of at the top of the page."""
    try:
        result = action()
    except WebUIError as exc:
        flash(forms.failure_text(exc), where)
        return FAILED
    if success:
        flash(success, "success" if where == "error" else "chat-success")
    return result


FAILED = object()  # what _attempt returns when the call failed


@bp.post("/roles/profiles")
def save_roles():
    """The roles table: one profile dropdown per role (empty: the active profile)."""
    def save():
        mapping = {k[len("profile-"):]: _posted(v, "profile_id") for k, v in request.form.items()
                   if k.startswith("profile-")}
        return role_ops.set_role_profiles(services().config, mapping)

    _attempt(save, "Role profiles saved.")
    return _back(request.form.get("session_id"))


@bp.post("/roles/import")
def import_roles():
    """Import a game config file (YAML or JSON): a preview of what changes first, then the import itself."""
    if "sealed" in request.form:  # the preview's "Import": the document it showed, sealed (it may hold keys)
        text = _attempt(lambda: services().config.vault.unseal(request.form["sealed"], PREVIEW_TTL))
        return _back() if text is FAILED else _apply_import(text, request.form.get("keep_active") == "1")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a YAML or JSON game config file to import.", "error")
        return _back()
    text = upload.read().decode("utf-8-sig", errors="replace")
    found = _attempt(lambda: import_preview.preview(services().config, text))
    if found is FAILED:
        return _back()
    context = roles_page_context(services().config, services().sessions, {})
    sealed = services().config.vault.seal(text)  # never echoed in plain text: the document may hold API keys
    context["chat"]["import_preview"] = dict(found, sealed=sealed, file=upload.filename)
    return render_page("roles.html", "roles", **context)


def _apply_import(text, keep_active):
    summary = _attempt(lambda: role_ops.import_config(services().config, text, keep_active=keep_active)[0])
    if summary is FAILED:
        return _back()
    names = services().config.settings()[0]
    active = next((p.get("name") for p in names.get("llm_profiles") or []
                   if isinstance(p, dict) and p.get("id") == summary["active_llm_profile"]), None)
    flash(f"Imported {len(summary['profiles'])} profile(s) and {len(summary['roles'])} role(s)."
          + (f" The active profile is {active}." if active else ""), "success")
    if summary.get("active_problem"):
        flash(f"{active} is now active but cannot run: {summary['active_problem']}", "error")
    return _back()


@bp.post("/roles/sessions")
def new_session():
    """Start a session."""
    title = request.form.get("title", "").strip() or None
    created = _attempt(lambda: services().sessions.create_session(title))
    return _back(None if created is FAILED else created["session_id"], request.form.get("role_id"))


@bp.post("/roles/chat")
def send():
    """Send one message to a role (none: the role's own turn), optionally through another profile."""
    form = request.form
    sid, role_id, message = form.get("session_id"), form.get("role_id"), form.get("message", "")

    def run():
        if speaking.is_human(services().config.view(), role_id):  # a person plays it: no model call
            return speaking.speak_as(chat(), sid, role_id, message)
        return chat().run(chat().plan_chat(sid, role_id, message if message.strip() else None,
                                           _posted(form.get("llm_profile_id"), "llm_profile_id")))

    result = _attempt(run, where="chat-error")
    return _back(sid, role_id, failed=result is FAILED)


@bp.post("/roles/redraw")
def redraw():
    """Regenerate a character's last reply, with its profile or the one picked."""
    form = request.form
    sid, role_id = form.get("session_id"), form.get("character_id")
    result = _attempt(lambda: chat().run(chat().plan_redraw(sid, role_id, _posted(form.get("llm_profile_id"),
                                                                                  "llm_profile_id"))),
                      where="chat-error")
    return _back(sid, role_id, failed=result is FAILED)


@bp.post("/roles/alternative")
def select_alternative():
    """Show another alternative of a turn."""
    form = request.form
    sid = form.get("session_id")
    result = _attempt(lambda: chat().select_alternative(sid, form.get("position"), form.get("alt_index")),
                      where="chat-error")
    if result is not FAILED and form.get("compare"):  # `Keep` in the comparison: stay on it
        flash("Kept as the current reply; the others stay as alternatives.", "chat-success")
        return _back(sid, form.get("role_id"), compare=result["position"])
    return _back(sid, form.get("role_id"), failed=result is FAILED)


@bp.post("/roles/override")
def override():
    """Route a character to a profile for this session only (empty: back to the role's profile)."""
    form = request.form
    sid, role_id = form.get("session_id"), form.get("character_id") or form.get("role_id")
    # The chat form's "Switch" button posts here too, with the pane's session profile select.
    posted = form.get("profile_id") if "profile_id" in form else form.get("session_profile_id")
    result = None
    if (posted or "").strip():
        result = _attempt(lambda: chat().set_override(sid, role_id, _posted(posted, "profile_id")),
                          "Session override saved.", where="chat-error")
    else:
        current = _attempt(lambda: services().sessions.get_overrides(sid), where="chat-error")
        if current is not FAILED and role_id in current:
            result = _attempt(lambda: services().sessions.delete_override(sid, role_id),
                              "Session override removed.", where="chat-error")
    return _back(sid, role_id, failed=result is FAILED)


@bp.post("/roles/compare")
def compare():
    """The chat form's `Compare`: the same turn from the 2-4 profiles picked, shown side by side."""
    form = request.form
    sid, role_id, message = form.get("session_id"), form.get("role_id"), form.get("message", "")

    def run():
        picked = [_posted(p, "llm_profile_ids") for p in form.getlist("compare_profile_id") if p.strip()]
        return chat().compare(sid, role_id, picked, message if message.strip() else None)

    result = _attempt(run, where="chat-error")
    if result is FAILED:
        return _back(sid, role_id, failed=True)
    names = {p.get("id"): p.get("name") or p.get("id") for p in services().config.settings()[0].get("llm_profiles") or []
             if isinstance(p, dict)}
    for item in result["results"]:  # one card per failed profile, by name (the page reads these flashes)
        if not item["ok"]:
            flash(f"{names.get(item['llm_profile_id'], item['llm_profile_id'])}\t{item['error'].get('message')}",
                  "compare-failed")
    return _back(sid, role_id, compare=result["position"])
