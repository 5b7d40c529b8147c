"""POST /credentials/<id>/remove without JavaScript: CSRF, refusals shown in the card, no secret in any answer."""

import html

import pytest

from tests.app_fixtures import BASIC

from .test_pages_html import Pages

OPENAI_KEY, GROQ_KEY = "sk-proj-storedkeys-0000a1b2", "gsk_storedkeys_0000c3d4"


@pytest.fixture
def pages(client, app):
    made = [{"id": "writer", "name": "Writer", "provider": "open_ai", "model": "gpt-4o", "api_key": OPENAI_KEY},
            {"id": "fast", "name": "Fast", "provider": "custom", "credential_id": "groq", "model": "llama",
             "base_url": "https://api.groq.com/openai/v1", "api_key": GROQ_KEY}]
    for payload in made:
        r = client.post("/api/llm/profiles?restart=false", headers=BASIC, json=payload)
        assert r.status_code == 201, r.get_data(as_text=True)
    return Pages(client, app)


def card(response):
    page = html.unescape(response.get_data(as_text=True))
    assert OPENAI_KEY not in page and GROQ_KEY not in page
    return page[page.index('id="stored-keys"'):]


def test_remove_without_csrf_is_refused(pages):
    assert pages.post("/credentials/groq/remove", csrf=False).status_code == 403
    assert "groq" in pages.settings()["provider_credentials"]


def test_remove_redirects_to_the_card_with_the_outcome(pages):
    response = pages.post("/credentials/groq/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("/#stored-keys")
    shown = card(pages.get("/"))
    assert "The stored Groq key was removed. “Fast” needs a key now" in shown
    assert 'data-credential="groq"' not in shown
    assert "api_key" not in pages.settings()["provider_credentials"].get("groq", {})


def test_the_active_profiles_key_stays_and_the_card_says_why(pages):
    assert pages.post("/credentials/open_ai/remove").status_code == 302
    shown = card(pages.get("/"))
    assert "The OpenAI key was not removed: the active profile “Writer” needs it." in shown
    assert 'data-credential="open_ai"' in shown


def test_an_unknown_credential_is_named(pages):
    assert pages.post("/credentials/nope/remove").status_code == 302
    assert "No stored key for 'nope'." in card(pages.get("/"))
