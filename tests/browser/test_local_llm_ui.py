"""The Local LLM tab in headless chromium: sync key regenerate and model refresh without a reload."""

import re

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)
pytestmark = pytest.mark.browser


def test_regenerate_key_and_refresh_models(live, new_page, login, fake_ollama, provider_env):
    expect = playwright.expect
    page = new_page()
    login(page, live.url)
    page.goto(f"{live.url}/local-llm")
    config = live.app.extensions["triplo"].config

    page.click("summary:has-text('Regenerate…')")  # a confirmation step first (issue 16)
    page.click("button:has-text('Regenerate the key')")
    expect(page.locator("[data-llm-key-form] [data-form-status]")).to_contain_text("New key saved.")
    key = config.settings()[0]["llm_key"]
    assert re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", key)
    expect(page.locator("[data-llm-key-hint]")).to_have_text(f"…{key[-4:]}")
    expect(page.locator("[data-key-full]")).to_have_text(key)  # shown in full once, to copy (issue 16)
    expect(page.locator("[data-key-once] button:has-text('Copy')")).to_be_visible()
    page.reload()
    assert key not in page.content()  # after that only the mask, like every secret

    fake_ollama.models = ["llama3.1:8b", "qwen2:7b"]
    page.fill("#f-local-url", fake_ollama.url)
    page.click("button:has-text('Refresh models')")
    expect(page.locator("[data-local-models-form] [data-form-status]")).to_contain_text("Found 2 models.")
    expect(page.locator("[data-models-list] .chip")).to_have_text(["llama3.1:8b", "qwen2:7b"])
    assert config.settings()[0]["ollama_models"] == ["llama3.1:8b", "qwen2:7b"]

    page.fill("#f-local-url", "http://127.0.0.1:9")
    page.click("button:has-text('Refresh models')")
    expect(page.locator("#f-local-url-error")).to_contain_text("cannot be reached")
    assert page.url == f"{live.url}/local-llm"
