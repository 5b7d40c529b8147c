"""Vendor presets in the editor with JavaScript: picking one fills the connection at once, switching from the
OpenAI provider included."""

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)

pytestmark = pytest.mark.browser


def test_preset_select_fills_the_form(live, new_page):
    page = new_page(live.url)
    page.goto(f"{live.url}/profiles/new?provider=open_ai")
    page.select_option("#f-provider", "custom")
    playwright.expect(page.locator("[data-preset-apply]")).to_be_hidden()  # JS fills on change instead
    page.select_option("#f-preset", "deepseek")
    playwright.expect(page.locator("#f-custom-base_url")).to_have_value("https://api.deepseek.com/v1")
    assert page.input_value("#f-api_key_ref") == "DEEPSEEK_API_KEY"
    assert page.input_value("#f-credential_id") == "deepseek"
    assert page.input_value("#f-model") == "deepseek-chat"
    page.select_option("#f-preset", "vllm")  # the example model and name follow; the key variable is cleared
    playwright.expect(page.locator("#f-custom-base_url")).to_have_value("http://localhost:8000/v1")
    assert page.input_value("#f-api_key_ref") == "" and page.input_value("#f-model") == ""
