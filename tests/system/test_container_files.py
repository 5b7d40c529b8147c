"""The container files outside Docker (no engine here): shell syntax, Dockerfile lint, supervisord.conf, and the
entrypoint bringing up supervisord, the stand-in desktop app and the web UI on loopback.

Tests named test_webapp_* need the web app (`webui.create_app` answering /healthz and `python -m webui seed`);
the `needs_webapp` fixture fails them with a clear message, never skips, while those modules are missing.
"""

import contextlib
import importlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import requests

from tests.app_fixtures import http_session
from tests.loopback import closed_proxy_env, free_port
from webui.core.desktop.control import DesktopController

from .supervisor_harness import (
    REPO, STANDIN, SUPERVISORCTL, SUPERVISORD, VENV_BIN, dump, kill_standins, read_records, short_dir,
    stop_process_group, wait_until,
)

pytestmark = pytest.mark.system

SCRIPTS = ("entrypoint.sh", "init-config.sh")
CONF = REPO / "supervisord.conf"


# ---- static checks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_scripts_parse_and_are_executable(script):
    path = REPO / script
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")


def test_init_config_is_a_thin_wrapper_over_the_cli():
    lines = [line for line in (REPO / "init-config.sh").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[-1] == 'exec "${WEBUI_PYTHON:-python3}" -m webui seed "$@"'


def dockerfile_instructions():
    """(KEYWORD, arguments) pairs: comments dropped, backslash continuations joined."""
    out, pending = [], ""
    for raw in (REPO / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        out.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def instruction(keyword):
    return [args for kw, args in dockerfile_instructions() if kw == keyword]


def test_dockerfile_parses_into_known_instructions():
    known = {"FROM", "ARG", "ENV", "RUN", "WORKDIR", "COPY", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD",
             "LABEL", "USER"}
    found = dockerfile_instructions()
    assert {kw for kw, _ in found} <= known
    assert found[0][0] == "FROM" and found[0][1].startswith("python:3.11-slim")


def test_dockerfile_build_args():
    args = dict(a.split("=", 1) for a in instruction("ARG"))
    assert args["INSTALL_TRIPLO"] == "true"
    assert args["TRIPLO_DOWNLOAD_URL"].startswith("https://")
    run = " ".join(instruction("RUN"))
    assert '"$INSTALL_TRIPLO" = "true"' in run and '"$TRIPLO_DOWNLOAD_URL"' in run


def test_dockerfile_runtime_contract():
    env = " ".join(instruction("ENV"))
    assert "WEBUI_HOST=0.0.0.0" in env and "WEBUI_PORT=8080" in env
    assert 'TRIPLO_CONFIG_DIR="/root/.config/Triplo AI"' in env
    assert json.loads(instruction("VOLUME")[0]) == ["/root/.config/Triplo AI"]
    assert instruction("EXPOSE") == ["8080"]
    health = instruction("HEALTHCHECK")[0]
    assert "http://127.0.0.1:" in health and "/healthz" in health and "--timeout=" in health
    assert json.loads(instruction("ENTRYPOINT")[0]) == ["/app/entrypoint.sh"]
    assert "supervisor" in " ".join(instruction("RUN"))


def test_dockerfile_copies_files_that_exist_and_are_not_ignored():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    sources = []
    for args in instruction("COPY"):
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        sources += parts[:-1]
    for needed in ("entrypoint.sh", "init-config.sh", "supervisord.conf", "config-template.json", "webui",
                   "templates", "static", "pyproject.toml"):
        assert needed in sources, needed
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: not in the repo"
        assert source.split("/")[0] not in ignored, f"COPY {source}: excluded by .dockerignore"


def test_every_conf_variable_has_an_entrypoint_default():
    settings = "\n".join(line for line in CONF.read_text().splitlines() if not line.lstrip().startswith(";"))
    used = set(re.findall(r"%\(ENV_([A-Z0-9_]+)\)s", settings))
    exported = set()
    for line in re.findall(r"^export (.+)$", (REPO / "entrypoint.sh").read_text(), re.M):
        exported |= {word.split("=")[0] for word in line.split() if re.match(r"^[A-Z0-9_]+(=|$)", word)}
    assert used <= exported, used - exported


def test_supervisord_conf_loads_with_overrides(tmp_path):
    """supervisor's own parser: programs, commands from the environment, the socket and the RPC interface."""
    code = textwrap.dedent("""\
        import json, sys
        from supervisor.options import ServerOptions
        o = ServerOptions()
        o.realize(args=["-c", sys.argv[1]])
        progs = {p.name: {"command": p.command, "autostart": p.autostart, "directory": p.directory,
                          "env": p.environment, "stopasgroup": p.stopasgroup}
                 for g in o.process_group_configs for p in g.process_configs}
        print(json.dumps({"programs": progs, "socket": o.server_configs[0]["file"],
                          "rpc": [f[0] for f in o.rpcinterface_factories]}))
        """)
    env = dict(os.environ, SUPERVISOR_SOCKET=str(tmp_path / "s.sock"), SUPERVISOR_LOG_DIR=str(tmp_path),
               SUPERVISOR_PIDFILE=str(tmp_path / "pid"), XVFB_COMMAND="Xvfb :7", XVFB_AUTOSTART="false",
               TRIPLO_COMMAND="/opt/triplo/triplo.ai --no-sandbox", TRIPLO_AUTOSTART="true", DISPLAY=":7",
               WEBUI_GUNICORN="gunicorn", WEBUI_HOST="127.0.0.1", WEBUI_PORT="9999", WEBUI_DIR=str(REPO),
               WEBUI_LOGFILE=str(tmp_path / "webui.log"))
    done = subprocess.run([sys.executable, "-c", code, str(CONF)], env=env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    conf = json.loads(done.stdout)
    progs = conf["programs"]
    assert set(progs) == {"xvfb", "triplo", "webui"}
    assert progs["triplo"]["env"] == {"DISPLAY": ":7"} and progs["triplo"]["stopasgroup"] is True
    assert progs["xvfb"]["autostart"] is False
    argv = shlex.split(progs["webui"]["command"])
    assert argv[0] == "gunicorn" and argv[-1] == "webui:create_app()"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9999"
    # the same settings module as `python -m webui serve`: one gevent worker, access log without query strings
    assert argv[argv.index("-c") + 1] == "python:webui.serve.gunicorn_conf"
    from webui.serve.gunicorn_conf import settings

    assert settings()["worker_class"] == "webui.serve.worker.Worker" and settings()["workers"] == 1
    assert "%(U)s" in settings()["access_log_format"] and "%(q)s" not in settings()["access_log_format"]
    assert conf["socket"] == str(tmp_path / "s.sock") and conf["rpc"] == ["supervisor"]


# ---- the entrypoint, for real -------------------------------------------------------------------------

@pytest.fixture
def needs_webapp():
    """Fail (not skip) with a clear message when the web app modules these tests drive are not there yet."""
    for module in ("webui.web.app", "webui.core.config.seed"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            pytest.fail(f"needs the web app: module {exc.name} does not exist yet (required by {module})")


def container_env(config_dir, run, **extra):
    """The environment `docker run` would give, with every path pointed at temp folders and loopback."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}", HOME=str(config_dir.parent),
        TRIPLO_CONFIG_DIR=str(config_dir), WEBUI_USERNAME="admin", WEBUI_PASSWORD="correct horse battery",
        WEBUI_HOST="127.0.0.1", WEBUI_PORT=str(free_port()), WEBUI_DIR=str(REPO),
        WEBUI_PYTHON=sys.executable, WEBUI_GUNICORN=str(VENV_BIN / "gunicorn"), WEBUI_LOGFILE=str(run / "webui.log"),
        SUPERVISORD=SUPERVISORD, SUPERVISOR_SOCKET=str(run / "supervisor.sock"), SUPERVISOR_LOG_DIR=str(run / "log"),
        SUPERVISOR_PIDFILE=str(run / "supervisord.pid"),
        TRIPLO_COMMAND=f"{sys.executable} {STANDIN}", XVFB_AUTOSTART="false",
        STANDIN_RECORD=str(config_dir.parent / "standin.jsonl"),
    )
    env.update(closed_proxy_env())  # the in-process guard cannot see these processes: HTTP beyond loopback dead-ends
    env.update(extra)
    return env


def loopback_session():
    """requests without proxies from the environment: these tests only ever talk to 127.0.0.1."""
    return http_session(trust_env=False)


def healthz(env):
    try:
        response = loopback_session().get(f"http://127.0.0.1:{env['WEBUI_PORT']}/healthz", timeout=1)
    except requests.RequestException:
        return None
    return response if response.status_code == 200 else None


def program_pids(url):
    """Pids of every program supervisord runs now (to clean up orphans if supervisord has to be killed)."""
    from webui.core.desktop.supervisor_rpc import Endpoint

    try:
        return [p["pid"] for p in Endpoint(url).proxy(3).supervisor.getAllProcessInfo() if p["pid"]]
    except Exception:  # noqa: BLE001 - cleanup helper: nothing to do when supervisord is gone
        return []


def kill_groups(pids):
    """supervisord puts each program in its own process group: kill what is left of them."""
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


@contextlib.contextmanager
def container(tmp_path, **extra_env):
    """entrypoint.sh as `docker run` would start it, on temp paths and loopback; waits for /healthz; always stopped."""
    config_dir = tmp_path / "Triplo AI"
    with short_dir() as run:
        env = container_env(config_dir, run, **extra_env)
        out = tmp_path / "entrypoint.out"
        with open(out, "wb") as sink:
            proc = subprocess.Popen(["bash", str(REPO / "entrypoint.sh")], env=env, stdout=sink,
                                    stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
        box = SimpleNamespace(env=env, proc=proc, config_dir=config_dir, url=f"unix://{env['SUPERVISOR_SOCKET']}",
                              base=f"http://127.0.0.1:{env['WEBUI_PORT']}", health=None, pids=[],
                              logs=[out, run / "log" / "supervisord.log", run / "webui.log", run / "log" / "triplo.log"])
        try:
            box.health = wait_until(lambda: healthz(env), 30, interval=0.25)
            box.pids = program_pids(box.url)
            assert box.health is not None, "GET /healthz never answered 200 within 30 s\n" + dump(*box.logs)
            yield box
        finally:
            pids = box.pids or program_pids(box.url)
            stop_process_group(proc)
            kill_groups(pids)  # programs outlive a SIGKILLed supervisord
            kill_standins(env["STANDIN_RECORD"])


def desktop_running(box):
    """The desktop program's status once RUNNING (the stand-in has then recorded what it loaded)."""
    status = wait_until(lambda: (s := DesktopController(server_url=box.url).status())["state"] == "running" and s, 15)
    assert status, "the desktop program never reached RUNNING\n" + dump(*box.logs)
    return status


def test_webapp_entrypoint_brings_up_supervisord_desktop_and_webui(tmp_path, needs_webapp):
    with container(tmp_path, OPENAI_API_KEY="sk-test-0000000000000000wxyz", TRIPLO_AI_SOURCE="open_ai",
                   TRIPLO_OPENAI_MODEL="gpt-4o") as box:
        assert box.health.json() == {"ok": True, "store": "file", "redis": "off"}
        assert box.proc.poll() is None, "the entrypoint (supervisord) exited\n" + dump(*box.logs)

        # seeding ran first, and the desktop app (the stand-in) started from the seeded config
        assert (box.config_dir / "config.json").exists()
        status = desktop_running(box)
        record = read_records(box.env["STANDIN_RECORD"])[-1]
        assert (record["pid"], record["ai_source"], record["model"], record["key_hint"]) == \
               (status["pid"], "open_ai", "gpt-4o", "wxyz")

        # supervisorctl finds the socket through the conf's [supervisorctl] section; webui may still be
        # inside its startsecs window although it already answers
        def ctl_status():
            done = subprocess.run([SUPERVISORCTL, "-c", str(CONF), "status"], env=box.env, capture_output=True,
                                  text=True, timeout=15)
            return done.stdout if re.search(r"^webui\s+RUNNING", done.stdout, re.M) else None

        listing = wait_until(ctl_status, 10, interval=0.5)
        assert listing, "supervisorctl never showed webui RUNNING\n" + dump(*box.logs)
        assert re.search(r"^triplo\s+RUNNING", listing, re.M) and re.search(r"^xvfb\s+STOPPED", listing, re.M), listing


def test_webapp_activation_restarts_the_desktop_app(tmp_path, needs_webapp):
    """The issue's acceptance test: activate A, then B, through the API; then kill supervisord."""
    with container(tmp_path, OPENAI_API_KEY="sk-test-0000000000000000aaaa", ANTHROPIC_API_KEY="sk-ant-test-000000bbbb",
                   TRIPLO_AI_SOURCE="open_ai", TRIPLO_OPENAI_MODEL="gpt-4o") as box:
        http = loopback_session()
        http.auth = (box.env["WEBUI_USERNAME"], box.env["WEBUI_PASSWORD"])
        first = desktop_running(box)
        status = http.get(f"{box.base}/api/status", timeout=10).json()
        assert status["desktop"]["state"] == "running" and status["desktop"]["pid"] == first["pid"]
        assert status["active_profile"]["provider"] == "open_ai"
        ids = {p["provider"]: p["id"] for p in http.get(f"{box.base}/api/llm/profiles", timeout=10).json()["profiles"]}

        previous = first["pid"]
        for provider, hint in (("anthropic", "bbbb"), ("open_ai", "aaaa")):
            answer = http.post(f"{box.base}/api/llm/profile/activate", json={"id": ids[provider]}, timeout=60)
            assert answer.status_code == 200, answer.text
            outcome = answer.json()["desktop"]
            assert outcome["result"] == "restarted", outcome
            assert outcome["pid"] not in (None, previous)
            record = read_records(box.env["STANDIN_RECORD"])[-1]
            assert (record["pid"], record["ai_source"], record["key_hint"]) == (outcome["pid"], provider, hint)
            previous = outcome["pid"]

        os.kill(box.proc.pid, signal.SIGKILL)  # supervisord is PID 1 of the container: the web UI lives on
        box.proc.wait(timeout=5)
        status = http.get(f"{box.base}/api/status", timeout=15).json()
        assert status["desktop"]["state"] == "unreachable"
        answer = http.post(f"{box.base}/api/llm/profile/activate", json={"id": ids["anthropic"]}, timeout=60)
        assert answer.json()["desktop"]["result"] == "skipped", answer.text


def test_webapp_entrypoint_stops_when_seeding_fails(tmp_path, needs_webapp):
    config_dir = tmp_path / "Triplo AI"
    with short_dir() as run:
        env = container_env(config_dir, run, TRIPLO_LLM_PROFILES="{not json")
        done = subprocess.run(["bash", str(REPO / "entrypoint.sh")], env=env, capture_output=True, text=True,
                              timeout=30, start_new_session=True)
        assert done.returncode != 0
        assert "TRIPLO_LLM_PROFILES" in done.stdout + done.stderr
        assert not (config_dir / "config.json").exists()
        assert not os.path.exists(env["SUPERVISOR_SOCKET"]), "supervisord must not start after a failed seed"


def test_webapp_init_config_seeds_once_and_force_backs_up(tmp_path, needs_webapp):
    config_dir = tmp_path / "Triplo AI"
    env = container_env(config_dir, tmp_path, ANTHROPIC_API_KEY='sk-ant-"quoted\\back\\slash-1234',
                        TRIPLO_AI_SOURCE="anthropic")
    script = str(REPO / "init-config.sh")
    first = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert first.returncode == 0, first.stderr
    written = (config_dir / "config.json").read_bytes()
    assert json.loads(written)["settings"]["ai_source"] == "anthropic"

    again = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stderr
    assert (config_dir / "config.json").read_bytes() == written

    forced = subprocess.run([script, "--force"], env=env, capture_output=True, text=True, timeout=30)
    assert forced.returncode == 0, forced.stderr
    assert any((config_dir / "backups").iterdir())
