"""urllib3 straight, for the adapters: pooled connections per process, proxies from the environment (NO_PROXY
honoured), and Reply, the answer object adapters read (status_code, headers, content, raw, close)."""

import ipaddress
import json
import logging
import os
import threading
import time
from urllib.parse import unquote, urlencode, urlsplit

import urllib3
import urllib3.connection

from webui.providers.deadline import attach_current

from webui.providers.wait_clock import Waiting

# The variables that name a proxy for http(s) traffic (as requests and curl read them).
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
# Idle connections kept per provider host; more may be open at once (block=False). As many as the default stream
# cap (WEBUI_MAX_STREAMS), so a burst of streams leaves connections a later burst reuses: a new one (resolve,
# connect, later close) was 13 % of a streamed reply's CPU at 1,000 streams with 256 kept (bench/README.md).
POOL_MAXSIZE = 1024

# "Connection pool is full, discarding connection" after a burst of streams is expected, not a warning.
logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


READ_CHUNK = 64 * 1024  # decompressed bytes per read: a gzip bomb is counted as it expands, never whole


class Reply:
    """A provider's answer: status_code, headers (case-insensitive), content (read on demand, bounded), raw (urllib3).

    `errors` makes the ProviderErrors (read_error(exc), too_large(), timed_out()); `max_bytes` caps the decoded
    body; `watch` is the call's deadline (webui.providers.deadline), cancelled when the reply is closed.
    """

    def __init__(self, raw, errors, max_bytes=None, watch=None):
        self.raw = raw
        self.status_code = raw.status
        self.headers = raw.headers
        self.consumed = False  # the body was read to its end: the connection may go back to the pool
        self.max_bytes = max_bytes
        self.errors = errors
        self.watch = watch
        self._content = None

    @property
    def expired(self):
        """The call's total deadline has passed (its connection may have been cut for it)."""
        return self.watch is not None and (self.watch.expired or time.monotonic() >= self.watch.when)

    def progress(self):
        """A stream delivered text: its deadline starts again (streams are bounded by idle time, not length)."""
        if self.watch is not None:
            self.watch.extend(self.errors.total)

    def failure(self, exc):
        """The ProviderError for a read that raised `exc` (a timeout when the deadline cut it)."""
        self.close()
        return self.errors.timed_out() if self.expired else self.errors.read_error(exc)

    @property
    def content(self):
        """The whole body, at most max_bytes after decompression; else ResponseTooLarge, timeout or cut short."""
        if self._content is None:
            parts, size = [], 0
            try:
                with Waiting():  # reading the body is still waiting on the upstream
                    while True:
                        data = self.raw.read(READ_CHUNK, decode_content=True)
                        if not data:
                            break
                        size += len(data)
                        if self.max_bytes and size > self.max_bytes:
                            self.close()
                            raise self.errors.too_large()
                        parts.append(data)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise self.failure(exc) from None
            if self.expired:  # a cut close-delimited body ends like a whole one
                raise self.failure(None)
            self.consumed = True
            self.close()
            self._content = b"".join(parts)
        return self._content

    def finish(self, grace=0.1, limit=65536):
        """The parser has what it needs ([DONE] came): read the few bytes left of the body (the last chunk) so
        close() can give the connection back to the pool. A body that does not end within `grace` s or `limit`
        bytes is left unread, and close() closes it as before; the grace is short because the caller's [DONE]
        waits for it. A new connection per stream (resolve, connect, close) was ~13 % of a streamed reply's CPU
        (bench/README.md)."""
        chunks = getattr(self, "body_chunks", None)
        if chunks is None or self.consumed:
            return
        sock = getattr(getattr(self.raw, "connection", None), "sock", None)
        try:
            if sock is not None:
                sock.settimeout(grace)  # a reused connection gets its read timeout back with its next request
            total = 0
            for data in chunks:
                total += len(data)
                if total > limit:
                    return
        except Exception:  # noqa: BLE001 (a stalled or broken tail: the connection is closed, nothing else)
            self.consumed = False

    def close(self):
        """Give the connection back to the pool when the body was read, else close it (it has unread bytes)."""
        if self.watch is not None:
            self.watch.cancel()
        if not self.consumed:
            self.raw.close()
        self.raw.release_conn()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    """One pool manager (and one per proxy) for a process; `trust_env`: proxy variables were set when made."""

    def __init__(self, trust_env):
        self.trust_env = trust_env
        self._direct = _manager()
        self._proxied = {}
        self._lock = threading.Lock()

    def request(self, method, url, *, headers=None, json_body=None, params=None, stream=False, timeout=(5, 60)):
        """The urllib3 response, body unread; raises urllib3 errors (the transport maps them). Never redirects:
        a 3xx comes back as it is (a key must not follow it to another host)."""
        if params:
            query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
            url = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        headers = {k: v for k, v in (headers or {}).items() if v is not None}
        body = None
        if json_body is not None:
            body = json.dumps(json_body, allow_nan=False).encode("utf-8")
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        return self._manager_for(url).request(
            method, url, body=body, headers=headers, preload_content=False, decode_content=True,
            timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]), redirect=False,
            retries=urllib3.Retry(total=0, redirect=False))

    def _manager_for(self, url):
        if not self.trust_env:
            return self._direct
        parts = urlsplit(url)
        proxy = proxy_for(parts.scheme, parts.hostname or "", parts.port, os.environ)
        if not proxy:
            return self._direct
        with self._lock:
            manager = self._proxied.get(proxy)
            if manager is None:
                manager = self._proxied[proxy] = _proxy_manager(proxy)
            return manager


