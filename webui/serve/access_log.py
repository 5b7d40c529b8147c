"""gunicorn's access logger, computing only the fields our access-log format names; JSON lines on request.

gunicorn builds ~25 fields per request (a strftime, every request and response header, the whole WSGI environ)
whatever the format uses: ~4 % of a streamed reply's CPU at 1,000 streams (bench/README.md). The line is the same.
WEBUI_LOG_FORMAT=json: one JSON object per access line (and per gunicorn error-log line) instead.
"""

import json
import os
import time
import traceback

from gunicorn import glogging

from webui.settings import current  # ground: imports nothing of the app

# Path without query (no secrets), then the request id our app returned in X-Request-Id.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
REQUEST_ID = "{x-request-id}o"


def _json_logs():
    return current().log_format.strip().lower() == "json"


def _header(resp, wanted):
    for name, value in getattr(resp, "headers", None) or ():
        if name.lower() == wanted:
            return value
    return None


class AccessLogger(glogging.Logger):
    """The stock logger, with atoms() trimmed to h, m, U, s, b, M and the request id when the format is
    ACCESS_LOG_FORMAT; with WEBUI_LOG_FORMAT=json, JSON lines."""

    def setup(self, cfg):
        super().setup(cfg)
        if _json_logs():
            from webui.core.observe.logs import JsonFormatter  # gunicorn's own lines: JSON too

            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    def atoms(self, resp, req, environ, request_time):
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        return {"h": environ.get("REMOTE_ADDR", "-"), "m": environ.get("REQUEST_METHOD"),
                "U": environ.get("PATH_INFO"), "s": status, "b": sent is not None and str(sent) or "-",
                "M": request_time.seconds * 1000 + int(request_time.microseconds / 1000),
                REQUEST_ID: _header(resp, "x-request-id") or "-"}

    def access(self, resp, req, environ, request_time):
        if not _json_logs():
            return super().access(resp, req, environ, request_time)
        if not getattr(self, "access_log_enabled", True):
            return None
        from webui.core.observe.logs import utc_stamp
        from webui.secret_shapes import mask_shapes

        status = resp.status
        status = int(status.split(None, 1)[0]) if isinstance(status, str) else status
        line = {"ts": utc_stamp(time.time()), "level": "INFO", "logger": "access", "pid": os.getpid(),
                "remote": environ.get("REMOTE_ADDR"),
                "method": environ.get("REQUEST_METHOD"), "path": mask_shapes(environ.get("PATH_INFO") or ""),
                "status": status, "bytes": getattr(resp, "sent", None),
                "ms": round(request_time.total_seconds() * 1000, 3),
                "request_id": environ.get("webui.request_id") or _header(resp, "x-request-id")}
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.error(traceback.format_exc())
        return None
