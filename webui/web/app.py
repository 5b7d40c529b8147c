"""Application factory: settings from the environment, core services, blueprints, handlers."""

import logging
import os
from datetime import timedelta
from types import SimpleNamespace

from flask import Flask, jsonify

from webui.core.storage.paths import config_dir as default_config_dir
from webui.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
log = logging.getLogger("webui")


def _services(config_dir, environ, read_only=None):
    """Build the core services once per app."""
    from webui.core.access.auth import AuthStore
    from webui.core.access.shared_throttle import throttle_for
    from webui.core.chat.responses import ResponsesService
    from webui.core.chat.service import ChatService
    from webui.core.chat.sessions import SessionStore
    from webui.core.config.service import ConfigService
    from webui.core.desktop.control import DesktopController
    from webui.core.shared import open_shared
    from webui.core.storage import backend
    from webui.core.observe import metrics, tracing
    from webui.core.storage.paths import SESSIONS_DB, USAGE_DB
    from webui.core.usage.budgets import BudgetBook
    from webui.core.usage.ledger import UsageLedger
    from webui.providers import models_cache

    settings = Settings.from_env(environ)
    desktop = DesktopController.from_env(environ)
    config = ConfigService(config_dir, environ, desktop=desktop)
    store = backend.database(environ)  # PostgreSQL (WEBUI_DATABASE_URL), or None: sessions.db and usage.db
    if store is not None:
        from webui.core.chat.sessions_pg import PgSessionStore
        from webui.core.usage.ledger_pg import PgUsageLedger

        sessions, usage = PgSessionStore(store.db), PgUsageLedger(store.db)
    else:
        sessions = SessionStore(os.path.join(config_dir, SESSIONS_DB), read_only=bool(read_only))
        usage = UsageLedger(os.path.join(config_dir, USAGE_DB), read_only=bool(read_only))
    shared = open_shared(environ, settings.redis_prefix)  # in process, or Redis with WEBUI_REDIS_URL (docs/redis.md)
    models_cache.CACHE.use(shared_model_lists(shared))
    budgets = BudgetBook(shared, fail_open=settings.budget_fail_open == 1)
    tracer = tracing.tracer_for(environ)  # None unless OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing imported)
    metrics.set_recording(settings.metrics)
    chat = ChatService(config, sessions, usage, budgets, tracer, settings.trace_content)
    return SimpleNamespace(
        read_only=read_only,
        config=config,
        auth=AuthStore(config_dir, shared=shared, document=backend.auth_document(environ)),
        throttle=throttle_for(shared),
        shared=shared,
        budgets=budgets,
        desktop=desktop,
        sessions=sessions,
        usage=usage,
        chat=chat,
        responses=ResponsesService(chat, sessions),  # the Responses face: stored with the sessions
        environ=environ,
        settings=settings,
        config_dir=config_dir,
    )


def shared_model_lists(shared):
    """The model-list cache's store: Redis when the shared state is Redis, else None (this process)."""
    if shared.kind == "local":
        return None
    from webui.core.shared.model_lists import SharedModelLists

    return SharedModelLists(shared)


def create_app(test_config=None):
    """Create the Flask app; test_config may set CONFIG_DIR and ENVIRON (nothing runs at import)."""
    test_config = dict(test_config or {})
    environ = test_config.pop("ENVIRON", None) or os.environ
    config_dir = test_config.pop("CONFIG_DIR", None) or default_config_dir(environ)
    app = Flask("webui", template_folder=os.path.join(ROOT, "templates"), static_folder=os.path.join(ROOT, "static"))
    app.config.update(
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="triplo_session",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        JSON_SORT_KEYS=False,
    )
    app.config.update(test_config)
    from webui.core.observe import logs

    logs.configure(environ)  # WEBUI_LOG_FORMAT: text or JSON lines, keys scrubbed in both

    from webui.core.storage import backend

    # With PostgreSQL as the store of record the folder only holds the config.json projection (and webui.key).
    svc = _services(config_dir, environ, None if backend.database_url(environ) else _read_only_mode(config_dir))
    app.extensions["triplo"] = svc
    app.secret_key = svc.config.vault.derive("flask-session-cookie")
    generated = svc.auth.ensure_initialized(environ) if not svc.read_only else None

    from webui.web import capacity, request_scope

    capacity.install(app, environ)
    _register(app, environ)
    request_scope.install(app)  # X-Request-Id in or new, returned and logged; gateway overhead measured
    if generated:
        # Printed exactly once, on the first run and last of the start-up output, so the owner can log in;
        # only its hash is stored.
        log.warning("%s", first_run_box(svc.auth.username(), generated))
    return app


