"""Keep secrets out of logs and error messages: redact auth headers, ?key= and known secret values."""

from webui.catalog import PROVIDERS
from webui.secret_shapes import MASK, mask_shapes, redact_url  # noqa: F401  (callers import them from here)

# Every header any supported provider reads a credential from (compared lower-case): the table's key
# headers, Azure's api-key and proxy credentials.
SECRET_HEADERS = frozenset({spec["key_header"][0].lower() for spec in PROVIDERS.values()} |
                           {"api-key", "proxy-authorization"})


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


def scrub(text, secrets=()):
    """Text with every occurrence of each secret (and ?key= values) replaced by ***."""
    text = redact_url(str(text))
    for secret in secrets:
        # Very short values would redact ordinary words; real credentials are long.
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def scrub_text(text, secrets=()):
    """scrub(), and every key-shaped token masked too (for text from anywhere: logs, trace content)."""
    return mask_shapes(scrub(text, secrets))