class _Watched:
    """A connection that hands its socket to the call's deadline watch (webui.providers.deadline) before the
    request is written, so the deadline holds through dripping headers and close-delimited answers."""

    def connect(self):
        super().connect()
        attach_current(self.sock)

    def request(self, *args, **kwargs):
        if self.sock is not None:  # a pooled connection being reused
            attach_current(self.sock)
        return super().request(*args, **kwargs)


class WatchedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    """http:// with the deadline attached."""


class WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    """https:// with the deadline attached."""


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


def _watched(manager):
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


def _manager():
    return _watched(urllib3.PoolManager(num_pools=16, maxsize=POOL_MAXSIZE, block=False))


def _proxy_manager(proxy):
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    headers = None
    if parts.username:
        headers = urllib3.make_headers(proxy_basic_auth=f"{unquote(parts.username)}:{unquote(parts.password or '')}")
    bare = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return _watched(urllib3.ProxyManager(bare, num_pools=16, maxsize=POOL_MAXSIZE, block=False,
                                         proxy_headers=headers))


def proxy_for(scheme, host, port, environ):
    """The proxy URL for a request (lower-case variables first, then upper, then ALL_PROXY), or None."""
    proxy = None
    for name in (f"{scheme}_proxy", "all_proxy"):
        proxy = proxy or environ.get(name) or environ.get(name.upper())
    if not proxy or bypassed(host, port, environ.get("no_proxy") or environ.get("NO_PROXY") or ""):
        return None
    return proxy


def bypassed(host, port, no_proxy):
    """True when NO_PROXY names the host: `*`, a domain (and its subdomains), an IP, a CIDR, or host:port."""
    host = host.lower().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (e.strip().lower() for e in no_proxy.replace(" ", ",").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                    return True
                continue
            except ValueError:
                pass
        name, _, only_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if only_port and only_port != str(port or ""):
            continue
        name = name.lstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


class SessionPool:
    """The Client of this process (re-made after a fork, e.g. gunicorn workers), by whether proxies are set."""

    def __init__(self):
        self._lock = threading.Lock()
        self._clients = {}
        self._pid = None

    def get(self):
        """The pooled client; proxy settings are consulted per request only when some proxy variable is set."""
        trust_env = any(os.environ.get(name) for name in PROXY_VARS)
        with self._lock:
            if self._pid != os.getpid():
                self._clients, self._pid = {}, os.getpid()
            client = self._clients.get(trust_env)
            if client is None:
                client = self._clients[trust_env] = Client(trust_env)
            return client
