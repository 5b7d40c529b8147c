"""The configuration JSON API (SPEC §5 "Configuration"): thin views over ConfigService and profile_ops.

Revisions: every GET of config, profiles or credentials answers the config revision both as the `ETag`
header and as `revision` in the body. A write is conditional when it sends that value, either as
`If-Match: "<revision>"` (preferred; wins when both are sent) or as a top-level `revision` field of its
JSON body; a stale one is refused with 409 `conflict` (the body's `revision` then names the current one).
A write without either is unconditional. Every write that saved the config answers the new revision the
same two ways (the others, e.g. /api/restart, answer none).

Secrets never leave: they come back masked ({"set", "hint"}); a write that omits a secret, or sends its
masked form back, keeps the stored one; `null` removes it.

Writes that change what the desktop app reads restart it unless `?restart=false`; the outcome is reported
truthfully as `"desktop": {"result": "restarted"|"failed"|"skipped", "pid", "message"}`.
"""

from flask import Blueprint, request, url_for

from webui import catalog
from webui.core.config import credentials, profile_import, profile_ops, profiles
from webui.core.connect import connection_check, local_llm
from webui.core.connect import model_lists as models
from webui.core.connect import ollama_pull as ollama_pulls
from webui.errors import NotFound, RestartFailed, ValidationFailed
from webui.web.api import openapi
from webui.web.common import answer, desktop_outcome, expected_revision, json_body, restart_flag, services

bp = Blueprint("api_config", __name__)

TRUE = ("1", "true", "yes", "on")  # ?refresh=


def _svc():
    return services().config


def _payload(body, nested=None):
    """The write's data without the revision (and unwrapped from {"profile": …} when a GET answer is sent back)."""
    if nested and isinstance(body.get(nested), dict):
        body = body[nested]
    return {k: v for k, v in body.items() if k != "revision"}


def _profile_answer(view, desktop, revision, status=200):
    response = answer({"profile": view, "desktop": desktop_outcome(desktop), "revision": revision}, status, revision)
    if status == 201:
        response.headers["Location"] = url_for(".profile_get", profile_id=view["id"])
    return response


def _profile_list(svc):
    settings, revision = svc.settings()
    items = [svc.profile_view(settings, p) for p in settings.get("llm_profiles") or []]
    return {"profiles": items, "active_llm_profile": settings.get("active_llm_profile"),
            "multi_provider_enabled": bool(settings.get("multi_provider_enabled")), "revision": revision}


# ---- whole config, status, catalog ------------------------------------------------------------------------

@bp.get("/api/config")
def config_get():
    """The whole config, secrets masked, plus active_profile and revision."""
    view = _svc().config_view()
    return answer(view, revision=view["revision"])


@bp.post("/api/config")
def config_post():
    """Merge {"settings": {...}} into the stored settings (validated); masked secrets sent back keep the stored ones."""
    body = json_body()
    if "settings" not in body:
        raise ValidationFailed({"settings": "is required (a partial or whole settings object)"})
    svc = _svc()
    _, desktop, _rev = svc.mutate(lambda s: profile_ops.merge(s, body["settings"], svc.vault),
                                  expected_revision(body), restart_flag())
    view = svc.config_view()
    view["desktop"] = desktop_outcome(desktop)
    return answer(view, revision=view["revision"])


@bp.get("/api/status")
def status():
    """Desktop app state (supervisord) and the active profile summary."""
    svc = services()
    settings, revision = svc.config.settings()
    active = svc.config.active_profile(settings)
    summary = {k: active.get(k) for k in ("id", "name", "provider", "model")} if active else None
    return answer({"desktop": svc.desktop.status(), "active_profile": summary, "revision": revision,
                   "read_only": svc.read_only}, revision=revision)


@bp.get("/api/llm/providers")
def providers():
    """The provider catalog: fields, defaults, limits, supported params."""
    return answer({"providers": catalog.public_catalog()})


# ---- profiles --------------------------------------------------------------------------------------------

@bp.get("/api/llm/profiles")
def profiles_list():
    """Every profile in order, with its masked credential and active flag."""
    data = _profile_list(_svc())
    return answer(data, revision=data["revision"])


