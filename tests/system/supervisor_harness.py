"""Helpers for system tests that run real supervisord: short socket dirs, bounded waits, cleanup."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SUPERVISORD = str(VENV_BIN / "supervisord")
SUPERVISORCTL = str(VENV_BIN / "supervisorctl")
STANDIN = str(Path(__file__).with_name("standin_desktop.py"))


def wait_until(check, timeout, interval=0.1):
    """Poll check() until it returns something truthy; None when the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None


@contextlib.contextmanager
def short_dir():
    """A temp folder with a short path: unix socket paths are limited to ~107 bytes."""
    path = tempfile.mkdtemp(prefix="sv-", dir="/tmp")
    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def read_records(path):
    """The stand-in's JSON lines, oldest first."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def kill_standins(record_path):
    """Kill every stand-in still alive (an orphan survives a SIGKILLed supervisord); checks the cmdline first."""
    for record in read_records(record_path):
        pid = record.get("pid")
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if b"standin_desktop.py" not in handle.read():
                    continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, TypeError):
            continue


def stop_process_group(proc, grace=10):
    """SIGTERM the group (supervisord stops its children), then SIGKILL whatever is left."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def dump(*paths):
    """The tail of each log file, for a failure message."""
    out = []
    for path in paths:
        try:
            text = Path(path).read_text(errors="replace")
        except OSError as exc:
            text = f"<{exc}>"
        out.append(f"--- {path} ---\n{text[-4000:]}")
    return "\n".join(out)
