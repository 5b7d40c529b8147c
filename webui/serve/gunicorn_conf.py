"""The one gunicorn configuration: `python -m webui serve`, supervisord.conf and the Dockerfile all load it.

gunicorn -c python:webui.serve.gunicorn_conf --bind HOST:PORT "webui:create_app()"
Imports nothing of the app: the gevent worker must monkey-patch before Flask, urllib3 or SQLite load.
"""

from webui.serve.access_log import ACCESS_LOG_FORMAT  # gunicorn only: nothing of the app
from webui.settings import Settings  # ground: imports nothing of the app


def settings():
    """gunicorn settings as a dict (the module-level names below are the same values)."""
    config = Settings.from_env()
    return {
        # One process keeps the login throttle, the model cache and the stream cap coherent
        # (docs/ARCHITECTURE.md); the event loop makes a stream or an idle socket cost no thread.
        "workers": 1,
        "worker_class": "webui.serve.worker.Worker",
        # Open connections of the worker; beyond it the kernel's backlog holds new ones.
        "worker_connections": config.max_connections,
        "backlog": 2048,
        # Idle keep-alive wait and the whole request head share this bound (the worker's header timeout).
        "keepalive": config.header_timeout,
        "timeout": 30,  # heartbeat: the loop answers it even while thousands of streams run
        "graceful_timeout": 5,
        "preload_app": False,  # the app must load after the worker has patched the standard library
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,  # path without query: no secrets
        "logger_class": "webui.serve.access_log.AccessLogger",  # the same lines, fewer fields computed
        "errorlog": "-",
        # gunicorn >= 25.1 opens a control socket at one default path per user ($XDG_RUNTIME_DIR or
        # ~/.gunicorn/gunicorn.ctl): a second instance stopping deletes the first one's, and it can reload or
        # stop the server. Nothing here uses gunicornc: none at all (older gunicorn ignores the unknown name).
        "control_socket_disable": True,
    }


globals().update(settings())
