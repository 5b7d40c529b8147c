"""Small helpers shared by the fake wire formats: SSE/NDJSON frames, default texts, usage numbers."""

import json
import time

DEFAULT_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid authentication credentials.",
    402: "Insufficient credits.",
    403: "Permission denied.",
    404: "The requested model does not exist.",
    408: "Request timed out.",
    413: "Request too large.",
    429: "Rate limit reached for requests.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The model is overloaded. Please try again later.",
    504: "Gateway timeout.",
    529: "Overloaded",
}


def message_for(status):
    """The default error message a fake sends for a status."""
    return DEFAULT_MESSAGES.get(status, f"HTTP {status}")


def sse(data, event=None):
    """One Server-Sent Event: optional `event:` line, a JSON `data:` line, a blank line."""
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


def ndjson(data):
    """One NDJSON line."""
    return (json.dumps(data) + "\n").encode()


def comment(text):
    """An SSE comment line (ignored by clients; OpenRouter uses them as keep-alives)."""
    return f": {text}\n\n".encode()


def now():
    """Unix seconds, as providers put in `created`."""
    return int(time.time())


def split_words(text):
    """Stream deltas for a reply: words with their following space, so joining gives the text back."""
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out or [""]


def bearer(headers):
    """The token of an `Authorization: Bearer …` header (lower-case header names), or None."""
    value = headers.get("authorization") or ""
    return value[7:] if value.lower().startswith("bearer ") else None


def fake_vector(text, dimensions=None):
    """A deterministic small embedding of a text (or token list): same input, same vector."""
    size = dimensions or 4
    seed = sum(ord(c) for c in str(text))
    return [round(((seed * (i + 7)) % 97) / 97.0, 6) for i in range(size)]


def token_count(items):
    """Whitespace words (or token ids) over every input: the fakes' embeddings usage."""
    return sum(len(i) if isinstance(i, list) else len(str(i).split()) for i in items)
