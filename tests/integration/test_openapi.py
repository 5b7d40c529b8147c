"""GET /api/openapi.json: a valid OpenAPI 3 document that matches the app's routes both ways."""

import json
import re

import pytest

from tests.integration.api_client import Api
from webui.web.api import openapi

# Not part of the JSON API: people's pages and forms, the login form, static files, the liveness probe, the
# Prometheus scrape (text format).
IGNORED_BLUEPRINTS = {"usage", "models", "roles", "settings", "access", "auth", "health", "metrics"}
IGNORED_ENDPOINTS = {"static"}


def _app_routes(app):
    """{(METHOD, normalized path)} of every JSON route the app serves."""
    routes = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if rule.endpoint in IGNORED_ENDPOINTS or blueprint in IGNORED_BLUEPRINTS:
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "<>", rule.rule)
        routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def _doc_routes(doc):
    return {(m.upper(), openapi.flask_rule(p)) for p, ops in doc["paths"].items() for m in ops}


@pytest.fixture
def doc(app):
    reply = Api(app).get("/api/openapi.json")
    assert reply.status == 200
    return reply.body


def test_served_and_requires_auth(app, doc):
    assert doc["openapi"].startswith("3.")
    assert Api(app, auth_headers={}).get("/api/openapi.json").status == 401


def test_valid_per_openapi_spec_validator(doc):
    import openapi_spec_validator as validator
    validator.validate(doc)


def test_structurally_sound(doc):
    """Checks that run even where openapi-spec-validator is not installed."""
    schemas = doc["components"]["schemas"]
    refs = set(re.findall(r'"#/components/(schemas|responses)/([^"]+)"', json.dumps(doc)))
    for kind, name in refs:
        assert name in doc["components"][kind], name
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, ops in doc["paths"].items():
        declared = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in ops.items():
            assert op["summary"] and op["responses"], (method, path)
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == declared, (method, path)
    assert {"Error", "Profile", "ProfileInput"} <= set(schemas)
    assert set(doc["components"]["securitySchemes"]) == {"basicAuth", "bearerAuth", "apiKeyAuth", "cookieAuth"}


def test_every_route_is_documented(app, doc):
    missing = _app_routes(app) - _doc_routes(doc)
    assert not missing, f"routes missing from webui/web/api/openapi.py ROUTES: {sorted(missing)}"


def test_every_documented_route_exists(app, doc):
    registered = {bp for bp in app.blueprints}
    # A surface written elsewhere is held to the document as soon as its blueprint is registered.
    wanted = {(r.method, openapi.flask_rule(r.path)) for r in openapi.ROUTES if r.surface in registered}
    assert {r.surface for r in openapi.ROUTES if r.surface == "api_config"} <= registered
    missing = wanted - _app_routes(app)
    assert not missing, f"documented but not served: {sorted(missing)}"
    assert _doc_routes(doc) >= wanted


def _validator(doc, name):
    import jsonschema_rs

    text = json.dumps(doc["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/")
    return jsonschema_rs.validator_for({"$ref": f"#/$defs/{name}", "$defs": json.loads(text)})


def test_real_answers_match_their_schemas(app, doc):
    api = Api(app)
    profile = api.create_profile()
    checks = [
        ("ConfigView", api.get("/api/config")),
        ("Status", api.get("/api/status")),
        ("Catalog", api.get("/api/llm/providers")),
        ("ProfileList", api.get("/api/llm/profiles")),
        ("ProfileGet", api.get(f"/api/llm/profiles/{profile['id']}")),
        ("ProfileAnswer", api.patch(f"/api/llm/profiles/{profile['id']}", {"temperature": 1})),
        ("Credentials", api.get("/api/llm/credentials")),
        ("LocalKeyAnswer", api.post("/api/local-llm/key", {})),
        ("RestartAnswer", api.post("/api/restart")),
        ("Error", api.get("/api/llm/profiles/ghost")),
        ("Error", api.post("/api/llm/profiles", {"name": "x"})),
    ]
    for name, reply in checks:
        errors = [e.message for e in _validator(doc, name).iter_errors(reply.body)]
        assert not errors, (name, errors)
