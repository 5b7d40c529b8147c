"""POST /api/llm/test (issue 16 item 9): the editor's values as they stand, the server and the chosen model."""

import json

from .api_client import http, tc  # noqa: F401 (fixtures)

KEY = "sk-test-connection00000001"


def form_test(http, **body):
    return http.post("/api/llm/test", body)


def test_a_listed_model_is_found_without_a_chat_call(http, fake_provider):
    fake = fake_provider("open_ai", required_key=KEY)
    reply = form_test(http, provider="open_ai", model="gpt-4o", base_url=fake.base_url, api_key=KEY)
    assert reply.status == 200, reply.text
    body = reply.body
    assert body["ok"] is True and body["model_found"] is True and body["checked"] == "model_list"
    assert body["model"] == "gpt-4o" and isinstance(body["latency_ms"], int)
    assert fake.count("chat") == 0


def test_a_model_the_server_does_not_have_fails(http, fake_provider):
    fake = fake_provider("open_ai", required_key=KEY)
    body = form_test(http, provider="open_ai", model="no-such-model-xyz", base_url=fake.base_url, api_key=KEY).body
    assert body["ok"] is False and body["model_found"] is False
    assert "no-such-model-xyz" in body["error"] and fake.count("chat") == 0


def test_a_wrong_key_fails_and_is_never_echoed(http, fake_provider):
    fake = fake_provider("open_ai", required_key=KEY)
    body = form_test(http, provider="open_ai", model="gpt-4o", base_url=fake.base_url,
                     api_key="sk-test-wrongkey0000000001").body
    assert body["ok"] is False and body["error"] and "wrongkey" not in json.dumps(body)


def test_where_the_list_proves_nothing_a_one_token_call_decides(http, fake_provider):
    fake = fake_provider("custom")  # an OpenAI-compatible server: its list may be partial
    body = form_test(http, provider="custom", model="unlisted-model", base_url=fake.base_url).body
    assert body["ok"] is True and body["model_found"] is None and body["checked"] == "one_token_call"
    sent = fake.last("chat").body
    assert sent["model"] == "unlisted-model" and sent.get("max_tokens", sent.get("max_completion_tokens")) == 1
    # The same server refusing the model: the call's outcome is the answer.
    fake.strict_models = True
    body = form_test(http, provider="custom", model="unlisted-model", base_url=fake.base_url).body
    assert body["ok"] is False and body["checked"] is None and body["error"]


def test_a_server_without_a_model_list_gets_the_one_token_call(http, fake_provider):
    fake = fake_provider("custom")
    fake.fail(404, "no such route", on="models")
    body = form_test(http, provider="custom", model="local-model", base_url=fake.base_url).body
    assert body["ok"] is True and body["checked"] == "one_token_call" and fake.count("chat") == 1


def test_an_empty_model_list_gets_the_one_token_call(http, fake_provider):
    fake = fake_provider("open_ai", models=[])
    body = form_test(http, provider="open_ai", model="gpt-4o", base_url=fake.base_url, api_key=KEY).body
    assert body["ok"] is True and body["checked"] == "one_token_call"


def test_unsaved_edits_are_tested_not_the_saved_profile(http, fake_provider):
    fake = fake_provider("open_ai", required_key=KEY)
    profile = http.create_profile(base_url=fake.base_url, api_key=KEY)
    # The stored key is used for the URL it is stored for; the model is the one typed, not the saved one.
    body = form_test(http, provider="open_ai", model="o3-mini", base_url=fake.base_url, profile_id=profile["id"]).body
    assert body["ok"] is True and body["model"] == "o3-mini" and body["model_found"] is True
    assert fake.last("models").headers["authorization"] == f"Bearer {KEY}"
    body = form_test(http, provider="open_ai", model="gpt-9", base_url=fake.base_url, profile_id=profile["id"]).body
    assert body["ok"] is False and body["model_found"] is False


def test_a_stored_key_never_goes_to_another_url(http, fake_provider):
    home, elsewhere = fake_provider("open_ai", required_key=KEY), fake_provider("open_ai")
    profile = http.create_profile(base_url=home.base_url, api_key=KEY)
    reply = form_test(http, provider="open_ai", model="gpt-4o", base_url=elsewhere.base_url, profile_id=profile["id"])
    assert reply.status == 400 and "api_key" in reply.body["fields"], reply.text
    assert elsewhere.count() == 0


def test_the_saved_profile_test_checks_the_model_too(http, fake_provider):
    fake = fake_provider("open_ai", required_key=KEY)
    profile = http.create_profile(base_url=fake.base_url, api_key=KEY, model="no-such-model-xyz")
    body = http.post(f"/api/llm/profiles/{profile['id']}/test").body
    assert body["ok"] is False and body["model_found"] is False and "no-such-model-xyz" in body["error"]


def test_bad_form_values_are_field_errors(tc):
    reply = form_test(tc, provider="nope", model="")
    assert reply.status == 400 and {"provider", "model"} <= set(reply.body["fields"])


def test_openrouter_lists_models_publicly_so_a_one_token_call_proves_the_key(http, fake_provider):
    fake = fake_provider("open_router", required_key="sk-or-v1-testkey0000000001")
    body = form_test(http, provider="open_router", model="openai/gpt-4o-mini", base_url=fake.base_url,
                     api_key="sk-or-v1-testkey0000000001").body
    assert body["ok"] is True and body["model_found"] is True and body["checked"] == "one_token_call"
    assert fake.count("chat") == 1
    body = form_test(http, provider="open_router", model="openai/gpt-4o-mini", base_url=fake.base_url,
                     api_key="sk-or-v1-wrongkey000000001").body
    assert body["ok"] is False and "wrongkey" not in json.dumps(body)
