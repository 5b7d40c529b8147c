"""Keep secrets out of logs and error messages: redact auth headers, ?key= and known secret values."""

import re

from webui.catalog import PROVIDERS

# Every header any supported provider reads a credential from (compared lower-case): the table's key
# headers, Azure's api-key and proxy credentials.
SECRET_HEADERS = frozenset({spec["key_header"][0].lower() for spec in PROVIDERS.values()} |
                           {"api-key", "proxy-authorization"})

_KEY_PARAM = re.compile(r"([?&](?:key|api[-_]?key|access_token|token)=)[^&#\s]*", re.IGNORECASE)
_USERINFO = re.compile(r"(://)[^/@\s]+@")

MASK = "***"


def redact_headers(headers):
    """A copy of headers with credential values replaced (the auth scheme word is kept for debugging)."""
    out = {}
    for name, value in (headers or {}).items():
        if name.lower() in SECRET_HEADERS:
            scheme = str(value).split(" ", 1)[0] if " " in str(value) else ""
            out[name] = f"{scheme} {MASK}".strip()
        else:
            out[name] = value
    return out


def redact_url(url):
    """The URL with ?key=…-style query values and user:password@ removed."""
    return _USERINFO.sub(r"\1" + MASK + "@", _KEY_PARAM.sub(r"\1" + MASK, str(url)))


def scrub(text, secrets=()):
    """Text with every occurrence of each secret (and ?key= values) replaced by ***."""
    text = redact_url(str(text))
    for secret in secrets:
        # Very short values would redact ordinary words; real credentials are long.
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


# What provider keys look like (OpenAI/OpenRouter/Anthropic sk-…, Google AIza…), and bearer credentials: masked in
# text whose secrets are not known by value (log lines of any origin, trace content).
_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,})|(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}",
                         re.IGNORECASE)


def scrub_text(text, secrets=()):
    """scrub(), and every key-shaped token masked too (for text from anywhere: logs, trace content)."""
    return _KEY_SHAPES.sub(MASK, scrub(text, secrets))
