"""Issue 24, item 1: slow request bodies before login. A body is bounded in time as a whole (not per read), the
login form in size, and /healthz answers while the connection cap is full. Bounded: a few sockets, a few seconds,
small caps from the environment, all on 127.0.0.1 under the production runner."""

import contextlib
import socket
import time

import pytest

from tests.fakes import FakeProvider
from tests.system.test_capacity import _prepare, _request, served

pytestmark = pytest.mark.system


def _slow_login(port, length, first=b"username=admin&password="):
    """A socket that sent a login head announcing `length` body bytes and the first few of them."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall((f"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  f"Content-Length: {length}\r\n\r\n").encode() + first)
    return sock


def _answer(sock, limit):
    """(status line, closed) once the server answered and closed, or (None, False) after `limit` s."""
    sock.settimeout(0.2)
    data, deadline = b"", time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            with contextlib.suppress(OSError):
                sock.send(b"x")  # one body byte per 0.2 s: no single read ever waits long
            continue
        except OSError:
            return data.split(b"\r\n")[0].decode(), True
        if not chunk:
            return data.split(b"\r\n")[0].decode(), True
        data += chunk
    return (data.split(b"\r\n")[0].decode() or None), False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server with small caps: 8 connections (+2 reserve), a 2 s body floor at 1,000 bytes/s, 1 KiB public."""
    folder = tmp_path_factory.mktemp("slow-bodies")
    with FakeProvider("open_ai") as fake:
        _prepare(folder / "cfg", fake)
        with served(folder / "cfg", WEBUI_MAX_CONNECTIONS=8, WEBUI_RESERVE_CONNECTIONS=2, WEBUI_BODY_TIMEOUT=2,
                    WEBUI_BODY_MIN_RATE=1000, WEBUI_PUBLIC_BODY_MAX=1024) as port:
            yield port


def test_item1_slow_login_body_of_a_megabyte_is_refused_at_once_and_closed(server):
    sock = _slow_login(server, 1_000_000)
    try:
        status, closed = _answer(sock, 5)
    finally:
        sock.close()
    assert status and status.startswith("HTTP/1.1 413") and closed, status


def test_item1_slow_body_is_bounded_as_a_whole_not_per_read(server):
    sock = _slow_login(server, 900)  # under the public cap: 900 bytes at 5 bytes/s would take 3 minutes
    started = time.monotonic()
    try:
        status, closed = _answer(sock, 8)
    finally:
        sock.close()
    assert status and status.startswith("HTTP/1.1 408") and closed, status
    assert time.monotonic() - started < 6  # the 2 s floor, not 180 s


def test_item1_healthz_answers_while_the_connection_cap_is_full(server):
    held = [_slow_login(server, 900) for _ in range(8)]  # the whole cap, each dripping a body
    try:
        time.sleep(0.3)
        for sock in held:
            with contextlib.suppress(OSError):
                sock.send(b"x")
        started = time.monotonic()
        status, _, body = _request(server, "GET", "/healthz", "-", timeout=5)
        assert status == 200 and b'"ok"' in body, (status, body)
        assert time.monotonic() - started < 2
        status, _, body = _request(server, "GET", "/api/status", "-", timeout=5)
        assert status == 503, (status, body)  # past the cap: a clear answer at once, not a hang
    finally:
        for sock in held:
            sock.close()
