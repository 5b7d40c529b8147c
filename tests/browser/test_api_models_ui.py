"""The API & Models tab in headless chromium: the whole profile flow with JavaScript, and again without it."""

import os

import pytest

from . import OUTPUT, TIMEOUT_MS

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)
pytestmark = pytest.mark.browser


def order(live):
    """Profile names in stored order."""
    settings, _ = live.app.extensions["triplo"].config.settings()
    return [p["name"] for p in settings["llm_profiles"]]


def sidebar(page):
    return page.locator(".profile-item [data-part=name]").all_text_contents()


def saved_profile_page(page):
    page.wait_for_url(lambda url: "/profiles/" in url and "/new" not in url)


def create_with_models(page, live, provider, name, fill_connection):
    """New profile through the editor: connection inputs, the model list from the fake, Create."""
    page.goto(f"{live.url}/profiles/new?provider={provider}")
    page.fill("#f-name", name)
    fill_connection()
    page.click("[data-fetch-models]")
    status = page.locator("[data-models-status]")
    playwright.expect(status).to_contain_text("loaded", timeout=TIMEOUT_MS)
    models = page.eval_on_selector_all("#model-options option", "options => options.map(o => o.value)")
    page.fill("#f-model", models[-1])
    page.click("[data-save]")
    saved_profile_page(page)
    playwright.expect(page.locator(".flash-success").first).to_have_text(f"Profile “{name}” created.")
    return models


def two_providers_from_fakes(page, live, fake_custom, fake_ollama):
    """Create a custom and an Ollama profile, each with its model list from a fake on loopback."""
    fake_ollama.models = ["llama3.1:8b", "qwen2:7b"]
    models = create_with_models(page, live, "custom", "Local server", lambda: (
        page.fill("#f-custom-base_url", fake_custom.base_url),
        page.fill("#f-custom-api_key", "sk-local.secret.value.a1b2")))
    assert models == ["local-model", "qwen2.5-7b-instruct"]
    models = create_with_models(page, live, "ollama", "Ollama box", lambda: page.fill("#f-ollama-url", fake_ollama.url))
    assert models == ["llama3.1:8b", "qwen2:7b"]
    assert sidebar(page) == ["Local server", "Ollama box"]
    playwright.expect(page.locator("#header-active")).to_contain_text("Local server")  # the first one became active


def failing_fetch_and_provider_switch(page, live):
    """A failed model fetch says so (free text stays possible); the provider switch swaps the inputs."""
    expect = playwright.expect
    page.goto(f"{live.url}/profiles/new?provider=custom")
    page.fill("#f-custom-base_url", "http://127.0.0.1:9/v1")
    page.click("[data-fetch-models]")
    expect(page.locator("[data-models-status]")).to_contain_text("Could not load the model list")
    expect(page.locator("#f-model")).to_be_editable()
    page.select_option("#f-provider", "anthropic")
    expect(page.locator("#f-anthropic-api_key")).to_be_visible()
    expect(page.locator("#f-custom-base_url")).to_be_hidden()
    expect(page.locator("#f-presence_penalty")).to_be_disabled()


def duplicate_and_reorder(page, live):
    """Duplicate, then reorder by drag and by keyboard (focus stays on the arrow button)."""
    expect = playwright.expect
    page.click(".profile-item:has-text('Local server') a")
    page.click("button:has-text('Duplicate')")
    saved_profile_page(page)
    expect(page.locator("h1#editor-title")).to_have_text("Local server (copy)")
    assert order(live) == ["Local server", "Local server (copy)", "Ollama box"]

    source = page.locator(".profile-item", has_text="Ollama box")
    source.drag_to(page.locator(".profile-item").first, target_position={"x": 40, "y": 4})  # top half: before
    expect(page.locator("[data-reorder-status]")).to_contain_text("Moved Ollama box to position 1 of 3")
    assert sidebar(page) == ["Ollama box", "Local server", "Local server (copy)"] == order(live)

    page.focus("button[aria-label='Move Ollama box down']")
    page.keyboard.press("Enter")
    expect(page.locator("[data-reorder-status]")).to_contain_text("position 2 of 3")
    page.keyboard.press("Enter")
    expect(page.locator("[data-reorder-status]")).to_contain_text("position 3 of 3")
    assert sidebar(page) == ["Local server", "Local server (copy)", "Ollama box"]
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('.move-form button')")
    assert order(live) == ["Local server", "Local server (copy)", "Ollama box"]


def errors_then_set_active(page, live):
    """Inline errors (as you type and from the server), then Set as active changes the header without a reload."""
    expect = playwright.expect
    page.click(".profile-item:has-text('Ollama box') a")
    page.click("summary:has-text('Advanced options')")
    page.fill("#f-extra_params", '{"seed": ')
    expect(page.locator("#f-extra_params-error")).to_contain_text("not valid JSON")
    page.fill("#f-extra_params", '{"seed": 42}')
    expect(page.locator("#f-extra_params-error")).to_be_hidden()
    page.fill("#f-temperature", "5")
    page.click("[data-save]")
    expect(page.locator("#f-temperature-error")).to_have_text("Temperature must be between 0 and 2 for Ollama")
    expect(page.locator("#f-temperature")).to_have_value("5")
    expect(page.locator("#error-summary")).to_be_visible()

    page.fill("#f-temperature", "0.3")
    page.check("#f-set_active")
    page.click("[data-save]")
    expect(page.locator("[data-form-status]")).to_contain_text("Saved.")
    expect(page.locator("#header-active")).to_contain_text("Ollama box · Ollama · qwen2:7b")
    expect(page.locator(".profile-item:has-text('Ollama box') [data-part=active]")).to_be_visible()
    expect(page.locator(".profile-item:has-text('Local server (copy)') [data-part=active]")).to_be_hidden()
    settings, _ = live.app.extensions["triplo"].config.settings()
    active = next(p for p in settings["llm_profiles"] if p["id"] == settings["active_llm_profile"])
    assert (active["name"], active["temperature"], active["extra_params"]) == ("Ollama box", 0.3, {"seed": 42})

    page.click("button:has-text('Test connection')")
    expect(page.locator("[data-form-status]")).to_contain_text("Connection OK: qwen2:7b answered in")
    page.click("[data-fetch-models]")  # a saved profile with untouched inputs asks by its id
    expect(page.locator("[data-models-status]")).to_contain_text("2 models loaded")


