"""The suite-wide loopback guard: beyond loopback nothing connects or resolves; loopback and unix sockets work."""

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from tests.loopback import LoopbackViolation, free_port

TEST_NET = "192.0.2.1"  # TEST-NET-1 (RFC 5737): never routed, and never reached here anyway
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("family, address", [(socket.AF_INET, (TEST_NET, 80)),
                                             (socket.AF_INET6, ("2001:db8::1", 80, 0, 0))])
def test_connect_beyond_loopback_is_refused_before_connecting(blocked_connections, family, address):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(LoopbackViolation, match=address[0]):
            sock.connect(address)
        with pytest.raises(OSError):
            sock.getpeername()  # still not connected: the guard refused before the real connect
        with pytest.raises(LoopbackViolation):
            sock.connect_ex(address)
    assert blocked_connections == [repr(address)] * 2


def test_lookups_and_clients_are_refused(blocked_connections):
    with pytest.raises(LoopbackViolation, match="example.com"):
        socket.create_connection(("example.com", 443), timeout=1)  # refused at the name lookup: no DNS query
    with pytest.raises(requests.ConnectionError, match="loopback guard"):
        requests.get(f"http://{TEST_NET}/", timeout=1)
    assert blocked_connections == ["'example.com'", f"({TEST_NET!r}, 80)"]


def test_loopback_and_unix_sockets_pass(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=5) as sock:
        assert sock.getpeername()[0] == "127.0.0.1"
    with pytest.raises(ConnectionRefusedError):  # a closed loopback port is refused by the kernel, not the guard
        socket.create_connection(("localhost", free_port()), timeout=5)
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as sock:
        server.bind(path)
        server.listen()
        sock.connect(path)


def test_a_test_that_reaches_out_fails(tmp_path):
    """Even when the code under test swallows the refusal (as the app turns it into a 502), the test fails."""
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F401,F403\n")
    (tmp_path / "test_reach.py").write_text(textwrap.dedent(f"""\
        import socket

        def test_swallowed():
            try:
                socket.create_connection(("{TEST_NET}", 80), timeout=1)
            except OSError:
                pass
        """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"loopback guard: this test tried to reach ('{TEST_NET}', 80)" in done.stdout, done.stdout
