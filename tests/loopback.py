"""Keeping tests on this machine: the in-process loopback guard, free loopback ports, a closed proxy for subprocesses."""

import contextlib
import ipaddress
import socket

# Names a lookup may resolve without leaving the machine (None and "" are what a bind to any address asks).
LOCAL_NAMES = {None, "", b"", "localhost", "localhost."}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class LoopbackViolation(OSError):
    """A connection or name lookup beyond loopback, refused before any packet left (an OSError, like a dead host)."""


def free_port():
    """A loopback port nobody listens on right now (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_proxy_env(no_proxy="127.0.0.1,localhost,::1"):
    """Proxy variables that send every proxied HTTP call to a closed loopback port (what the guard cannot patch,
    such as a subprocess, stays on the machine); no_proxy=None leaves NO_PROXY out, so nothing bypasses it."""
    env = dict.fromkeys(PROXY_VARS, f"http://127.0.0.1:{free_port()}")
    if no_proxy is not None:
        env.update(NO_PROXY=no_proxy, no_proxy=no_proxy)
    return env


def is_address(host):
    """True for an IP address literal (resolving it sends nothing)."""
    try:
        ipaddress.ip_address(_text(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _text(host):
    return host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost."""
    host = _text(host)
    if host in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # any other name would need a DNS lookup
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


class LoopbackGuard:
    """Patches socket connect/connect_ex/getaddrinfo; refused addresses are kept in .blocked for the test's verdict."""

    def __init__(self):
        self.blocked = []
        self._patches = None

    def refuse(self, what, address):
        self.blocked.append(repr(address))
        raise LoopbackViolation(f"loopback guard: {what} {address!r} refused; tests may only reach 127.0.0.0/8, "
                                "::1 or a unix socket (point the code at a fake provider on 127.0.0.1)")

    def _check(self, sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            self.refuse("connection to", address)

    def install(self):
        guard = self
        real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, \
            socket.getaddrinfo

        def connect(self, address):
            guard._check(self, address)
            return real_connect(self, address)

        def connect_ex(self, address):
            guard._check(self, address)
            return real_connect_ex(self, address)

        def getaddrinfo(host, *args, **kwargs):
            if host not in LOCAL_NAMES and not is_address(host):  # an address needs no DNS; connect() judges it
                guard.refuse("name lookup of", host)
            return real_getaddrinfo(host, *args, **kwargs)

        self._patches = [(socket.socket, "connect", real_connect), (socket.socket, "connect_ex", real_connect_ex),
                         (socket, "getaddrinfo", real_getaddrinfo)]
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo

    def uninstall(self):
        for owner, name, original in self._patches or ():
            if name in ("connect", "connect_ex"):
                delattr(owner, name)  # back to the C method socket.socket inherits
            else:
                setattr(owner, name, original)
        self._patches = None


@contextlib.contextmanager
def guarded():
    """The guard installed for the duration of the block."""
    guard = LoopbackGuard()
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
