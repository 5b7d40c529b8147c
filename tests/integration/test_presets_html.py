"""Vendor presets of the OpenAI-compatible provider in the API & Models pages, without JavaScript."""

import html
import re

from tests.app_fixtures import login, page_csrf


def _logged_in(client):
    assert login(client).status_code == 302
    return page_csrf(client)


def _value(page, field_id):
    match = re.search(rf'id="{field_id}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'value="([^"]*)"[^>]*id="{field_id}"', page)
    return html.unescape(match.group(1)) if match else None


def test_picker_lists_presets_as_links(client):
    _logged_in(client)
    page = client.get("/profiles/new").get_data(as_text=True)
    for name in ("Groq", "Mistral", "DeepSeek", "Together AI", "xAI", "Fireworks AI", "LM Studio", "vLLM",
                 "llama.cpp server"):
        assert f">{name}</span>" in page, name
    assert 'href="/profiles/new?provider=custom&amp;preset=groq"' in page


def test_preset_link_fills_the_new_profile(client):
    _logged_in(client)
    page = client.get("/profiles/new?provider=custom&preset=groq").get_data(as_text=True)
    assert _value(page, "f-custom-base_url") == "https://api.groq.com/openai/v1"
    assert _value(page, "f-api_key_ref") == "GROQ_API_KEY" and _value(page, "f-credential_id") == "groq"
    assert _value(page, "f-name") == "Groq" and _value(page, "f-model") == "llama-3.3-70b-versatile"
    assert re.search(r'<option value="groq"[^>]*selected', page)


def test_fill_in_button_without_js_then_save(client, app):
    csrf = _logged_in(client)
    form = {"csrf_token": csrf, "name": "", "provider": "custom", "model": "", "base_url": "", "preset": "mistral",
            "preset_op": "apply"}
    r = client.post("/profiles", data=form)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and _value(page, "f-custom-base_url") == "https://api.mistral.ai/v1"
    assert _value(page, "f-api_key_ref") == "MISTRAL_API_KEY" and _value(page, "f-name") == "Mistral"
    assert not app.extensions["triplo"].config.settings()[0].get("llm_profiles")  # nothing saved yet
    form.update(name="Mistral", model="mistral-small-latest", base_url="https://api.mistral.ai/v1",
                api_key_ref="MISTRAL_API_KEY", credential_id="mistral")
    del form["preset_op"]
    assert client.post("/profiles", data=form).status_code == 302
    saved = app.extensions["triplo"].config.settings()[0]["llm_profiles"][0]
    assert (saved["provider"], saved["base_url"], saved["api_key_ref"]) == (
        "custom", "https://api.mistral.ai/v1", "MISTRAL_API_KEY")


def test_catalog_api_carries_presets(client):
    _logged_in(client)
    rows = client.get("/api/llm/providers").get_json()
    rows = rows.get("providers", rows) if isinstance(rows, dict) else rows
    custom = next(p for p in rows if p["id"] == "custom")
    assert {p["id"] for p in custom["presets"]} >= {"groq", "mistral", "deepseek", "together", "xai", "fireworks",
                                                      "lm_studio", "vllm", "llama_cpp"}
    assert all("presets" not in p for p in rows if p["id"] != "custom")
