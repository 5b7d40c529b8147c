"""gunicorn's access logger, computing only the fields our access-log format names.

gunicorn builds ~25 fields per request (a strftime, every request and response header, the whole WSGI environ)
whatever the format uses: ~4 % of a streamed reply's CPU at 1,000 streams (bench/README.md). The line is the same.
"""

from gunicorn import glogging

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'  # path without query: no secrets


class AccessLogger(glogging.Logger):
    """The stock logger, with atoms() trimmed to h, m, U, s, b, M when the format is ACCESS_LOG_FORMAT."""

    def atoms(self, resp, req, environ, request_time):
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        return {"h": environ.get("REMOTE_ADDR", "-"), "m": environ.get("REQUEST_METHOD"),
                "U": environ.get("PATH_INFO"), "s": status, "b": sent is not None and str(sent) or "-",
                "M": request_time.seconds * 1000 + int(request_time.microseconds / 1000)}
