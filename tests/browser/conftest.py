"""Browser fixtures, defined once: Debian's chromium through Playwright, pages that fail on JS errors, form login."""

import pytest

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER
from tests.loopback import free_port

from . import TIMEOUT_MS

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)


def chromium_args():
    """Headless flags; a closed loopback proxy for anything not on loopback (chromium bypasses it for loopback)."""
    return ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", f"--proxy-server=http://127.0.0.1:{free_port()}"]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (never downloaded), shared by one module's tests."""
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args(), timeout=30_000)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh contexts, with a bounded wait for everything; JS errors fail the test.

    new_page(base) also logs in at `base` through the form first.
    """
    contexts, errors = [], []

    def make(base=None, javascript=True, width=1280, height=900):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if base is not None:
            browser_login(page, base)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


def browser_login(page, base):
    """Log in through the login form and wait for the index page."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def login():
    """The form login for a page: login(page, base_url)."""
    return browser_login
