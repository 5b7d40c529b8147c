"""Test connection (issue 16 item 9): the form as it stands, saved or not, says whether the model exists;
the outcome shows next to the button; with JavaScript and without."""

import pytest

pytestmark = pytest.mark.browser

STATUS = "[data-form-status]"


def _status_near_button(page):
    """The outcome paragraph sits next to the button (same actions row) and is visible."""
    return page.locator(".form-actions:has([data-test-connection]) " + STATUS)


@pytest.mark.parametrize("javascript", [False, True])
def test_unsaved_profile_and_unknown_model(live, new_page, fake_custom, fake_openai, provider_env, javascript):
    page = new_page(live.url, javascript=javascript)
    page.goto(f"{live.url}/profiles/new?provider=custom")
    page.fill("#f-name", "Not saved")
    page.fill("#f-custom-base_url", fake_custom.base_url)
    page.fill("#f-model", "unlisted-model")
    page.click("button:has-text('Test connection')")
    status = _status_near_button(page)
    status.filter(has_text="Connection").wait_for()
    assert "Connection OK: unlisted-model answered in" in status.text_content()
    assert "1-token" in status.text_content()
    assert fake_custom.last("chat").body["model"] == "unlisted-model"
    assert page.input_value("#f-name") == "Not saved"  # nothing was lost or saved
    assert live.app.extensions["triplo"].config.settings()[0].get("llm_profiles") in (None, [])

    # OpenAI lists every model: a missing one is named, without a chat call.
    page.goto(f"{live.url}/profiles/new?provider=open_ai")
    page.fill("#f-name", "OpenAI try")
    page.fill("#f-model", "no-such-model-xyz")
    page.fill("#f-open_ai-base_url", fake_openai.base_url)
    page.fill("input[name=api_key]:not(:disabled)", "sk-test-0000000000000000")
    page.click("button:has-text('Test connection')")
    status = _status_near_button(page)
    status.filter(has_text="Connection").wait_for()
    text = status.text_content()
    assert "Connection failed" in text and "no-such-model-xyz" in text
    assert fake_openai.count("chat") == 0


@pytest.mark.parametrize("javascript", [False, True])
def test_saved_profile_with_unsaved_edits(live, new_page, fake_custom, provider_env, javascript):
    page = new_page(live.url, javascript=javascript)
    page.goto(f"{live.url}/profiles/new?provider=custom")
    page.fill("#f-name", "Local")
    page.fill("#f-custom-base_url", fake_custom.base_url)
    page.fill("#f-model", "local-model")
    page.click("button:has-text('Create profile')")
    page.wait_for_url(lambda url: "/profiles/new" not in url)
    page.fill("#f-model", "qwen2.5-7b-instruct")  # typed, not saved
    page.click("button:has-text('Test connection')")
    status = _status_near_button(page)
    status.filter(has_text="Connection").wait_for()
    assert "Connection OK: qwen2.5-7b-instruct answered in" in status.text_content()
    assert "lists this model" in status.text_content()
    assert page.input_value("#f-model") == "qwen2.5-7b-instruct"
    saved = live.app.extensions["triplo"].config.settings()[0]["llm_profiles"][0]
    assert saved["model"] == "local-model"
