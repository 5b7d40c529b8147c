"""Log lines as text or JSON (WEBUI_LOG_FORMAT), with the request id, and key-shaped values scrubbed in both."""

import json
import logging
import os
from datetime import datetime, timezone

from webui.core.observe import context
from webui.secret_shapes import mask_shapes
from webui.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def json_format(environ=None):
    """True when WEBUI_LOG_FORMAT asks for JSON lines (anything but `json` means text)."""
    return Settings.from_env(environ).log_format.strip().lower() == "json"


def utc_stamp(created):
    """A log record's time as 2026-12-07T02:36:20.123Z."""
    moment = datetime.fromtimestamp(created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ScrubbingFormatter(logging.Formatter):
    """The text format, with ?key= values, user:password@ and key-shaped tokens masked."""

    def format(self, record):
        return mask_shapes(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, pid, message, request_id (when serving one), exception."""

    def format(self, record):
        line = {"ts": utc_stamp(record.created), "level": record.levelname, "logger": record.name,
                "pid": record.process or os.getpid(), "message": mask_shapes(record.getMessage())}
        request_id = getattr(record, "request_id", None) or context.current_request_id()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = mask_shapes(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def formatter(environ):
    """The formatter WEBUI_LOG_FORMAT names."""
    return JsonFormatter() if json_format(environ) else ScrubbingFormatter(TEXT_FORMAT)


def configure(environ):
    """Root logging: the level from WEBUI_LOG_LEVEL, every root handler given our formatter (text or JSON)."""
    logging.basicConfig(level=Settings.from_env(environ).log_level.upper(), format=TEXT_FORMAT)
    chosen = formatter(environ)
    for handler in logging.getLogger().handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # a test runner's capture keeps its own format
        if not isinstance(handler.formatter, (JsonFormatter, ScrubbingFormatter)) or \
                isinstance(handler.formatter, JsonFormatter) != isinstance(chosen, JsonFormatter):
            handler.setFormatter(chosen)
