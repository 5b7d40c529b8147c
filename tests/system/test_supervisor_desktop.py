"""DesktopController against a real supervisord managing the stand-in desktop app."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.loopback import free_port
from webui.core.desktop import control as desktop
from webui.core.desktop import supervisor_rpc
from webui.core.desktop.control import DesktopController

from .supervisor_harness import (
    STANDIN, SUPERVISORCTL, SUPERVISORD, dump, kill_standins, read_records, short_dir, stop_process_group,
    wait_until,
)

pytestmark = pytest.mark.system

RPC_USER, RPC_PASSWORD = "rpc", "s3cret-pw"


@dataclass
class Supervisor:
    proc: subprocess.Popen
    socket: str
    http_port: int
    config_dir: Path
    record: Path
    logs: list
    conf: Path

    @property
    def url(self):
        return f"unix://{self.socket}"

    def controller(self, **kw):
        kw.setdefault("server_url", self.url)
        return DesktopController(**kw)

    def records(self):
        return read_records(self.record)


def supervisor_conf(run, config_dir, record, http_port):
    """One supervisord: unix socket + password-protected loopback HTTP, the stand-in, a program that cannot start."""
    return textwrap.dedent(f"""\
        [unix_http_server]
        file={run}/supervisor.sock
        chmod=0700

        [inet_http_server]
        port=127.0.0.1:{http_port}
        username={RPC_USER}
        password={RPC_PASSWORD}

        [supervisord]
        logfile={run}/supervisord.log
        pidfile={run}/supervisord.pid
        childlogdir={run}
        nodaemon=true

        [rpcinterface:supervisor]
        supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

        [supervisorctl]
        serverurl=unix://{run}/supervisor.sock

        [program:triplo]
        command={sys.executable} {STANDIN}
        environment=TRIPLO_CONFIG_DIR="{config_dir}",STANDIN_RECORD="{record}"
        autostart=true
        autorestart=true
        startsecs=1
        stopwaitsecs=5
        redirect_stderr=true
        stdout_logfile={run}/triplo.log

        [program:broken]
        command={sys.executable} -c "import sys; sys.exit(2)"
        autostart=false
        startsecs=1
        startretries=0
        redirect_stderr=true
        stdout_logfile={run}/broken.log
        """)


@contextlib.contextmanager
def running_supervisor(base):
    """A real supervisord -n in its own process group; waits until the stand-in runs; always stopped."""
    config_dir = base / "config"
    config_dir.mkdir()
    record = base / "standin.jsonl"
    with short_dir() as run:
        port = free_port()
        conf = run / "supervisord.conf"
        conf.write_text(supervisor_conf(run, config_dir, record, port))
        out = base / "supervisord.out"
        with open(out, "wb") as sink:
            proc = subprocess.Popen([SUPERVISORD, "-n", "-c", str(conf)], stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=base)
        sup = Supervisor(proc, str(run / "supervisor.sock"), port, config_dir, record,
                         [out, run / "supervisord.log", run / "triplo.log"], conf)
        try:
            ready = wait_until(lambda: sup.controller().status()["state"] == "running" and sup.records(), 15)
            if not ready:
                pytest.fail("supervisord did not bring up the stand-in within 15 s\n" + dump(*sup.logs))
            yield sup
        finally:
            stop_process_group(proc)
            kill_standins(record)


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory):
    """One supervisord shared by the tests that leave it running (each compares pids relative to its own start)."""
    with running_supervisor(tmp_path_factory.mktemp("supervisor")) as sup:
        yield sup


@pytest.fixture
def own_supervisor(tmp_path):
    """A supervisord for one test that kills it."""
    with running_supervisor(tmp_path) as sup:
        yield sup


def write_config(config_dir, profile, key, voice=False):
    """config.json as the web UI writes it: the template with the profile projected onto it."""
    template = json.loads((Path(__file__).resolve().parents[2] / "config-template.json").read_text())
    settings = template["settings"]
    settings["voice"] = voice
    desktop.project(settings, profile, key)
    (config_dir / "config.json").write_text(json.dumps(template))


def test_status_reports_running_pid_and_uptime(supervisor):
    status = supervisor.controller().status()
    assert status["state"] == "running"
    assert status["pid"] == supervisor.records()[-1]["pid"]
    assert isinstance(status["uptime_seconds"], int) and status["uptime_seconds"] >= 0
    assert "pid" in status["message"]


def test_restart_applies_each_profile(supervisor):
    ctl = supervisor.controller()
    first_pid = ctl.status()["pid"]
    write_config(supervisor.config_dir, {"provider": "open_router", "model": "openai/gpt-4o", "temperature": 0.3,
                                         "presence_penalty": 0}, "sk-or-v1-000000000000abcd")
    a = ctl.restart()
    assert a["result"] == "restarted", a
    assert a["pid"] not in (None, first_pid)
    assert supervisor.records()[-1] == dict(supervisor.records()[-1], pid=a["pid"], ai_source="open_router",
                                            model="openai/gpt-4o", key_hint="abcd")

    write_config(supervisor.config_dir, {"provider": "ollama", "model": "qwen2", "base_url": "http://127.0.0.1:11434",
                                         "models": ["llama3"]}, None)
    b = ctl.restart()
    assert b["result"] == "restarted", b
    assert b["pid"] not in (None, a["pid"])
    last = supervisor.records()[-1]
    assert (last["pid"], last["ai_source"], last["model"], last["key_hint"]) == (b["pid"], "ollama", ["qwen2", "llama3"], None)
    assert ctl.status()["pid"] == b["pid"]


def test_restart_command_success(supervisor):
    before = supervisor.controller().status()["pid"]
    # -c: without it supervisorctl picks up whatever supervisord.conf sits in the current directory
    command = f"{SUPERVISORCTL} -c {supervisor.conf} -s {supervisor.url} restart triplo"
    outcome = supervisor.controller(restart_command=command).restart()
    assert outcome["result"] == "restarted", outcome
    assert "code 0" in outcome["message"]
    assert outcome["pid"] not in (None, before)
    assert supervisor.records()[-1]["pid"] == outcome["pid"]


def test_restart_command_failure_is_reported():
    command = f"{sys.executable} -c \"import sys; sys.stderr.write('cannot reach the desktop app'); sys.exit(3)\""
    outcome = DesktopController(restart_command=command).restart()
    assert outcome == {"result": "failed", "pid": None,
                       "message": "TRIPLO_RESTART_COMMAND exited with code 3: cannot reach the desktop app"}


@pytest.mark.parametrize("command, words", [
    ("/nonexistent/restart-triplo", "not found"),
    ("'unbalanced", "cannot be parsed"),
])
def test_restart_command_that_cannot_run(command, words):
    outcome = DesktopController(restart_command=command).restart()
    assert outcome["result"] == "failed" and words in outcome["message"]


def test_restart_command_timeout_is_failure():
    ctl = DesktopController(restart_command=f"{sys.executable} -c 'import time; time.sleep(30)'", restart_timeout=0.5)
    outcome = ctl.restart()
    assert outcome["result"] == "failed" and "did not finish" in outcome["message"]


def test_unknown_program_fails_with_supervisor_message(supervisor):
    ctl = supervisor.controller(program="no-such-program")
    outcome = ctl.restart()
    assert outcome["result"] == "failed"
    assert "BAD_NAME" in outcome["message"] and "TRIPLO_PROGRAM" in outcome["message"]
    assert ctl.status()["state"] == "unknown"


def test_program_that_cannot_start_fails(supervisor):
    outcome = supervisor.controller(program="broken").restart()
    assert outcome["result"] == "failed"
    assert outcome["message"].startswith("supervisord: ") and "broken" in outcome["message"]


def test_http_url_with_credentials(supervisor):
    good = DesktopController(server_url=f"http://{RPC_USER}:{RPC_PASSWORD}@127.0.0.1:{supervisor.http_port}")
    assert good.status()["state"] == "running"
    bad = DesktopController(server_url=f"http://{RPC_USER}:wrong@127.0.0.1:{supervisor.http_port}")
    status = bad.status()
    assert status["state"] == "unreachable" and "401" in status["message"]
    assert "wrong" not in status["message"] and RPC_PASSWORD not in status["message"]
    assert bad.restart()["result"] != "restarted"


def test_env_credentials_for_http(supervisor):
    ctl = DesktopController.from_env({"SUPERVISOR_SERVER_URL": f"http://127.0.0.1:{supervisor.http_port}",
                                      "SUPERVISOR_USERNAME": RPC_USER, "SUPERVISOR_PASSWORD": RPC_PASSWORD})
    assert ctl.status()["state"] == "running"


def test_killed_supervisord_is_unreachable_never_success(own_supervisor):
    ctl = own_supervisor.controller()
    os.kill(own_supervisor.proc.pid, signal.SIGKILL)
    own_supervisor.proc.wait(timeout=5)
    status = ctl.status()
    assert status["state"] == "unreachable" and status["pid"] is None
    outcome = ctl.restart()
    assert outcome["result"] == "skipped"
    assert "not reachable" in outcome["message"]


def test_default_socket_used_only_when_it_exists(supervisor, monkeypatch):
    monkeypatch.setattr(supervisor_rpc, "DEFAULT_SOCKET", supervisor.socket)
    assert DesktopController.from_env({}).status()["state"] == "running"


def test_no_url_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(supervisor_rpc, "DEFAULT_SOCKET", str(tmp_path / "absent.sock"))
    ctl = DesktopController.from_env({})
    assert ctl.status()["state"] == "unreachable"
    outcome = ctl.restart()
    assert outcome["result"] == "skipped" and "SUPERVISOR_SERVER_URL" in outcome["message"]


def test_missing_socket_file_is_skipped(tmp_path):
    ctl = DesktopController(server_url=f"unix://{tmp_path}/gone.sock")
    assert ctl.status()["state"] == "unreachable"
    assert ctl.restart()["result"] == "skipped"