def _read_only_mode(config_dir):
    """None for a writable config folder; else {"reason", "message"}: the app then serves reads, writes answer 503."""
    from webui.core.storage.fileio import UNWRITABLE, ensure_private_dir, unwritable_reason

    try:
        ensure_private_dir(config_dir)
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        reason = exc.strerror
    else:
        reason = unwritable_reason(config_dir)
    if reason is None:
        return None
    message = f"The config folder {config_dir} is read-only ({reason}): settings can be viewed but not saved."
    log.error("%s Starting in read-only mode.", message)
    return {"reason": reason, "message": message}


def first_run_box(username, password):
    """The generated first-run login in a box that stands out among install output, with how to change it."""
    lines = ["Triplo Web UI: first run, no WEBUI_PASSWORD was set.", "",
             f"  Username: {username}", f"  Password: {password}", "",
             "Change it after logging in (Access tab), or with:", "  python -m webui set-password",
             "This password is shown only this once."]
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join(["", rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


def _register(app, environ):
    """Blueprints, error handlers, auth and security headers."""
    from webui.web import body_timeout, compression, gateway_http, security
    from webui.web.errors import register_error_handlers
    from webui.web.pages.login import bp as auth_bp

    app.session_interface = security.SessionInterface()
    gateway_http.install(app, app.extensions["triplo"].settings)  # before authentication: CORS preflights
    app.before_request(body_timeout.refuse_large_public_body(security.PUBLIC_ENDPOINTS))  # before any body is read
    app.before_request(security.authenticate)
    app.after_request(security.security_headers)
    compression.install(app)
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    from webui.web.pages.profile_picker import PICKER_FROM

    app.jinja_env.globals["list_filter_from"] = PICKER_FROM  # profiles from which lists get a search box
    register_error_handlers(app)
    body_timeout.install(app, environ)
    app.register_blueprint(auth_bp)

    from flask import Blueprint

    health = Blueprint("health", __name__)

    @health.route("/healthz")
    def healthz():
        """Cheap liveness probe for the container HEALTHCHECK (no auth, no disk): the store of record and Redis;
        503 when either is configured and down (neither is waited for: their state is kept by a background check)."""
        from webui.core.storage import backend

        fields, ok = backend.health(app.extensions["triplo"].environ)
        redis_state = app.extensions["triplo"].shared.health()
        ok = ok and redis_state != "down"
        return jsonify(ok=ok, **fields, redis=redis_state), (200 if ok else 503)

    app.register_blueprint(health)
    from webui.web.api import config as api_config
    from webui.web.api import embeddings_face, messages_face, openai_face, responses_face
    from webui.web.api import metrics as api_metrics
    from webui.web.api import usage as api_usage
    from webui.web.api import v1 as api_v1
    from webui.web.api import v1_sessions
    from webui.web.pages import access, layout, models, role_edit, roles, settings, stored_keys, usage
    from webui.web.pages import sessions as session_pages

    del role_edit  # imported for its routes: it adds the role editor to the Roles & Chat blueprint
    del stored_keys  # the same: the stored keys card's Remove, on the API & Models blueprint
    del session_pages, v1_sessions  # the same: session edits on the Roles & Chat and /api/v1 blueprints
    layout.init_app(app)
    for tab in (models, roles, usage, settings, access):  # one blueprint per tab
        app.register_blueprint(tab.bp)
    app.register_blueprint(api_config.bp)
    app.register_blueprint(api_usage.bp)
    app.register_blueprint(api_v1.bp)
    app.register_blueprint(openai_face.bp)
    app.register_blueprint(responses_face.bp)
    app.register_blueprint(embeddings_face.bp)
    app.register_blueprint(messages_face.bp)
    app.register_blueprint(api_metrics.bp)
