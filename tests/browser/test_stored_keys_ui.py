"""The stored keys card on API & Models (issue 25 item 18): every stored key by provider name, masked, where it may
be sent and who uses it; Remove asks first and names the profiles that will need a key; with and without JS."""

import pytest

from . import OUTPUT
from .axe_check import axe_problems
from .conftest import browser_login

from ..integration.chat_helpers import KEY_A, KEY_C, game  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

GROQ_KEY = "gsk_planted_groq_key_0000wxyz"


@pytest.fixture
def keys(game):
    """The game's stored OpenAI key (Alpha, active) plus a Groq key set used by a profile "Fast"."""
    r = game.http.post(f"{game.base}/api/llm/profiles?restart=false", json={
        "id": "fast", "name": "Fast", "provider": "custom", "credential_id": "groq", "model": "llama-3",
        "base_url": game.fakes.b.base_url, "api_key": GROQ_KEY})
    assert r.status_code == 201, r.text
    return game


def card_item(page, credential_id):
    return page.locator(f"#stored-keys [data-credential='{credential_id}']")


@pytest.mark.parametrize("width", [1280, 390])
def test_each_stored_key_by_provider_masked_with_urls_and_profiles(keys, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    browser_login(page, keys.base)
    page.goto(f"{keys.base}/")
    card = page.locator("#stored-keys")
    assert "open_ai" not in card.inner_text()  # the provider by the name people know
    openai = card_item(page, "open_ai")
    assert openai.locator("h3").inner_text() == "OpenAI"
    assert openai.locator("[data-hint]").inner_text().endswith(KEY_A[-4:])
    assert keys.fakes.a.base_url.lower().rstrip("/") in openai.locator("[data-urls]").inner_text()
    assert openai.locator("[data-users]").inner_text() == "Alpha"
    groq = card_item(page, "groq")
    assert groq.locator("h3").inner_text() == "Groq"
    assert groq.locator("[data-hint]").inner_text().endswith(GROQ_KEY[-4:])
    assert keys.fakes.b.base_url.lower().rstrip("/") in groq.locator("[data-urls]").inner_text()
    assert groq.locator("[data-users] a").inner_text() == "Fast"
    with page.expect_navigation():  # a profile in the list opens in the editor
        groq.locator("[data-users] a").click()
    assert page.url.endswith("/profiles/fast#editor")
    page.goto(f"{keys.base}/")
    page.keyboard.press("Tab")  # the skip links: content, the editor, then the stored keys
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the stored keys"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "stored-keys"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(OUTPUT / f"stored-keys-{width}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_remove_asks_first_names_the_profiles_and_forgets_the_key(keys, new_page, javascript):
    page = new_page(keys.base, javascript=javascript, width=390)
    page.goto(f"{keys.base}/")
    groq = card_item(page, "groq")
    button = groq.locator("button", has_text="Remove the Groq key")
    assert not button.is_visible()  # nothing is removed in one click
    groq.locator("summary").click()
    assert groq.locator("[data-confirm-text]").inner_text().startswith(
        "“Fast” uses this key and will need another")
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("/#stored-keys")
    outcome = page.locator("#stored-keys [data-outcome]").inner_text()
    assert outcome.startswith("The stored Groq key was removed. “Fast” needs a key now")
    assert card_item(page, "groq").count() == 0
    stored = keys.http.get(f"{keys.base}/api/llm/credentials").json()
    assert "groq" not in stored.get("credentials", stored)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_active_profiles_key_cannot_be_removed(keys, new_page, javascript):
    page = new_page(keys.base, javascript=javascript)
    page.goto(f"{keys.base}/")
    openai = card_item(page, "open_ai")
    openai.locator("summary").click()
    assert openai.locator("[data-confirm-text]").inner_text().startswith(
        "“Alpha” is the active profile and needs this key: make another profile active first")
    assert openai.locator("button", has_text="Remove the OpenAI key").count() == 0


def test_no_page_shows_a_stored_key(keys, new_page):
    page = new_page(keys.base)
    for path in ("/", "/profiles/alpha", "/profiles/fast", "/access", "/roles", "/usage", "/preferences"):
        page.goto(f"{keys.base}{path}")
        html = page.content()
        assert KEY_A not in html and GROQ_KEY not in html and KEY_C not in html, path


def test_axe_on_the_stored_keys_card(keys, browser):
    def prepare(page):  # both confirmation steps open: the one that removes and the one that cannot
        card_item(page, "groq").locator("summary").click()
        card_item(page, "open_ai").locator("summary").click()

    assert axe_problems(browser, keys.base, "/", prepare) == {}
