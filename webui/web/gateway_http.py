"""HTTP extras of the gateway faces (/v1/*): CORS when WEBUI_CORS_ORIGINS allows it, X-Gateway-Overhead-Ms."""

import time

from flask import g, request

from webui.providers import wait_clock

ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
EXPOSE_HEADERS = ("X-Request-Cost, X-Triplo-Profile-Id, X-Triplo-Model, X-Triplo-Fallback-From, "
                  "X-Gateway-Overhead-Ms, Retry-After, x-should-retry")
MAX_AGE = "600"


def is_gateway_path(path):
    """The faces clients call (/v1/...), never the pages or the configuration API (/api/...)."""
    return path == "/v1" or path.startswith("/v1/")


def cors_origins(settings):
    """WEBUI_CORS_ORIGINS (settings.cors_origins) as a set of origins, {"*"} for any, or empty (off, the default)."""
    return {o.rstrip("/") for o in settings.cors_origins}


def _allowed(origins):
    """The Access-Control-Allow-Origin value for this request, or None."""
    origin = request.headers.get("Origin")
    if not origin or not origins or not is_gateway_path(request.path):
        return None
    if "*" in origins:
        return "*"
    return origin if origin.rstrip("/") in origins else None


def install(app, settings):
    """Register the hooks; call before the authentication hook so a preflight is answered without auth."""
    origins = cors_origins(settings)

    @app.before_request
    def gateway_start():
        if not is_gateway_path(request.path):
            return None
        g.gateway_started = time.monotonic()
        wait_clock.start()
        allowed = _allowed(origins)
        if request.method == "OPTIONS" and allowed and request.headers.get("Access-Control-Request-Method"):
            response = app.response_class(status=204)
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            wanted = request.headers.get("Access-Control-Request-Headers")
            response.headers["Access-Control-Allow-Headers"] = wanted or "Authorization, Content-Type"
            response.headers["Access-Control-Max-Age"] = MAX_AGE
            return response  # a preflight carries no credentials: answered before authentication
        return None

    @app.after_request
    def gateway_finish(response):
        started = getattr(g, "gateway_started", None)
        if started is None:
            return response
        allowed = _allowed(origins)
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            if allowed != "*":
                response.vary.add("Origin")
        if not response.is_streamed and request.method != "OPTIONS":
            overhead = (time.monotonic() - started) * 1000 - wait_clock.total_ms()
            response.headers["X-Gateway-Overhead-Ms"] = f"{max(0.0, overhead):.2f}"
        return response