@bp.post("/api/llm/profiles")
def profiles_create():
    """Create a profile (201, Location); inline api_key/token/url go to its credential."""
    body = json_body()
    payload = {k: v for k, v in _payload(body, "profile").items() if k != "credential"}
    view, desktop, rev = profile_ops.create_profile(_svc(), payload, expected_revision(body), restart_flag())
    return _profile_answer(view, desktop, rev, 201)


@bp.get("/api/llm/profiles/<profile_id>")
def profile_get(profile_id):
    """One profile."""
    svc = _svc()
    settings, revision = svc.settings()
    view = svc.profile_view(settings, profiles.find(settings, profile_id))
    return answer({"profile": view, "revision": revision}, revision=revision)


@bp.route("/api/llm/profiles/<profile_id>", methods=["PUT", "PATCH"])
def profile_update(profile_id):
    """PUT replaces the profile's fields, PATCH merges; omitted secrets keep the stored ones."""
    body = json_body()
    view, desktop, rev = profile_ops.update_profile(_svc(), profile_id, _payload(body, "profile"),
                                                    partial=request.method == "PATCH",
                                                    revision=expected_revision(body), restart=restart_flag())
    return _profile_answer(view, desktop, rev)


@bp.delete("/api/llm/profiles/<profile_id>")
def profile_delete(profile_id):
    """Delete; the active profile only with `new_active_id` (query or body), else 409."""
    body = json_body(required=False)
    new_active = request.args.get("new_active_id") or body.get("new_active_id")
    _, desktop, rev = profile_ops.delete_profile(_svc(), profile_id, new_active, expected_revision(body),
                                                 restart_flag())
    return answer({"deleted": profile_id, "desktop": desktop_outcome(desktop), "revision": rev}, revision=rev)


@bp.post("/api/llm/profiles/<profile_id>/duplicate")
def profile_duplicate(profile_id):
    """Copy with a new id and an '… (copy)' name (201, Location)."""
    body = json_body(required=False)
    view, rev = profile_ops.duplicate_profile(_svc(), profile_id, expected_revision(body))
    return _profile_answer(view, None, rev, 201)


@bp.post("/api/llm/profiles/reorder")
def profiles_reorder():
    """{"order": [every id once]}; answers the list in its new order."""
    body = json_body()
    profile_ops.reorder_profiles(_svc(), body.get("order"), expected_revision(body))
    data = _profile_list(_svc())
    return answer(data, revision=data["revision"])


@bp.post("/api/llm/profile/activate")
def profile_activate():
    """{"id"}: validate, activate, project onto the desktop fields, restart (unless ?restart=false)."""
    body = json_body()
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise ValidationFailed({"id": "is required: the id of the profile to activate"})
    view, desktop, rev = profile_ops.activate_profile(_svc(), body["id"], expected_revision(body), restart_flag())
    return _profile_answer(view, desktop, rev)


# ---- credentials -----------------------------------------------------------------------------------------

@bp.get("/api/llm/credentials")
def credentials_list():
    """Every credential, secrets masked."""
    svc = _svc()
    settings, revision = svc.settings()
    return answer({"credentials": credentials.masked_view(settings, svc.vault), "revision": revision},
                  revision=revision)


@bp.put("/api/llm/credentials/<credential_id>")
def credential_put(credential_id):
    """Set fields of a credential: a new secret replaces, an omitted or masked one is kept, null removes."""
    body = json_body()
    payload = {k: v for k, v in _payload(body).items() if not profile_import.is_masked(v)}
    view, desktop, rev = profile_ops.set_credential(_svc(), credential_id, payload, expected_revision(body),
                                                    restart_flag())
    return answer({"credential_id": credential_id, "credential": view, "desktop": desktop_outcome(desktop),
                   "revision": rev},
                  revision=rev)


@bp.delete("/api/llm/credentials/<credential_id>")
def credential_delete(credential_id):
    """Remove a credential (refused while the active profile needs it)."""
    body = json_body(required=False)
    _, desktop, rev = profile_ops.delete_credential(_svc(), credential_id, expected_revision(body), restart_flag())
    return answer({"deleted": credential_id, "desktop": desktop_outcome(desktop), "revision": rev}, revision=rev)


# ---- provider calls --------------------------------------------------------------------------------------

