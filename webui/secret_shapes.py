"""Ground: what secrets look like in text (?key= values, user:password@, provider keys, bearer tokens), masked.

Imports nothing: gunicorn's master formats its JSON log lines with it before the worker patches the standard
library (webui/providers/redact.py builds on it for the call paths).
"""

import re

MASK = "***"
KEY_PARAM = re.compile(r"([?&](?:key|api[-_]?key|access_token|token)=)[^&#\s]*", re.IGNORECASE)
USERINFO = re.compile(r"(://)[^/@\s]+@")
# OpenAI/OpenRouter/Anthropic sk-…, Google AIza…, and whatever follows "Bearer ".
KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,})|(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}",
                        re.IGNORECASE)


def redact_url(url):
    """The URL with ?key=…-style query values and user:password@ removed."""
    return USERINFO.sub(r"\1" + MASK + "@", KEY_PARAM.sub(r"\1" + MASK, str(url)))


def mask_shapes(text):
    """Text with URL credentials and every key-shaped token masked (for text whose secrets are not known)."""
    return KEY_SHAPES.sub(MASK, redact_url(text))
