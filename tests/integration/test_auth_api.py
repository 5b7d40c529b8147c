"""Login and security of the JSON API: who may call, CSRF, throttling, security headers, cookie flags."""

import functools
import re

import pytest

from tests.app_fixtures import basic, http_session, logged_in_session, login
from tests.fakes.clock import FakeClock
from tests.integration.api_client import BASIC, Api

PUBLIC = {"auth.login", "static", "health.healthz"}


def _sample_path(rule):
    """A concrete URL for a rule (every parameter filled with 'x')."""
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", rule.rule)


def _token(app, name="ci"):
    return app.extensions["triplo"].auth.create_token(name)


_login = functools.partial(login, next_path="/api/status")


def _csrf(client):
    with client.session_transaction() as sess:
        return sess["csrf"]


def test_every_route_needs_auth_except_login_health_static(app):
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_sample_path(rule), method=method)
            if response.status_code == 302:  # pages send people to the login form
                assert "/login" in response.headers["Location"], rule.rule
            else:
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                error = response.get_json()["error"]
                # the OpenAI-compatible face answers in OpenAI's own error format, for its SDK clients
                assert error == "unauthorized" if not rule.rule.startswith("/v1/") else error["message"]
            checked += 1
    assert checked >= 20


def test_public_endpoints(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_basic_auth(client):
    assert client.get("/api/config", headers=BASIC).status_code == 200
    wrong = client.get("/api/config", headers=basic(password="nope-nope"))
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_json()["message"]
    malformed = client.get("/api/config", headers={"Authorization": "Basic !!!"})
    assert malformed.status_code == 401


def test_bearer_token(app, client):
    record, token = _token(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/config", headers=headers).status_code == 200
    # a script with a token can change things (no CSRF for Bearer)
    created = client.post("/api/llm/profiles", headers=headers, json={
        "name": "T", "provider": "open_ai", "model": "gpt-4o", "api_key": "sk-test-bearer0000000000001"})
    assert created.status_code == 201
    assert client.get("/api/config", headers={"Authorization": "Bearer tw_wrong"}).status_code == 401
    app.extensions["triplo"].auth.revoke_token(record["id"])
    assert client.get("/api/config", headers=headers).status_code == 401


def test_cookie_session_needs_csrf_for_changes(client):
    response = _login(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/api/status")
    assert client.get("/api/config").status_code == 200  # reads need no token
    body = {"settings": {"sound": False}}
    refused = client.post("/api/config", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"] == "csrf_failed"
    wrong = client.post("/api/config", json=body, headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    ok = client.post("/api/config", json=body, headers={"X-CSRF-Token": _csrf(client)})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    for method in ("PUT", "DELETE"):
        assert client.open("/api/llm/credentials/open_ai", method=method, json={}).status_code == 403


def test_basic_and_bearer_are_csrf_exempt(app, client):
    _, token = _token(app)
    for headers in (BASIC, {"Authorization": f"Bearer {token}"}):
        reply = client.post("/api/config", json={"settings": {"sound": True}}, headers=headers)
        assert reply.status_code == 200


def test_cookie_session_over_real_http(app, live_server):
    server = live_server(app)
    http = http_session()
    response = login(http, server.url, next_path="/api/status", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    serializer = app.session_interface.get_signing_serializer(app)
    csrf = serializer.loads(http.cookies["triplo_session"])["csrf"]
    assert http.get(f"{server.url}/api/status", timeout=10).status_code == 200
    assert http.post(f"{server.url}/api/restart", timeout=10).status_code == 403
    ok = http.post(f"{server.url}/api/restart", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert ok.status_code == 200


def test_secure_cookie_behind_https(client):
    response = _login(client, base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_ends_sessions(app, client):
    _login(client)
    assert client.get("/api/config").status_code == 200
    app.extensions["triplo"].auth.set_password("a brand new password")
    assert client.get("/api/config").status_code == 401


@pytest.fixture
def clock(app):
    from webui.core.access.auth import LoginThrottle

    fake = FakeClock()
    app.extensions["triplo"].throttle = LoginThrottle(clock=fake)
    return fake


def test_login_throttling_slows_then_locks(client, clock):
    statuses = []
    for _ in range(10):
        clock.now += 61  # always past the growing delay, so every failure counts
        response = _login(client, password="wrong guess")
        statuses.append(response.status_code)
    assert statuses == [401] * 10
    locked = _login(client)  # even the right password is refused while locked
    assert locked.status_code == 429
    assert "Too many failed logins. Try again in 15 minutes." in locked.get_data(as_text=True)
    basic = client.get("/api/config", headers=BASIC)
    assert basic.status_code == 429 and basic.get_json()["error"] == "too_many_attempts"
    assert int(basic.headers["Retry-After"]) > 800
    clock.now += 15 * 60 + 1
    assert _login(client).status_code == 302


def test_throttle_delay_after_free_failures(client, clock):
    for _ in range(5):
        assert _login(client, password="wrong guess").status_code == 401
    slowed = _login(client)
    assert slowed.status_code == 429 and "Try again in 1 second" in slowed.get_data(as_text=True)
    clock.now += 2
    assert _login(client).status_code == 302


@pytest.mark.parametrize("path, auth", [("/api/config", True), ("/login", False), ("/api/nope", True),
                                        ("/api/config", False)])
def test_security_headers(client, path, auth):
    response = client.get(path, headers=BASIC if auth else {})
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_api_answers_are_not_cached(client):
    assert client.get("/api/config", headers=BASIC).headers["Cache-Control"] == "no-store"


def test_api_over_real_http_with_token(app, live_server):
    _, token = _token(app, "script")
    server = live_server(app)
    api = Api(app, server.url, {"Authorization": f"Bearer {token}"})
    created = api.create_profile()
    assert api.post("/api/llm/profile/activate", {"id": created["id"]}).status == 200
    assert Api(app, server.url, {}).get("/api/config").status == 401


def test_browser_session_uses_the_meta_tag_token(live):
    """Log in through the form like a browser; the page's csrf-token meta tag authorizes fetch() writes."""
    http = logged_in_session(live.url)
    assert http.post(f"{live.url}/api/config", json={"settings": {"sound": True}}, timeout=10).status_code == 200
    del http.headers["X-CSRF-Token"]
    assert http.post(f"{live.url}/api/config", json={"settings": {"sound": True}}, timeout=10).status_code == 403
