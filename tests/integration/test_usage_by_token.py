"""Usage by API token: the ledger names the token (its id, never its secret) for /v1, chat, compare and
streaming calls; GET /api/usage?group_by=token and the Usage tab total them."""

import openai

from tests.app_fixtures import http_session

from .chat_helpers import game, new_session  # noqa: F401 (fixture)
from .test_usage_api import rows, usage


def _token(game, name, scope="chat"):
    record, plaintext = game.app.extensions["triplo"].auth.create_token(name, scope=scope)
    return record, plaintext


def test_ledger_rows_name_the_token_never_its_secret(game):
    record, plaintext = _token(game, "game-client")
    client = openai.OpenAI(base_url=f"{game.base}/v1", api_key=plaintext, max_retries=0)
    assert client.chat.completions.create(model="alpha", messages=[{"role": "user", "content": "Hi"}]).choices
    chunks = list(client.chat.completions.create(model="alpha", stream=True,
                                                 messages=[{"role": "user", "content": "Hi"}]))
    assert chunks
    sid = new_session(game)  # the admin login makes the session; the chat token talks in it
    bearer = http_session(game.base, {"Authorization": f"Bearer {plaintext}"})
    r = bearer.post(f"{game.base}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "Hello"})
    assert r.status_code == 200, r.text
    r = bearer.post(f"{game.base}/api/v1/sessions/{sid}/compare",
                    json={"character_id": "gm", "llm_profile_ids": ["alpha", "beta"], "message": "Both"})
    assert r.status_code == 200, r.text
    game.http.post(f"{game.base}/v1/chat/completions",
                   json={"model": "alpha", "messages": [{"role": "user", "content": "by login"}]})
    found = rows(game)
    by_token = [row for row in found if row["token_id"] == record["id"]]
    assert len(by_token) == 5 and {row["api"] for row in by_token} == {"v1", "chat"}
    assert found[-1]["token_id"] is None  # a Basic login's call names no token
    assert not any(plaintext in str(value) or plaintext[-12:] in str(value) for row in found for value in row.values())

    summary = usage(game, group_by="token")
    mine = next(row for row in summary["rows"] if row["key"] == record["id"])
    assert mine["name"] == "game-client" and mine["requests"] == 5 and mine["cost_usd"] > 0
    assert any(row["key"] is None for row in summary["rows"])
    page = game.http.get(f"{game.base}/usage").text
    assert 'id="usage-by-token"' in page and "game-client" in page and plaintext not in page


def test_group_by_token_is_in_the_openapi_document(game):
    doc = game.http.get(f"{game.base}/api/openapi.json").json()
    params = doc["paths"]["/api/usage"]["get"]["parameters"]
    group_by = next(p for p in params if p["name"] == "group_by")
    assert "token" in group_by["schema"]["enum"]
