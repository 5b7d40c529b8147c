"""The one gunicorn configuration: `python -m webui serve`, supervisord.conf and the Dockerfile all load it.

gunicorn -c python:webui.serve.gunicorn_conf --bind HOST:PORT "webui:create_app()"
Imports nothing of the app: the gevent worker must monkey-patch before Flask, urllib3 or SQLite load.
"""

import glob
import os
import shutil
import sys
import tempfile

from webui.serve.access_log import ACCESS_LOG_FORMAT  # gunicorn only: nothing of the app
from webui.settings import Settings  # ground: imports nothing of the app

METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_made_metrics_dir = []  # the folder on_starting made (removed on exit); a folder the operator named is kept


def scale_out_refusal(environ):
    """Why WEBUI_WORKERS cannot be honoured (a message naming the variables), or None.

    Several workers must share what lasts (WEBUI_DATABASE_URL) and what every process must agree on
    (WEBUI_REDIS_URL: budgets, login throttle, logouts); one worker needs neither.
    """
    workers = Settings.from_env(environ).workers
    missing = [name for name in ("WEBUI_DATABASE_URL", "WEBUI_REDIS_URL") if not (environ.get(name) or "").strip()]
    if workers > 1 and missing:
        return (f"WEBUI_WORKERS={workers} needs {' and '.join(missing)} set: several workers share their state "
                "through PostgreSQL (WEBUI_DATABASE_URL) and Redis (WEBUI_REDIS_URL). Set both, or WEBUI_WORKERS=1.")
    return None


def settings():
    """gunicorn settings as a dict (the module-level names below are the same values)."""
    config = Settings.from_env()
    return {
        # Each worker is one event loop (a stream or an idle socket costs no thread); more than one needs the
        # shared state of scale_out_refusal, which the app reads from WEBUI_REDIS_URL / WEBUI_DATABASE_URL.
        "workers": config.workers,
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
        # /metrics adds up every worker's metrics from per-process files in one folder (prometheus_client's
        # multiprocess mode): made (or emptied) before the first worker starts, dead workers' gauges dropped.
        "on_starting": on_starting,
        "child_exit": child_exit,
        "on_exit": on_exit,
    }


def on_starting(server):
    """Before any worker: PROMETHEUS_MULTIPROC_DIR set (a new private folder unless the operator named one),
    and emptied of an earlier run's files (counters would otherwise carry over)."""
    path = os.environ.get(METRICS_DIR)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix="webui-metrics-")
        _made_metrics_dir.append(path)
        os.environ[METRICS_DIR] = path  # the workers inherit it: their metrics go to files there


def child_exit(server, worker):
    """A worker ended: its live gauges (streams in flight, ledger queue) stop counting; its counters stay."""
    if os.environ.get(METRICS_DIR):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """The server stops: the folder it made goes away."""
    while _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir.pop(), ignore_errors=True)
        os.environ.pop(METRICS_DIR, None)


_refusal = scale_out_refusal(os.environ)
if _refusal:
    sys.stderr.write(_refusal + "\n")
    raise SystemExit(2)
globals().update(settings())
