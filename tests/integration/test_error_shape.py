"""One JSON error shape everywhere: {"error": code, "message": text, …} for every status the API answers."""

import pytest

from tests.app_fixtures import basic, login
from tests.integration.api_client import Api
from tests.loopback import free_port


def _assert_shape(reply, status, code=None):
    assert reply.status == status, reply.text
    assert reply.headers["Content-Type"].startswith("application/json")
    assert isinstance(reply.body, dict), reply.text
    assert isinstance(reply.body.get("error"), str) and reply.body["error"]
    assert isinstance(reply.body.get("message"), str) and reply.body["message"]
    if code:
        assert reply.body["error"] == code
    assert "Traceback" not in reply.text and "<html" not in reply.text.lower()


def _cookie_api(app):
    """A test-client Api logged in through the form (session cookie), without the CSRF header."""
    api = Api(app, auth_headers={})
    response = login(api._client, next_path="/api/status")
    assert response.status_code == 302
    return api


@pytest.fixture
def boom_app(app):
    """The app with one route that fails unexpectedly (added before the first request)."""

    def boom():
        raise RuntimeError("secret internals: do not show")

    app.add_url_rule("/api/test-boom", "test_boom", boom)
    return app


CASES = [
    ("malformed JSON", "POST", "/api/llm/profiles", {"data": "{", "headers": {"Content-Type": "application/json"}},
     400, "bad_request"),
    ("validation", "POST", "/api/llm/profiles", {"body": {"name": "x", "provider": "open_ai"}}, 400,
     "validation_failed"),
    ("unknown id", "GET", "/api/llm/profiles/ghost", {}, 404, "not_found"),
    ("unknown path", "GET", "/api/no-such-thing", {}, 404, "not_found"),
    ("wrong method", "DELETE", "/api/config", {}, 405, "method_not_allowed"),
    ("stale revision", "POST", "/api/config", {"body": {"settings": {}}, "headers": {"If-Match": '"0000"'}}, 409,
     "conflict"),
    ("too large", "POST", "/api/config",
     {"data": "x" * (1024 * 1024 + 1), "headers": {"Content-Type": "application/json"}}, 413, None),
    ("not JSON", "POST", "/api/config", {"data": "a=b", "headers": {"Content-Type": "text/plain"}}, 415,
     "unsupported_media_type"),
]


@pytest.mark.parametrize("name, method, path, kw, status, code", CASES, ids=[c[0] for c in CASES])
def test_error_shape(app, name, method, path, kw, status, code):
    api = Api(app)
    api.post("/api/config", {"settings": {"sound": True}})  # config.json exists, so revisions are real
    reply = api.call(method, path, kw.get("body"), headers=kw.get("headers"), data=kw.get("data"))
    _assert_shape(reply, status, code)


def test_validation_errors_name_fields(app):
    reply = Api(app).post("/api/llm/profiles", {"name": "x", "provider": "open_ai", "model": "m", "temperature": 9})
    _assert_shape(reply, 400, "validation_failed")
    assert set(reply.body["fields"]) >= {"temperature", "api_key"}
    assert all(isinstance(v, str) for v in reply.body["fields"].values())


def test_401_shape(app):
    _assert_shape(Api(app, auth_headers={}).get("/api/config"), 401, "unauthorized")
    bad = {"Authorization": "Basic " + "bm9wZTpub3Bl"}
    _assert_shape(Api(app, auth_headers=bad).get("/api/config"), 401, "unauthorized")


def test_403_shape(app):
    _assert_shape(_cookie_api(app).post("/api/restart"), 403, "csrf_failed")


def test_405_lists_allowed_methods(app):
    reply = Api(app).call("PATCH", "/api/llm/providers")
    _assert_shape(reply, 405)
    assert "GET" in reply.headers["Allow"]


def test_429_shape_with_retry_after(app):
    wrong = basic(password="wrong-password")
    api = Api(app, auth_headers=wrong)
    replies = [api.get("/api/config") for _ in range(6)]
    _assert_shape(replies[-1], 429, "too_many_attempts")
    assert int(replies[-1].headers["Retry-After"]) >= 1


def test_500_is_generic_and_logged(boom_app, caplog):
    reply = Api(boom_app).get("/api/test-boom")
    _assert_shape(reply, 500, "internal_error")
    assert "secret internals" not in reply.text
    assert any("Unexpected error" in r.getMessage() for r in caplog.records)


def test_provider_failure_shape(app):
    # a closed loopback port: the provider is unreachable -> 502 with the provider error's message
    reply = Api(app).post("/api/llm/models", {"provider": "custom", "base_url": f"http://127.0.0.1:{free_port()}/v1"})
    _assert_shape(reply, 502, "provider_unreachable")
