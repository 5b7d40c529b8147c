"""The Access tab's base URL (WEBUI_PUBLIC_URL, else the address the request came to) and example model, as HTML."""

import html

import pytest

from tests.app_fixtures import BASIC


def access_page(client, **kwargs):
    response = client.get("/access", headers=BASIC, **kwargs)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_base_url_is_the_address_the_browser_used(client):
    page = access_page(client, base_url="http://gateway.lan:9000")
    assert "curl http://gateway.lan:9000/v1/chat/completions" in page
    assert 'OpenAI(base_url="http://gateway.lan:9000/v1", api_key="YOUR_TOKEN")' in page
    assert 'anthropic.Anthropic(base_url="http://gateway.lan:9000", api_key="YOUR_TOKEN")' in page


def test_a_mount_prefix_is_kept(client):
    page = access_page(client, base_url="https://example.org/triplo/")
    assert 'base_url="https://example.org/triplo/v1"' in page


@pytest.mark.parametrize("app", [{"WEBUI_PUBLIC_URL": "https://llm.example.org/"}], indirect=True)
def test_a_configured_public_url_wins(client):
    page = access_page(client, base_url="http://127.0.0.1:8080")
    assert 'data-base-url>https://llm.example.org</code>' in page
    assert 'OpenAI(base_url="https://llm.example.org/v1"' in page and "127.0.0.1:8080" not in page


@pytest.mark.parametrize("app", [{"WEBUI_PUBLIC_URL": "llm.example.org"}], indirect=True)
def test_a_public_url_without_a_scheme_is_ignored(client):
    page = access_page(client, base_url="http://gateway.lan:9000")
    assert 'data-base-url>http://gateway.lan:9000</code>' in page


def test_without_profiles_the_model_is_a_placeholder(client):
    page = access_page(client)
    assert '"model": "PROFILE_ID"' in page and "is the active profile" not in page


def test_the_model_is_the_active_profiles_id(client):
    made = [{"id": pid, "name": pid.title(), "provider_type": "openai", "model": "gpt-4o", "api_key": "sk-example-0000"}
            for pid in ("helper", "writer")]
    r = client.post("/api/v1/profiles?restart=false", headers=BASIC,
                    json={"default_profile_id": "writer", "llm_profiles": made})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = access_page(client)
    assert 'model="writer"' in page and '"model": "writer"' in page and "writer</code> is the active profile" in page
