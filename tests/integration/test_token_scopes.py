"""API token scopes: every route of the app has one; chat and read tokens reach only their routes."""

import re

import pytest

from tests.app_fixtures import BASIC
from tests.integration.test_cli_auth import _cli
from webui.web.scopes import endpoint_scope


def _path(rule):
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", rule.rule)


def _bearer(app, scope, name=None):
    _record, plaintext = app.extensions["triplo"].auth.create_token(name or f"t-{scope}", scope=scope)
    return {"Authorization": f"Bearer {plaintext}"}


def _calls(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _refused(response, rule):
    """True when the answer is the scope refusal, checked to be in the route's own error shape."""
    if response.status_code != 403:
        return False
    body = response.get_json()
    if rule.rule.startswith("/v1/messages"):  # Anthropic's shape for its SDK clients
        assert body["type"] == "error" and "scope" in body["error"]["message"], body
    elif rule.rule.startswith("/v1/"):  # OpenAI's shape for its SDK clients
        assert body["error"]["code"] == "insufficient_scope" and "scope" in body["error"]["message"], body
    else:
        assert body["error"] == "insufficient_scope" and body["required_scope"], body
    return True


def test_every_route_has_a_scope(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules() if endpoint_scope(r.endpoint) is None})
    assert not missing, f"routes without a scope (add them to webui/web/scopes.py): {missing}"


@pytest.mark.parametrize("scope", ["chat", "read"])
def test_each_scope_against_every_route(app, scope):
    client, headers = app.test_client(), _bearer(app, scope)
    checked = 0
    for rule, method in _calls(app):
        needed = endpoint_scope(rule.endpoint)
        if needed == "public":
            continue
        allowed = needed == scope and (scope != "read" or method == "GET")
        response = client.open(_path(rule), method=method, headers={**headers, "Accept": "application/json"})
        assert _refused(response, rule) is (not allowed), (scope, method, rule.rule, response.status_code)
        checked += 1
    assert checked > 60


def test_chat_token_cannot_reach_config_or_mint_tokens(app):
    client, chat = app.test_client(), _bearer(app, "chat")
    for method, path in (("GET", "/api/config"), ("POST", "/api/config"), ("POST", "/access/tokens"),
                         ("GET", "/api/llm/credentials"), ("GET", "/access")):
        response = client.open(path, method=method, headers={**chat, "Accept": "application/json"},
                               data={"name": "wider", "scope": "admin"})
        assert response.status_code == 403, (method, path)
        assert "scope 'chat'" in response.get_json()["message"]
    assert [t["name"] for t in app.extensions["triplo"].auth.list_tokens()] == ["t-chat"]
    face = client.get("/v1/models", headers=chat)
    assert face.status_code == 200
    read = client.get("/api/config", headers=_bearer(app, "read"))
    assert read.status_code == 200
    assert client.post("/access/tokens", headers=_bearer(app, "read", "r2"), data={"name": "x"}).status_code == 403


def test_a_narrow_creator_cannot_create_tokens(app):
    auth = app.extensions["triplo"].auth
    for creator in ("chat", "read"):
        with pytest.raises(Exception) as caught:
            auth.create_token("child", scope="chat", creator_scope=creator)
        assert "cannot create tokens" in str(caught.value.fields["scope"])
    with pytest.raises(Exception):
        auth.create_token("bad", scope="root")


def test_admin_token_creates_a_chat_token_on_the_access_tab(app):
    client = app.test_client()
    made = client.post("/access/tokens", headers=_bearer(app, "admin"), data={"name": "game", "scope": "chat"})
    assert made.status_code == 201 and "(scope chat)" in made.get_data(as_text=True)
    by_name = {t["name"]: t for t in app.extensions["triplo"].auth.list_tokens()}
    assert by_name["game"]["scope"] == "chat"
    page = client.get("/access", headers=BASIC).get_data(as_text=True)
    assert 'name="scope"' in page and "<td>chat</td>" in page


def test_tokens_made_before_scopes_stay_admin(app, config_dir):
    auth = app.extensions["triplo"].auth
    _record, plaintext = auth.create_token("old-script")

    def strip(data):
        for token in data["tokens"]:
            token.pop("scope", None)
        return data, None

    auth._update(strip)
    assert '"scope"' not in (config_dir / "webui-auth.json").read_text()
    assert auth.verify_token(plaintext)["scope"] == "admin"
    response = app.test_client().post("/api/config", json={"settings": {"sound": False}},
                                      headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200


def test_cli_create_token_with_scope(config_dir, app):
    done = _cli(config_dir, "create-token", "client", "--scope", "chat")
    assert done.returncode == 0, done.stderr
    assert "scope chat" in done.stdout
    token = done.stdout.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/api/config", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert _cli(config_dir, "create-token", "c2", "--scope", "root").returncode == 2


def test_cli_create_token_with_limits(config_dir, app):
    done = _cli(config_dir, "create-token", "capped", "--scope", "chat", "--rpm", "5", "--tpm", "900",
                "--budget-usd", "2.5", "--profiles", "alpha,beta")
    assert done.returncode == 0, done.stderr
    capped = next(t for t in app.extensions["triplo"].auth.list_tokens() if t["name"] == "capped")
    assert capped["limits"] == {"rpm": 5, "tpm": 900, "budget_usd": 2.5, "profiles": ["alpha", "beta"]}
    bad = _cli(config_dir, "create-token", "bad", "--rpm", "0")
    assert bad.returncode == 1 and "rpm" in bad.stderr
