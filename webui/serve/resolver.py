"""gevent's thread-pool resolver, minus the thread hop for IP literals (loopback and LAN providers)."""

import _socket  # the C module: monkey-patching replaces socket.getaddrinfo, never this one
import ipaddress

from gevent.resolver.thread import Resolver as ThreadResolver


def ip_literal(host):
    """True for an IPv4/IPv6 address written out (bytes or str), which needs no lookup."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    try:
        ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone id ("fe80::1%eth0") is still numeric
    except ValueError:
        return False
    return True


class Resolver(ThreadResolver):
    """Names go to a native thread as before; an IP address is answered inline with AI_NUMERICHOST, which
    never blocks (each new provider connection otherwise paid a thread hand-off, ~5 % of a stream's CPU)."""

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 (socket's names)
        if ip_literal(host):
            return _socket.getaddrinfo(host, port, family, type, proto, flags | _socket.AI_NUMERICHOST)
        return super().getaddrinfo(host, port, family, type, proto, flags)
