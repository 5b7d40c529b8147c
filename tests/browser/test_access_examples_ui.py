"""The Access tab's gateway base URL and example calls (issue 25): shown next to the tokens, copied with one click,
and each one runs as shown (curl, Python openai, Python anthropic) against the live gateway with a real token."""

import os
import subprocess
import sys

import pytest

from . import OUTPUT
from .axe_check import axe_problems
from .conftest import browser_login

from ..integration.chat_helpers import KEY_A, game  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PLACEHOLDER = "YOUR_TOKEN"


def examples(page):
    """{curl|openai|anthropic: the example's text as the page shows it}."""
    return {name: page.locator(f"[data-example={name}] code").text_content()
            for name in ("curl", "openai", "anthropic")}


def no_proxy_env():
    """The environment for a snippet: loopback straight, never through a proxy from the environment."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


@pytest.mark.parametrize("width", [1280, 390])
def test_base_url_and_examples_next_to_the_tokens(game, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    browser_login(page, game.base)
    page.goto(f"{game.base}/access")
    assert page.locator("[data-base-url]").text_content() == game.base
    shown = examples(page)
    assert f"curl {game.base}/v1/chat/completions" in shown["curl"] and '"model": "alpha"' in shown["curl"]
    assert f'OpenAI(base_url="{game.base}/v1", api_key="{PLACEHOLDER}")' in shown["openai"]
    assert 'model="alpha"' in shown["openai"]
    assert f'anthropic.Anthropic(base_url="{game.base}", api_key="{PLACEHOLDER}")' in shown["anthropic"]
    assert "(alpha is the active profile)" in page.locator("#gateway").text_content()
    # Next to the tokens: the card right after the API tokens card.
    assert page.evaluate("() => document.getElementById('tokens-title').closest('.card').nextElementSibling.id") == \
        "gateway"
    for name, label in (("curl", "curl"), ("openai", "Python openai"), ("anthropic", "Python anthropic")):
        button = page.locator(f"[data-example={name}] button[data-copy-code]")
        assert button.get_attribute("aria-label") == f"Copy the {label} example"
        button.click()
        assert page.evaluate("() => navigator.clipboard.readText()") == shown[name]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # long lines scroll inside their box
    assert KEY_A not in page.content()
    page.screenshot(path=str(OUTPUT / f"access-examples-{width}.png"), full_page=True)
    context.close()


def test_without_javascript_the_examples_are_plain_text(game, new_page):
    page = new_page(game.base, javascript=False, width=390)
    page.goto(f"{game.base}/access")
    shown = examples(page)
    assert f"{game.base}/v1/chat/completions" in shown["curl"]
    assert page.locator("button[data-copy-code]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_each_example_runs_as_shown_with_a_new_token(game, new_page):
    game.fakes.a.reply = "Hello from the gateway"
    page = new_page(game.base)
    page.goto(f"{game.base}/access")
    page.fill("#f-token_name", "examples")
    page.select_option("#f-token_scope", "chat")
    page.click("button:has-text('Create token')")
    token = page.locator("[data-token-once]").text_content().strip()
    shown = examples(page)
    assert all(PLACEHOLDER in text and token not in text for text in shown.values())  # never the real token
    runs = {
        "curl": ["bash", "-c", shown["curl"].replace(PLACEHOLDER, token)],
        "openai": [sys.executable, "-c", shown["openai"].replace(PLACEHOLDER, token)],
        "anthropic": [sys.executable, "-c", shown["anthropic"].replace(PLACEHOLDER, token)],
    }
    for name, command in runs.items():
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=no_proxy_env())
        assert done.returncode == 0, (name, done.stderr[-2000:])
        assert "Hello from the gateway" in done.stdout, (name, done.stdout[-2000:])
    assert len(game.fakes.a.requests) >= 3  # each went through to the active profile's provider


def test_axe_on_the_access_tab_with_a_new_token(game, browser):
    def prepare(page):
        page.fill("#f-token_name", "axe")
        page.click("button:has-text('Create token')")
        page.locator("[data-example=curl] button[data-copy-code]").wait_for()

    assert axe_problems(browser, game.base, "/access", prepare) == {}
