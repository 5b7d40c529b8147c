"""The Usage tab and the cost fields without JavaScript: the SVG chart, tables, budgets, the chat pane's cost."""

import re

import pytest

from tests.app_fixtures import login

from .chat_helpers import chat, game, new_session  # noqa: F401 (fixture)
from .test_pages_html import Pages, field_error, input_value, text


@pytest.fixture
def pages(client, app):
    return Pages(client, app)


def test_usage_page_empty_has_chart_tables_and_no_budgets(pages):
    page = text(pages.get("/usage"))
    assert '<a href="/usage" aria-current="page">Usage</a>' in page
    assert page.count("<svg viewBox=") == 2 and "No calls yet" in page
    assert 'id="usage-by-profile"' in page and 'id="usage-by-role"' in page
    assert "No profile has a monthly budget" in page
    assert "<script" not in page.split("<main")[1]  # nothing on this tab needs JavaScript


def test_cost_fields_save_and_show_errors_without_js(pages):
    pid = pages.create("Priced", model="my-fine-tune", pricing_input="1.5", pricing_output="6",
                       budget_monthly="20")
    profile = next(p for p in pages.settings()["llm_profiles"] if p["id"] == pid)
    assert profile["pricing"] == {"input_per_mtok": 1.5, "output_per_mtok": 6}
    assert profile["budget"] == {"monthly_usd": 20}
    page = text(pages.get(f"/profiles/{pid}"))
    assert input_value(page, "f-pricing_input") == "1.5" and input_value(page, "f-budget_monthly") == "20"
    response = pages.post(f"/profiles/{pid}", {"name": "Priced", "provider": "open_ai", "model": "my-fine-tune",
                                               "pricing_input": "-1", "pricing_output": "", "budget_monthly": "lots"})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-pricing_input") == "Input price must be between 0 and 100000"
    assert field_error(page, "f-budget_monthly") == "Monthly budget must be a number of US dollars"
    cleared = pages.post(f"/profiles/{pid}", {"name": "Priced", "provider": "open_ai", "model": "my-fine-tune",
                                              "pricing_input": "", "pricing_output": "", "budget_monthly": ""})
    assert cleared.status_code == 302
    profile = next(p for p in pages.settings()["llm_profiles"] if p["id"] == pid)
    assert profile["pricing"] is None and profile["budget"] is None


def test_usage_page_and_chat_pane_after_calls(game):
    from tests.app_fixtures import http_session

    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"budget": {"monthly_usd": 1}})
    assert r.status_code == 200, r.text
    sid = new_session(game)
    for _ in range(2):
        assert chat(game, sid, "gm", "Hello").status_code == 200
    assert chat(game, sid, "npc", "Hello").status_code == 200
    browser = http_session(game.base)
    assert login(browser, game.base).status_code == 200
    page = browser.get(f"{game.base}/usage").text
    bars = re.findall(r'<rect class="chart-bar"[^>]*height="([\d.]+)"', page)
    assert len(bars) == 60 and sum(float(h) > 0 for h in bars) == 2  # 30 days x (cost, tokens), today drawn
    assert '<tr data-key="alpha"><th scope="row">Alpha</th><td class="num">2</td>' in page
    assert '<tr data-key="gm"><th scope="row">Game Master</th>' in page
    assert re.search(r'<li class="budget" data-budget="alpha">.*?<meter min="0" max="1.0" value="0.000195"', page,
                     re.S)
    assert "$0.000195 of $1.00" in page
    chat_page = browser.get(f"{game.base}/roles?session={sid}").text
    assert chat_page.count('<span data-part="cost">$0.0000975</span>') == 2
    assert '<span data-part="cost">$0.00</span>' in chat_page  # the local profile: free
    assert re.search(r'data-session-cost="0.000195">Session cost: <strong data-session-cost-value>\$0.000195</strong>'
                     r' over <span data-session-calls>3</span>', chat_page)
