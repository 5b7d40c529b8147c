"""The Usage tab in chromium, with and without JavaScript, at 1280 and 390 px; the chat pane's live cost."""

import pytest

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_usage_chart_is_visible_at_desktop_and_phone_width(game, new_page, javascript):
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"budget": {"monthly_usd": 1}})
    assert r.status_code == 200, r.text
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200
    for width in (1280, 390):
        page = new_page(game.base, javascript=javascript, width=width, height=900)
        page.goto(f"{game.base}/usage")
        for name in ("chart-cost", "chart-tokens"):
            svg = page.locator(f'[data-chart="{name}"] svg')
            assert svg.is_visible()
            box = svg.bounding_box()
            assert box["width"] >= min(300, width - 60) and box["height"] >= 120, (width, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
        today = page.locator('[data-chart="chart-cost"] rect.chart-bar').last
        assert today.bounding_box()["height"] > 5  # today's bar is drawn (the only day with a cost)
        assert page.locator('[data-budget="alpha"] meter').is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no horizontal scroll
        tick = page.locator('[data-chart="chart-cost"] text.chart-tick').first
        assert tick.bounding_box()["height"] >= 7  # labels stay readable when the chart scales down
        health = page.locator('[data-health="alpha"]')  # provider health: figures and a bar, no JS needed
        assert health.locator("[data-requests]").inner_text() == "1"
        bar = health.locator("svg.health-bars").bounding_box()
        assert bar["width"] >= min(280, width - 80) and bar["x"] + bar["width"] <= width, (width, bar)


def test_chat_pane_shows_each_reply_cost_and_the_session_total(game, new_page):
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200
    page = new_page(game.base)
    page.goto(f"{game.base}/roles?session={sid}")
    assert page.locator("[data-session-cost-value]").text_content() == "$0.0000975"
    page.select_option("#chat-role", "gm")
    page.fill("#chat-message", "Again")
    page.click("#chat-send")
    page.locator(".msg-ai").nth(1).locator("[data-part=cost]").wait_for()
    assert page.locator(".msg-ai").nth(1).locator("[data-part=cost]").text_content() == "$0.0000975"
    assert page.locator("[data-session-cost-value]").text_content() == "$0.000195"
    assert page.locator("[data-session-calls]").text_content() == "2"
