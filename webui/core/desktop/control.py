"""The desktop app (Triplo) integration of SPEC §4: the projection table, and restart/status through supervisord."""

import os
import shlex
import subprocess
import threading
import time
import xmlrpc.client

from webui import catalog
from webui.catalog import PROVIDERS
from webui.core.desktop.supervisor_rpc import TRANSPORT_ERRORS, Endpoint, describe_transport_error, resolve_url
from webui.errors import DesktopError

# provider -> how it drives the desktop app (None: it cannot), from the provider table.
PROJECTION = {pid: spec["projection"] for pid, spec in PROVIDERS.items()}
LEGACY_KEY_FIELDS = tuple(catalog.LEGACY_KEY_FIELDS)
GEMINI_MESSAGE = "Gemini profiles cannot drive the Triplo desktop app; the profile stays usable for roles and chat"

# supervisord state names -> the states /api/status reports.
_STATES = {"RUNNING": "running", "STOPPED": "stopped", "STOPPING": "stopped", "STARTING": "starting",
           "BACKOFF": "backoff", "FATAL": "fatal", "EXITED": "exited", "UNKNOWN": "unknown"}
_NOT_RUNNING, _ALREADY_STARTED, _BAD_NAME = 70, 60, 10  # supervisor.xmlrpc.Faults codes


def project(settings, profile, api_key, openai_key=None):
    """Write `profile` onto the desktop app's legacy fields in `settings` (in place); returns a summary.

    `profile` has SPEC §3 fields with a canonical provider. For ollama, `profile["base_url"]` should be the
    effective server URL (profile override, else the Ollama credential's url); when it is empty the existing
    `settings["ollama_url"]` is kept. An optional `profile["models"]` list (the credential's known models)
    fills `ollama_models` next to the profile's model. `api_key` is the active provider's key (None for
    local providers); `openai_key` is the OpenAI key, written only when `settings["voice"]` is on.
    Nothing is changed when an error is raised.
    """
    provider = profile.get("provider")
    if provider not in PROJECTION:
        raise DesktopError(f"Unknown provider '{provider}'; the desktop app cannot use it", provider=provider)
    row = PROJECTION[provider]
    if row is None:
        raise DesktopError(GEMINI_MESSAGE, provider=provider)
    if not profile.get("model"):
        raise DesktopError(f"Profile '{profile.get('name')}' has no model; the desktop app needs one")

    changes = {"ai_source": row["ai_source"]}
    # Plaintext rule: only what the desktop app needs; every other legacy key field is emptied.
    for field in LEGACY_KEY_FIELDS:
        changes[field] = ""
    if settings.get("voice") and openai_key:
        changes["openai_key"] = openai_key  # voice (TTS/STT) always uses the OpenAI key
    if row["key"]:
        if not api_key:
            raise DesktopError(f"Profile '{profile.get('name')}' has no API key to give the desktop app")
        changes[row["key"]] = api_key
    for legacy, field in row["params"].items():
        if profile.get(field) is not None:  # unset tuning keeps the desktop app's current value
            changes[legacy] = profile[field]
    if row.get("local"):
        changes.update(_local_fields(settings, profile))

    settings.update(changes)
    return {
        "provider": provider,
        "ai_source": row["ai_source"],
        "model": profile["model"],
        "written": sorted(k for k in changes if k not in LEGACY_KEY_FIELDS or changes[k]),
        "cleared": sorted(k for k in LEGACY_KEY_FIELDS if not changes[k]),
    }


def _local_fields(settings, profile):
    """enable_ollama, ollama_url and ollama_models (the profile's model first) for local-LLM mode."""
    url = profile.get("base_url")
    if not url and profile.get("provider") == "ollama":
        url = settings.get("ollama_url")
    if not url:
        raise DesktopError(f"Profile '{profile.get('name')}' has no server URL for the desktop app's local-LLM mode")
    known = profile.get("models")
    if known is None and profile.get("provider") == "ollama":
        known = settings.get("ollama_models")
    models = [profile["model"]]
    models += [m for m in (known or []) if isinstance(m, str) and m and m not in models]
    return {"enable_ollama": True, "ollama_url": url, "ollama_models": models}


