"""Run the app under gunicorn from Python (the same server the Dockerfile uses)."""

from gunicorn.app.base import BaseApplication


class _App(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import create_app

        return create_app()


def run_gunicorn(host, port, threads=16):
    """One worker with threads: one process keeps the login throttle and caches coherent."""
    _App({
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,  # streamed replies may legitimately run long; the provider timeouts bound them
        "graceful_timeout": 5,
        "accesslog": "-",
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',  # path without query: no secrets
        "errorlog": "-",
        "preload_app": True,
    }).run()
    return 0
