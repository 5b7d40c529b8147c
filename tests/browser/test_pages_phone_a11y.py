"""Every page at phone and desktop width (no horizontal scroll at 390 px), screenshots kept as artifacts,
and axe-core on every page (no serious or critical violations)."""

import pathlib

import pytest

from tests.app_fixtures import ADMIN_USER

from . import TIMEOUT_MS
from .conftest import browser_login

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `npm install` (package.json, test-only)
PAGES = {  # name: path ("{sid}" is a session with a few messages)
    "api-models": "/", "profile-editor": "/profiles/alpha", "new-profile": "/profiles/new",
    "delete-profile": "/profiles/beta/delete", "roles-chat": "/roles?session={sid}",
    "role-editor": "/roles?session={sid}&role_edit=new", "roles-compare": "/roles?session={sid}&compare=5", "preferences": "/preferences", "voice": "/voice",
    "display": "/display", "local-llm": "/local-llm", "access": "/access", "usage": "/usage",
}


def logged_in(browser, base, width, javascript=True, bypass_csp=False):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript,
                                  bypass_csp=bypass_csp)  # axe is injected as an inline script
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    browser_login(page, base)
    return context, page


def _session_with_messages(game):
    sid = new_session(game)
    for text in ("Hello there", "Tell me a long story about the road to the mountain pass"):
        assert chat(game, sid, "gm", text).status_code == 200
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare",  # turn 5: three replies side by side
                       json={"character_id": "gm", "llm_profile_ids": ["alpha", "beta", "gamma"], "message": "Now?"})
    assert r.status_code == 200 and r.json()["position"] == 5, r.text
    return sid


@pytest.mark.parametrize("javascript", [True, False])
def test_no_horizontal_scroll_at_390_and_screenshots(game, browser, javascript):
    sid = _session_with_messages(game)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for width in (390, 1280):
        context, page = logged_in(browser, game.base, width, javascript)
        try:
            for name, path in PAGES.items():
                page.goto(game.base + path.format(sid=sid))
                if width == 390:
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > 390:
                        too_wide[name] = scroll
                if javascript:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()
    assert too_wide == {}


def test_login_page_at_390_keeps_the_username(game, browser):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{game.base}/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#username", ADMIN_USER)
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong username or password." in page.text_content("[role=alert]")
    assert page.input_value("#username") == ADMIN_USER
    assert page.input_value("#password") == ""
    context.close()


def test_axe_core_on_every_page(game, browser):
    assert AXE.exists(), "run `npm install` in the repository root (axe-core is a test-only dev dependency)"
    sid = _session_with_messages(game)
    context, page = logged_in(browser, game.base, 1280, bypass_csp=True)
    problems = {}
    try:
        for name, path in dict(PAGES, login="/login").items():
            if name == "login":
                context.close()
                context = browser.new_context(bypass_csp=True)
                page = context.new_page()
            page.goto(game.base + path.format(sid=sid))
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => (await axe.run(document)).violations"
                                   ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                                   ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
            if result:
                problems[name] = result
    finally:
        context.close()
    assert problems == {}


def test_favicon_is_served(game):
    r = game.http.get(f"{game.base}/favicon.ico")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/")