class DesktopController:
    """Status and restart of the desktop app program, via supervisord XML-RPC or a restart command."""

    def __init__(self, server_url=None, program="triplo", restart_command=None,
                 status_timeout=5.0, restart_timeout=30.0, username=None, password=None):
        self.server_url = server_url
        self.program = program
        self.restart_command = restart_command
        self.status_timeout = status_timeout
        self.restart_timeout = restart_timeout
        self.username = username
        self.password = password
        self._lock = threading.Lock()  # one restart at a time; a second caller waits for the first

    @classmethod
    def from_env(cls, environ=None):
        """SUPERVISOR_SERVER_URL, TRIPLO_PROGRAM, TRIPLO_RESTART_COMMAND (+ optional SUPERVISOR_USERNAME/PASSWORD)."""
        env = os.environ if environ is None else environ
        return cls(
            server_url=(env.get("SUPERVISOR_SERVER_URL") or "").strip() or None,
            program=(env.get("TRIPLO_PROGRAM") or "").strip() or "triplo",
            restart_command=(env.get("TRIPLO_RESTART_COMMAND") or "").strip() or None,
            status_timeout=_float(env.get("SUPERVISOR_TIMEOUT"), 5.0),
            restart_timeout=_float(env.get("TRIPLO_RESTART_TIMEOUT"), 30.0),
            username=env.get("SUPERVISOR_USERNAME") or None,
            password=env.get("SUPERVISOR_PASSWORD") or None,
        )

    def _endpoint(self):
        """The supervisord endpoint, or None; the default socket is looked for at call time (it may appear later)."""
        url = self.server_url or resolve_url({})
        if not url:
            return None
        return Endpoint(url, self.username, self.password)

    def status(self):
        """{"state", "pid", "uptime_seconds", "message"} of the desktop program, read from supervisord."""
        try:
            endpoint = self._endpoint()
        except ValueError as exc:
            return _status("unreachable", message=f"SUPERVISOR_SERVER_URL is invalid: {exc}")
        if endpoint is None:
            return _status("unreachable", message="No supervisor configured (set SUPERVISOR_SERVER_URL).")
        try:
            info = endpoint.proxy(self.status_timeout).supervisor.getProcessInfo(self.program)
        except xmlrpc.client.Fault as exc:
            return _status("unknown", message=_fault_message(exc, self.program))
        except TRANSPORT_ERRORS as exc:
            return _status("unreachable",
                           message=f"supervisord is not reachable at {endpoint.display}: {describe_transport_error(exc)}")
        return _info_status(info)

    def restart(self):
        """{"result": "restarted"|"failed"|"skipped", "pid", "message"}: the truthful outcome."""
        if not self._lock.acquire(timeout=self.restart_timeout + 5):
            return _outcome("failed", message="Another restart is still running; try again later.")
        try:
            if self.restart_command:
                return self._restart_by_command()
            return self._restart_by_rpc()
        finally:
            self._lock.release()

    def _restart_by_command(self):
        """Run TRIPLO_RESTART_COMMAND (no shell): its exit code decides, its stderr tail explains."""
        try:
            argv = shlex.split(self.restart_command)
        except ValueError as exc:
            return _outcome("failed", message=f"TRIPLO_RESTART_COMMAND cannot be parsed: {exc}")
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  errors="replace", timeout=self.restart_timeout)
        except FileNotFoundError:
            return _outcome("failed", message=f"TRIPLO_RESTART_COMMAND not found: {argv[0] if argv else ''}")
        except subprocess.TimeoutExpired:
            return _outcome("failed", message=f"TRIPLO_RESTART_COMMAND did not finish within {self.restart_timeout:g} s")
        except OSError as exc:
            return _outcome("failed", message=f"TRIPLO_RESTART_COMMAND could not run: {exc.strerror or exc}")
        if done.returncode != 0:
            tail = _tail(done.stderr) or _tail(done.stdout)
            return _outcome("failed", message=f"TRIPLO_RESTART_COMMAND exited with code {done.returncode}"
                                              + (f": {tail}" if tail else ""))
        pid = self.status().get("pid")  # best effort: the command itself does not tell us the new pid
        return _outcome("restarted", pid=pid, message="TRIPLO_RESTART_COMMAND exited with code 0.")

    def _restart_by_rpc(self):
        """stopProcess + startProcess (both waiting), then the new pid from getProcessInfo."""
        try:
            endpoint = self._endpoint()
        except ValueError as exc:
            return _outcome("skipped", message=f"SUPERVISOR_SERVER_URL is invalid: {exc}")
        if endpoint is None:
            return _outcome("skipped", message="No supervisor configured (set SUPERVISOR_SERVER_URL); "
                                               "the desktop app was not restarted.")
        rpc = endpoint.proxy(self.restart_timeout).supervisor
        try:
            rpc.getProcessInfo(self.program)
        except xmlrpc.client.Fault as exc:
            return _outcome("failed", message=_fault_message(exc, self.program))
        except TRANSPORT_ERRORS as exc:
            return _outcome("skipped", message=f"supervisord is not reachable at {endpoint.display} "
                                               f"({describe_transport_error(exc)}); the desktop app was not restarted.")
        try:
            _call_ignoring(rpc.stopProcess, self.program, ignore=_NOT_RUNNING)
            _call_ignoring(rpc.startProcess, self.program, ignore=_ALREADY_STARTED)
            info = rpc.getProcessInfo(self.program)
        except xmlrpc.client.Fault as exc:
            return _outcome("failed", message=_fault_message(exc, self.program))
        except TRANSPORT_ERRORS as exc:
            return _outcome("failed", message=f"Lost contact with supervisord during the restart: "
                                              f"{describe_transport_error(exc)}")
        status = _info_status(info)
        if status["state"] != "running":
            return _outcome("failed", pid=status["pid"], message=f"The desktop app is {status['state']} after the "
                                                                  f"restart: {status['message']}")
        return _outcome("restarted", pid=status["pid"], message=f"Restarted '{self.program}' (pid {status['pid']}).")


def _call_ignoring(method, name, ignore):
    """Call a waiting supervisor method; one Fault code means "already in the wanted state"."""
    try:
        method(name, True)
    except xmlrpc.client.Fault as exc:
        if exc.faultCode != ignore:
            raise


def _info_status(info):
    """getProcessInfo -> the status shape."""
    state = _STATES.get(str(info.get("statename", "")).upper(), "unknown")
    pid = info.get("pid") or None
    uptime = None
    if state == "running" and info.get("start"):
        uptime = max(0, int((info.get("now") or time.time()) - info["start"]))
    return _status(state, pid=pid, uptime=uptime, message=info.get("description") or info.get("statename", ""))


def _fault_message(exc, program):
    """supervisord's own words, with a hint for the common misconfiguration."""
    if exc.faultCode == _BAD_NAME:
        return f"supervisord has no program named '{program}' (set TRIPLO_PROGRAM): {exc.faultString}"
    return f"supervisord: {exc.faultString}"


def _status(state, pid=None, uptime=None, message=""):
    return {"state": state, "pid": pid, "uptime_seconds": uptime, "message": message}


def _outcome(result, pid=None, message=""):
    return {"result": result, "pid": pid, "message": message}


def _tail(text, limit=400):
    text = (text or "").strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def _float(value, default):
    try:
        return float(value) if value else default
    except ValueError:
        return default
