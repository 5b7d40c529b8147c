"""Incremental stream framing: raw body chunks -> lines -> Server-Sent Events or NDJSON objects."""

from collections import namedtuple

import urllib3

from webui.providers.transport import max_response_bytes, parse_json, stream_error, too_large

CHUNK = 4096  # upper bound per read; reads return as soon as any bytes arrive

Event = namedtuple("Event", "event data id")


def iter_chunks(resp, label="provider", secrets=()):
    """Body bytes as they arrive (never waits to fill a buffer); read failures become ProviderErrors."""
    raw = resp.raw
    try:
        if raw.chunked:
            # Chunked bodies: urllib3 yields each HTTP chunk as soon as it is complete.
            for data in raw.read_chunked(CHUNK, decode_content=True):
                if data:
                    yield data
        else:
            # Close-delimited or sized bodies: read1 returns what is there instead of blocking for CHUNK bytes.
            while True:
                data = raw.read1(CHUNK, decode_content=True)
                if not data:
                    break
                yield data
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        failure = getattr(resp, "failure", None)
        raise (failure(exc) if failure else stream_error(exc, label, secrets)) from None
    if getattr(resp, "expired", False):  # the deadline cut a close-delimited body: not a clean end
        raise resp.failure(None)
    resp.consumed = True  # read to the end: the connection can be reused


def iter_lines(chunks, limit=None, label="provider"):
    """Text lines without terminators; CRLF, LF and lone CR all end a line, even split across chunks.
    A line longer than `limit` bytes is ResponseTooLarge (a provider must not grow one line forever)."""
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        # A trailing CR may be the first half of CRLF: keep it until the next chunk decides.
        tail = b"\r" if data.endswith(b"\r") else b""
        if tail:
            data = data[:-1]
        *lines, rest = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        for line in lines:
            yield line.decode("utf-8", "replace")
        pending = rest + tail
        if limit and len(pending) > limit:
            raise too_large(label, limit)
    if pending:
        yield pending.rstrip(b"\r").decode("utf-8", "replace")


def iter_sse(lines, limit=None, label="provider"):
    """Events per the SSE spec: comments skipped, `event:` names, multi-line `data:` joined with newlines.
    An event whose data passes `limit` characters (default WEBUI_MAX_RESPONSE_BYTES) is ResponseTooLarge."""
    limit = max_response_bytes() if limit is None else limit
    name, data, last_id, size = None, [], None, 0
    for line in lines:
        if not line:
            if data:
                yield Event(name or "message", "\n".join(data), last_id)
            name, data, size = None, [], 0
            continue
        if line.startswith(":"):
            continue  # keep-alive comments such as ": OPENROUTER PROCESSING"
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
            size += len(value) + 1
            if limit and size > limit:
                raise too_large(label, limit)
        elif field == "event":
            name = value
        elif field == "id":
            last_id = value
        elif field == "error":  # llama.cpp's server reports a failed stream on an `error:` line of its own
            yield Event("error", value, last_id)
            name, data, size = None, [], 0
    if data:
        # Lenient: a last event without its blank line still counts (the body ended cleanly).
        yield Event(name or "message", "\n".join(data), last_id)


def iter_ndjson(lines, label="provider"):
    """One JSON value per non-empty line (Ollama streams)."""
    for line in lines:
        if line.strip():
            yield parse_json(line, label=label, what="stream line")
