"""A small supervisord XML-RPC client: unix:// or http:// URLs, a timeout on every call, no secrets in messages."""

import http.client
import os
import socket
import urllib.parse
import xmlrpc.client
from xml.parsers.expat import ExpatError

DEFAULT_SOCKET = "/var/run/supervisor.sock"

# Everything that means "no answer from supervisord" (as opposed to a Fault, which is an answer).
TRANSPORT_ERRORS = (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError, ExpatError)


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over an AF_UNIX stream socket (supervisord's unix_http_server)."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class UnixTransport(xmlrpc.client.Transport):
    """xmlrpc Transport that talks to a unix socket; Basic auth from the proxy URI still applies."""

    def __init__(self, path, timeout):
        super().__init__()
        self.socket_path = path
        self.timeout = timeout

    def make_connection(self, host):
        # get_host_info gives _extra_headers (the Authorization header when the URI carries user:pass).
        chost, self._extra_headers, _ = self.get_host_info(host)
        self._connection = (chost, _UnixHTTPConnection(self.socket_path, self.timeout))
        return self._connection[1]


class TimeoutTransport(xmlrpc.client.Transport):
    """The stock HTTP transport, with a socket timeout (the stock one has none)."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class Endpoint:
    """Where supervisord listens, parsed once from SUPERVISOR_SERVER_URL."""

    def __init__(self, url, username=None, password=None):
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in ("unix", "http"):
            raise ValueError(f"unsupported supervisor URL scheme '{parts.scheme}' (use unix:// or http://)")
        self.username = username if username is not None else _unquote(parts.username)
        self.password = password if password is not None else _unquote(parts.password)
        if self.scheme == "unix":
            self.socket_path = parts.path or parts.netloc
            self.hostport = "localhost"
        else:
            self.socket_path = None
            self.hostport = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.rpc_path = "/RPC2" if self.scheme == "unix" or parts.path in ("", "/") else parts.path

    @property
    def display(self):
        """The URL without credentials: safe for messages and logs."""
        if self.scheme == "unix":
            return f"unix://{self.socket_path}"
        return f"http://{self.hostport}{self.rpc_path}"

    def proxy(self, timeout):
        """A fresh ServerProxy (ServerProxy is not thread-safe, so one per use)."""
        auth = ""
        if self.username:
            auth = urllib.parse.quote(self.username, safe="") + ":" + urllib.parse.quote(self.password or "", safe="") + "@"
        uri = f"http://{auth}{self.hostport}{self.rpc_path}"
        if self.scheme == "unix":
            transport = UnixTransport(self.socket_path, timeout)
        else:
            transport = TimeoutTransport(timeout)
        return xmlrpc.client.ServerProxy(uri, transport=transport)


def resolve_url(environ):
    """SUPERVISOR_SERVER_URL, else the default socket when it exists, else None."""
    url = (environ.get("SUPERVISOR_SERVER_URL") or "").strip()
    if url:
        return url
    if os.path.exists(DEFAULT_SOCKET):
        return f"unix://{DEFAULT_SOCKET}"
    return None


def describe_transport_error(exc):
    """A short, secret-free reason for a failed connection."""
    if isinstance(exc, xmlrpc.client.ProtocolError):
        hint = " (check the supervisor username/password)" if exc.errcode == 401 else ""
        return f"HTTP {exc.errcode} {exc.errmsg}{hint}"
    if isinstance(exc, FileNotFoundError):
        return "socket file does not exist"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ExpatError):
        return "the answer is not XML-RPC (is this supervisord?)"
    return exc.__class__.__name__ + (f": {exc.strerror}" if getattr(exc, "strerror", None) else "")


def _unquote(value):
    return urllib.parse.unquote(value) if value else None
