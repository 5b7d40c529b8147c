"""Replies as Markdown (webui/web/markdown.py): formatting kept, every way to run or load something refused."""

import re

import pytest

from webui.web.markdown import LINK_REL, MAX_RENDERED, render


def test_common_markdown_is_rendered():
    html = str(render("**bold** and _it_ and `x = 1`\n\n- one\n- two\n\n1. first\n\n> quoted\n\nline\nbreak"))
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>x = 1</code>" in html
    assert "<ul>" in html and "<ol>" in html and "<blockquote>" in html
    assert "line<br />\nbreak" in html  # a model's single line breaks stay line breaks


def test_headings_sit_below_the_pages_own():
    html = str(render("# One\n## Two\n### Three"))
    assert "<h4>One</h4>" in html and "<h5>Two</h5>" in html and "<h6>Three</h6>" in html
    assert not re.search(r"<h[123]", html)


@pytest.mark.parametrize("text, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "<img"),
    ("hi <b onmouseover=alert(1)>there</b>", "<b "),
    ("<iframe src=https://evil.example></iframe>", "<iframe"),
    ("<svg onload=alert(1)>", "<svg"),
    ("[click](javascript:alert(1))", "href"),
    ("[click](JaVaScRiPt:alert(1))", "href"),
    ("[click](javascript&#58;alert(1))", "href"),
    ("[click](data:text/html;base64,PHNjcmlwdD4=)", "href"),
    ("[click](vbscript:msgbox)", "href"),
    ("[click](file:///etc/passwd)", "href"),
    ("[click](/profiles/alpha/delete)", "href"),  # no relative links into the web UI itself
    ("<javascript:alert(1)>", "href"),
    ("![x](javascript:alert(1))", "href"),
])
def test_nothing_from_the_model_runs_or_loads(text, forbidden):
    html = str(render(text))
    assert forbidden not in html
    assert not re.search(r"<(?!/?(p|br)\b)", html)  # only a paragraph of escaped text: no tag, no attribute


def test_raw_html_is_shown_as_text():
    assert str(render("<script>alert(1)</script>")) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_links_are_http_https_or_mailto_with_rel():
    html = str(render("[site](https://example.org/a?b=1&c=2) <http://example.org> <me@example.org>"))
    assert html.count(f'rel="{LINK_REL}"') == 3
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html and 'href="mailto:me@example.org"' in html


def test_an_image_becomes_a_link_that_loads_nothing():
    html = str(render('![a "map"](https://example.org/map.png)'))
    assert "<img" not in html
    assert f'<a class="md-image" href="https://example.org/map.png" rel="{LINK_REL}" target="_blank">' in html
    assert "Image: a &#34;map&#34;" in html


def test_code_blocks_keep_html_as_text_and_name_their_language():
    html = str(render('```html\n<script>alert("x")</script>\n```\n\n    indented <b>code</b>\n'))
    assert "<script" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.count("data-copyable") == 2
    assert '<span class="code-lang">html</span>' in html and 'class="language-html"' in html


def test_an_odd_fence_language_is_dropped():
    html = str(render('```x" onmouseover="alert(1)\ncode\n```'))
    assert "onmouseover" not in html and "language-" not in html


def test_tables_carry_no_inline_style():
    html = str(render("| a | b |\n|:-:|--:|\n| 1 | 2 |"))
    assert "style=" not in html  # the page's CSP allows none
    assert '<th class="md-center">a</th>' in html and '<td class="md-right">2</td>' in html


def test_an_overlong_reply_is_plain_escaped_text():
    text = "<b>x</b> " * (MAX_RENDERED // 8)
    html = str(render(text))
    assert html.startswith('<p class="md-plain">') and "<b>" not in html and "&lt;b&gt;" in html