def masked_key_update(page):
    """A stored key is shown masked; Update reveals an empty input; the save shows the new mask."""
    expect = playwright.expect
    page.click(".profile-item:has-text('Local server (copy)') a")
    secret = page.locator("[data-secret=api_key]:visible")
    expect(secret.locator(".secret-hint")).to_have_text("sk-…a1b2")
    expect(page.locator("#f-custom-api_key")).to_be_hidden()
    secret.locator("summary:has-text('Update')").click()
    expect(page.locator("#f-custom-api_key")).to_have_value("")
    page.fill("#f-custom-api_key", "sk-local.secret.value.z9z9")
    page.click("[data-save]")
    expect(secret.locator(".secret-hint")).to_have_text("sk-…z9z9")
    assert "sk-local.secret.value.z9z9" not in page.content()


def screenshots(page):
    """The API & Models tab at laptop and phone width, for people to look at."""
    os.makedirs(OUTPUT, exist_ok=True)
    page.click(".profile-item a:has-text('Local server') >> nth=0")
    page.wait_for_load_state()
    page.screenshot(path=os.path.join(OUTPUT, "api-models.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=os.path.join(OUTPUT, "api-models-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def delete_with_dialog(page, live):
    """Delete asks in a dialog when JS runs; Cancel keeps the profile."""
    expect = playwright.expect
    page.click(".profile-item a:has-text('Local server (copy)')")
    page.click("a:has-text('Delete')")
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("a:has-text('Cancel')").click()
    expect(dialog).to_be_hidden()
    page.click("a:has-text('Delete')")
    dialog.locator("button:has-text('Delete profile')").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.locator(".flash-success")).to_contain_text("Profile “Local server (copy)” deleted.")
    assert sidebar(page) == ["Local server", "Ollama box"] == order(live)


def test_profile_flow_with_javascript(live, new_page, login, fake_custom, fake_ollama, provider_env):
    page = new_page()
    login(page, live.url)
    playwright.expect(page.locator("h1")).to_have_text("Set up your first AI provider")
    two_providers_from_fakes(page, live, fake_custom, fake_ollama)
    failing_fetch_and_provider_switch(page, live)
    duplicate_and_reorder(page, live)
    errors_then_set_active(page, live)
    masked_key_update(page)
    screenshots(page)
    delete_with_dialog(page, live)


def test_create_and_activate_without_javascript(live, new_page, login, fake_custom, provider_env):
    expect = playwright.expect
    page = new_page(javascript=False)
    login(page, live.url)

    page.click("a.provider-card:has-text('OpenAI-compatible')")
    page.fill("#f-name", "First")
    page.fill("#f-custom-base_url", fake_custom.base_url)
    page.fill("#f-model", "local-model")
    page.click("button:has-text('Create profile')")
    saved_profile_page(page)
    expect(page.locator(".flash-success").first).to_contain_text("Profile “First” created.")

    # An error comes back inline with the input kept (a 400 page, not a redirect).
    page.goto(f"{live.url}/profiles/new?provider=custom")
    page.fill("#f-name", "Second")
    page.fill("#f-model", "qwen2.5-7b-instruct")
    page.click("button:has-text('Create profile')")
    expect(page.locator("#f-custom-base_url-error")).to_contain_text("Base URL is required")
    expect(page.locator("#f-model")).to_have_value("qwen2.5-7b-instruct")
    page.fill("#f-custom-base_url", fake_custom.base_url)
    page.click("button:has-text('Create profile')")
    saved_profile_page(page)
    expect(page.locator("#header-active")).to_contain_text("First")

    page.click("button:has-text('Activate')")
    expect(page.locator(".flash-success").first).to_contain_text("“Second” is now the active profile.")
    expect(page.locator("#header-active")).to_contain_text("Second · OpenAI-compatible · qwen2.5-7b-instruct")

    # "Update" opens the key input without JS (a <details>); the saved key comes back masked.
    page.fill("#f-custom-api_key", "sk-nojs.secret.value.k1k1")  # no key stored yet: the input is open
    page.click("button:has-text('Save')")
    expect(page.locator(".secret-hint:visible")).to_have_text("sk-…k1k1")
    expect(page.locator("#f-custom-api_key")).to_be_hidden()
    page.click("[data-secret=api_key]:visible summary:has-text('Update')")
    page.fill("#f-custom-api_key", "sk-nojs.secret.value.m2m2")
    page.click("button:has-text('Save')")
    expect(page.locator(".secret-hint:visible")).to_have_text("sk-…m2m2")

    # Reorder with the arrow buttons and delete through the confirmation page, still without JS.
    page.click("button[aria-label='Move Second up']")
    assert sidebar(page) == ["Second", "First"] == order(live)
    page.click(".profile-item a:has-text('First')")
    page.click("a:has-text('Delete')")
    expect(page.locator("h2")).to_contain_text("Delete “First”?")
    page.click("button:has-text('Delete profile')")
    expect(page.locator(".flash-success").first).to_contain_text("Profile “First” deleted.")
    assert order(live) == ["Second"]
