"""gunicorn's gevent worker with a header timeout, a body/idle socket timeout, enough file descriptors, and a few
connections held in reserve so /healthz answers while the connection cap is full."""

import resource
import socket

import gevent
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

from webui.settings import Settings
from webui.web.body_timeout import serving

HEALTH_ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
                 b"Cache-Control: no-store\r\nConnection: close\r\n\r\n{\"ok\":true}\n")
BUSY_ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
               b"Content-Length: 79\r\nConnection: close\r\n\r\n"
               b'{"error":"server_busy","message":"Too many open connections; try again soon."}\n')
RESERVE_HEAD_SECONDS = 2  # a reserve connection must send its request head within this
RESERVE_HEAD_BYTES = 4096


class Worker(GeventWorker):
    """Header: the whole request head within WEBUI_HEADER_TIMEOUT s (10); body: no read or write may stall
    for more than WEBUI_BODY_TIMEOUT s (30), the whole body is bounded by the app (webui.web.body_timeout).
    Beyond WEBUI_MAX_CONNECTIONS open connections, WEBUI_RESERVE_CONNECTIONS (32) more are accepted only to
    answer GET /healthz (200) or anything else 503, within 2 s, and closed: a full cap never hides the probe."""

    def init_process(self):
        config = Settings.from_env()
        self.header_timeout = config.header_timeout
        self.body_timeout = config.body_timeout
        self.connection_cap = self.worker_connections
        self.worker_connections += config.reserve_connections  # gunicorn's pool: cap + reserve
        self.open_connections = 0
        _raise_fd_limit(2 * self.worker_connections + 256)  # a stream holds a client and a provider socket
        gevent.config.resolver = "webui.serve.resolver.Resolver"  # before the hub makes its resolver
        super().init_process()

    def timeout_ctx(self):
        # gunicorn wraps reading each request head in this; silent: the connection is just closed.
        return gevent.Timeout(self.header_timeout, False)

    def handle_request(self, listener_name, req, sock, addr):
        serving.request = req  # lets a 408 close this connection (webui.web.body_timeout)
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            serving.request = None

    def handle(self, listener, client, addr):
        self.open_connections += 1
        try:
            if self.open_connections > self.connection_cap:
                return reserve_answer(client)
            # GeventWorker.handle would make the socket fully blocking; keep a per-operation timeout instead,
            # so a client that stalls reading its body or reading our answer is dropped after body_timeout.
            client.settimeout(self.body_timeout)
            serving.linger = False
            AsyncWorker.handle(self, listener, client, addr)
            if serving.linger:
                lingering_close(client)
        finally:
            self.open_connections -= 1


def lingering_close(client, seconds=1.0, limit=64 * 1024):
    """Our answer left body bytes unread (408, 413, a 401 before the body): closing now would reset the connection
    and the client could lose the answer. Stop sending, read and drop a little more, then close."""
    try:
        client.shutdown(socket.SHUT_WR)
        with gevent.Timeout(seconds, False):
            dropped = 0
            while dropped < limit:
                data = client.recv(16384)
                if not data:
                    break
                dropped += len(data)
    except OSError:
        pass


def reserve_answer(client):
    """A connection past the cap: /healthz answered, anything else 503; closed either way, within 2 s."""
    head = b""
    with gevent.Timeout(RESERVE_HEAD_SECONDS, False):
        while b"\r\n\r\n" not in head and len(head) < RESERVE_HEAD_BYTES:
            data = client.recv(1024)
            if not data:
                break
            head += data
    try:
        if head.startswith((b"GET /healthz ", b"HEAD /healthz ", b"GET /healthz?")):
            client.sendall(HEALTH_ANSWER)
        elif head:
            client.sendall(BUSY_ANSWER)
    except OSError:
        pass
    finally:
        client.close()


def _raise_fd_limit(wanted):
    """Soft RLIMIT_NOFILE up to `wanted` (never above the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