@bp.get("/api/llm/profiles/<profile_id>/models")
def profile_models(profile_id):
    """Model ids from the profile's provider (cached 5 minutes; ?refresh=1 asks again)."""
    refresh = request.args.get("refresh", "").lower() in TRUE
    return answer({"profile_id": profile_id, "models": models.profile_models(_svc(), profile_id, refresh)})


@bp.post("/api/llm/models")
def form_models():
    """Model ids for unsaved form values; without api_key the stored credential is used."""
    body = json_body()
    refresh = request.args.get("refresh", "").lower() in TRUE or body.get("refresh") is True
    form = {k: body.get(k) for k in models.FORM_FIELDS}
    return answer({"models": models.form_models(_svc(), form, refresh)})


@bp.post("/api/llm/profiles/<profile_id>/test")
def profile_test(profile_id):
    """A tiny real request: {ok, latency_ms, model, error}."""
    json_body(required=False)  # no input, but a malformed body still gets its 400/415
    return answer(connection_check.test_profile(_svc(), profile_id))


@bp.post("/api/llm/test")
def form_test():
    """Test connection for the editor's values as they stand (saved or not): the server, then the chosen model
    (in its model list, or by a 1-token call where a list proves nothing)."""
    body = json_body()
    form = {k: body.get(k) for k in (*models.FORM_FIELDS, *connection_check.TEST_FIELDS)}
    return answer(connection_check.test_form(_svc(), form))


@bp.route("/api/llm/ollama/pull", methods=["GET", "POST"])
def ollama_pull():
    """Ollama `Pull model`: POST {model, url?, token?, credential_id?} starts it in the background (202);
    GET ?model=&url= shows its progress ({state, status, layers, total, completed, percent}; 404: none)."""
    if request.method == "POST":
        return answer(ollama_pulls.start_pull(_svc(), _pull_form(json_body())), 202)
    found = ollama_pulls.pull_status(_svc(), _pull_form(request.args))
    if found is None:
        raise NotFound("No pull of that model on that server.")
    return answer(found)


@bp.post("/api/llm/ollama/pull/cancel")
def ollama_pull_cancel():
    """Cancel a running pull: {model, url?}."""
    found = ollama_pulls.cancel_pull(_svc(), _pull_form(json_body()))
    if found is None:
        raise NotFound("No pull of that model on that server.")
    return answer(found)


def _pull_form(source):
    return {k: source.get(k) for k in ("model", "url", "base_url", "token", "credential_id")}


@bp.post("/api/restart")
def restart():
    """Restart the desktop app; restarted/skipped answer 200, a failure 502, always with the outcome."""
    json_body(required=False)
    outcome = _svc().restart()
    if outcome.get("result") == "failed":
        raise RestartFailed(outcome.get("message") or "The desktop app could not be restarted.", desktop=outcome)
    return answer({"desktop": outcome})


# ---- local LLM -------------------------------------------------------------------------------------------

def _persist_flag(body):
    persist = body.get("persist", False)
    if not isinstance(persist, bool):
        raise ValidationFailed({"persist": "must be true or false"})
    return persist


@bp.post("/api/local-llm/key")
def local_llm_key():
    """A new local-LLM sync key, shown once; {"persist": true} also stores it as settings.llm_key."""
    body = json_body(required=False)
    persist, key, desktop, rev = _persist_flag(body), local_llm.new_key(), None, None
    if persist:
        _, desktop, rev = _svc().mutate(lambda s: s.update(llm_key=key), expected_revision(body), restart_flag())
    return answer({"llm_key": key, "persisted": persist, "desktop": desktop_outcome(desktop), "revision": rev},
                  revision=rev)


@bp.post("/api/local-llm/models")
def local_llm_models():
    """Model names at an Ollama (/api/tags) or OpenAI-compatible (/v1/models) URL; persist writes ollama_models."""
    body = json_body()
    persist = _persist_flag(body)
    names, desktop, rev = local_llm.list_models(body.get("url"), body.get("token")), None, None
    if persist:
        _, desktop, rev = _svc().mutate(lambda s: s.update(ollama_models=names), expected_revision(body),
                                        restart_flag())
    return answer({"models": names, "persisted": persist, "desktop": desktop_outcome(desktop), "revision": rev},
                  revision=rev)


@bp.get("/api/openapi.json")
def openapi_document():
    """The OpenAPI 3 document of the whole JSON API."""
    return answer(openapi.document())
