"""Hostile answers for FakeProvider(script=...): a redirect, a huge body, a gzip bomb, a trickle."""

import gzip
import io
import time


def redirect(status, location):
    """Answer every request with `status` and a Location header (nothing else)."""

    def answer(h):
        h.send_bytes(status, b"", headers={"Location": location})

    return answer


def huge(size, block=1 << 20):
    """A 200 JSON answer of `size` bytes (one long string), written in blocks so the fake itself stays small."""

    def answer(h):
        head, tail = b'{"data": "', b'"}'
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        left, filler = size - len(head) - len(tail), b"x" * block
        try:
            h.wfile.write(head)
            while left > 0:
                h.wfile.write(filler[: min(block, left)])
                left -= block
            h.wfile.write(tail)
        except OSError:
            h.close_connection = True  # the client stopped reading: that is the point

    return answer


def gzip_bomb(expanded):
    """A small gzip body (Content-Encoding: gzip) that expands to `expanded` bytes of JSON-ish text."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        gz.write(b'{"data": "')
        block = b"x" * (1 << 20)
        for _ in range(expanded >> 20):
            gz.write(block)
        gz.write(b'"}')
    data = buf.getvalue()

    def answer(h):
        try:
            h.send_bytes(200, data, headers={"Content-Encoding": "gzip"})
        except OSError:
            h.close_connection = True

    answer.compressed_size = len(data)
    return answer


def trickle(interval, total=10_000, stream=False):
    """A 200 whose body arrives one byte every `interval` s: sized JSON, or (`stream`) one big HTTP chunk of SSE
    comment bytes, so no read of a whole chunk ever completes."""

    def answer(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream" if stream else "application/json")
        if stream:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(total))
        h.end_headers()
        try:
            if stream:
                h.wfile.write(b"%x\r\n" % total)
            h.wfile.flush()
            for _ in range(total):
                h.wfile.write(b":" if stream else b" ")
                h.wfile.flush()
                time.sleep(interval)
        except OSError:
            h.close_connection = True

    return answer


# The answer shapes real servers and proxies use: HTTP/1.0 (the body ends when the connection closes),
# HTTP/1.1 with `Connection: close` and no length, and a head whose bytes drip in one at a time.
SHAPES = ("http10", "close", "drip_headers")


def dripping(shape, interval=0.2, total=600, stream=False):
    """An answer in one of SHAPES that never finishes: its body (or, for drip_headers, its head) arrives one byte
    every `interval` s, `total` bytes at most, so every single read succeeds and only a total deadline ends it."""
    kind = b"text/event-stream" if stream else b"application/json"

    def answer(h):
        h.close_connection = True
        if shape == "drip_headers":
            head, body = b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\nX-Pad: " + b"p" * total, b""
        else:
            status = b"HTTP/1.0 200 OK\r\n" if shape == "http10" else b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
            head, body = status + b"Content-Type: " + kind + b"\r\n\r\n", (b":" if stream else b" ") * total
        try:
            if shape == "drip_headers":
                _drip(h, head, interval)
            else:
                h.wfile.write(head)
                h.wfile.flush()
                _drip(h, body, interval)
        except OSError:
            pass  # the client cut it: that is the point

    return answer


def _drip(h, data, interval):
    for byte in data:
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(interval)
