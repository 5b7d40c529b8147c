"""gunicorn's gevent worker with a header timeout, a body/idle socket timeout and enough file descriptors."""

import resource

import gevent
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

from webui.settings import Settings
from webui.web.body_timeout import serving


class Worker(GeventWorker):
    """Header: the whole request head within WEBUI_HEADER_TIMEOUT s (10); body: no read or write may stall
    for more than WEBUI_BODY_TIMEOUT s (30). Slowloris sockets are closed instead of held forever."""

    def init_process(self):
        config = Settings.from_env()
        self.header_timeout = config.header_timeout
        self.body_timeout = config.body_timeout
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
        # GeventWorker.handle would make the socket fully blocking; keep a per-operation timeout instead,
        # so a client that stalls reading its body or reading our answer is dropped after body_timeout.
        client.settimeout(self.body_timeout)
        AsyncWorker.handle(self, listener, client, addr)


def _raise_fd_limit(wanted):
    """Soft RLIMIT_NOFILE up to `wanted` (never above the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
