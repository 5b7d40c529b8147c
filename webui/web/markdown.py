"""A model's reply as safe HTML: Markdown with raw HTML escaped, only http(s)/mailto links, no remote images."""

import functools
import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# Longer replies are shown as plain text: parsing a megabyte of Markdown on every page view is not worth it.
MAX_RENDERED = 100_000
LINK_REL = "noopener noreferrer nofollow"
SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# A reply's headings sit under the page's own h2/h3: h1 -> h4, h2 -> h5, the rest h6 (one outline for the page).
HEADING_TAGS = {"h1": "h4", "h2": "h5"}
LANGUAGE = re.compile(r"^[\w+#.-]{1,32}$")  # a fence's language as a class name; anything odder is dropped


def _validate_link(url):
    """Links and images only to http, https and mailto (no javascript:, data:, file: or relative URLs)."""
    return bool(SAFE_LINK.match(url.strip()))


def _link_open(renderer, tokens, idx, options, env):
    tokens[idx].attrSet("rel", LINK_REL)
    tokens[idx].attrSet("target", "_blank")
    return renderer.renderToken(tokens, idx, options, env)


def _image(renderer, tokens, idx, options, env):
    """An image becomes a link to it: loading a URL the model chose could leak the conversation (exfiltration)."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env).strip()
    label = f"Image: {alt}" if alt else "Image"
    return (f'<a class="md-image" href="{escape(token.attrGet("src") or "")}" rel="{LINK_REL}" target="_blank">'
            f"{escape(label)}</a>")


def _code(content, info=""):
    """A code block (copied whole by copy-code.js); the <pre> takes focus so a wide one scrolls by keyboard."""
    words = (info or "").split(maxsplit=1)
    language = words[0] if words and LANGUAGE.match(words[0]) else ""
    cls = f' class="language-{escape(language)}"' if language else ""
    label = f'<span class="code-lang">{escape(language)}</span>' if language else ""
    return (f'<div class="code-block" data-copyable><div class="code-head">{label}</div>'
            f'<pre tabindex="0"><code{cls}>{escape(content)}</code></pre></div>\n')


def _cell_open(renderer, tokens, idx, options, env):
    """A column's alignment as a class: the page's CSP allows no inline style attribute."""
    token = tokens[idx]
    align = re.fullmatch(r"text-align:(left|center|right)", token.attrGet("style") or "")
    if token.attrs.pop("style", None) and align:
        token.attrSet("class", f"md-{align.group(1)}")
    return renderer.renderToken(tokens, idx, options, env)


def _table_open(renderer, tokens, idx, options, env):
    return '<div class="md-table" tabindex="0">' + renderer.renderToken(tokens, idx, options, env)


def _table_close(renderer, tokens, idx, options, env):
    return renderer.renderToken(tokens, idx, options, env) + "</div>"


def _parser():
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
    md.validateLink = _validate_link
    rules = md.add_render_rule
    rules("link_open", _link_open)
    rules("image", _image)
    rules("fence", lambda r, tokens, idx, o, e: _code(tokens[idx].content, tokens[idx].info))
    rules("code_block", lambda r, tokens, idx, o, e: _code(tokens[idx].content))
    rules("table_open", _table_open)
    rules("table_close", _table_close)
    rules("th_open", _cell_open)
    rules("td_open", _cell_open)
    return md


PARSER = _parser()


@functools.lru_cache(maxsize=512)  # a session page shows the same replies on every view
def render(text):
    """The reply as HTML safe to put in a page (Markup); an over-long one as escaped plain text."""
    if not text:
        return Markup("")
    if len(text) > MAX_RENDERED:
        return Markup('<p class="md-plain">') + escape(text) + Markup("</p>")
    tokens = PARSER.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = HEADING_TAGS.get(token.tag, "h6")
    # No trailing newline: a one-paragraph reply's text reads exactly as the model sent it.
    return Markup(PARSER.renderer.render(tokens, PARSER.options, {}).rstrip("\n"))
