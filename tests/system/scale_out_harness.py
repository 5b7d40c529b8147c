"""Instances of the app under gunicorn on loopback ports, sharing one config folder and Redis (issue 21 tests)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER, http_session
from tests.loopback import closed_proxy_env, free_port
from tests.system.supervisor_harness import stop_process_group, wait_until

KEY = "sk-scale-out-test-0000-0000"
PRICED = {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}  # $0.001 a token: costs easy to add up


def prepare(config_dir, fake, budget_usd, max_tokens=100):
    """Profiles `capped` (a budget) and `free` (none) on the fake, and an API token (returned)."""
    from webui.core.access.auth import AuthStore
    from webui.core.config import profile_ops
    from webui.core.config.service import ConfigService

    env = {"TRIPLO_CONFIG_DIR": str(config_dir), "WEBUI_USERNAME": ADMIN_USER, "WEBUI_PASSWORD": ADMIN_PASSWORD}
    svc = ConfigService(str(config_dir), environ=env)
    common = {"provider": "open_ai", "model": "gpt-4o-mini", "base_url": fake.base_url, "api_key": KEY,
              "max_tokens": max_tokens, "pricing": PRICED}
    profile_ops.create_profile(svc, {**common, "id": "capped", "name": "Capped", "set_active": True,
                                     "budget": {"monthly_usd": budget_usd}}, restart=False)
    profile_ops.create_profile(svc, {**common, "id": "free", "name": "Free"}, restart=False)
    AuthStore(str(config_dir)).ensure_initialized(env)
    return AuthStore(str(config_dir)).create_token("scale-out")[1]


def start(config_dir, log_dir, name, **extra):
    """One gunicorn instance (our config) on a free port; .base is its URL. Not waited for: see healthy()."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(TRIPLO_CONFIG_DIR=str(config_dir), WEBUI_USERNAME=ADMIN_USER, WEBUI_PASSWORD=ADMIN_PASSWORD,
               WEBUI_LOG_LEVEL="WARNING", **closed_proxy_env(), **{k: str(v) for k, v in extra.items()})
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = Path(log_dir) / f"{name}.log"
    sink = open(log, "wb")  # noqa: SIM115 - closed in stop()
    proc = subprocess.Popen([str(gunicorn), "-c", "python:webui.serve.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                             "webui:create_app()"], env=env, stdout=sink, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=log_dir)
    proc.log, proc.base, proc.sink = log, f"http://127.0.0.1:{port}", sink
    return proc


def healthz(proc):
    """(status, json) of /healthz, or None when nothing answers."""
    try:
        response = http_session(trust_env=False).get(f"{proc.base}/healthz", timeout=2)
        return response.status_code, response.json()
    except Exception:  # noqa: BLE001 - not up (yet)
        return None


def wait_up(*procs):
    for proc in procs:
        assert wait_until(lambda p=proc: healthz(p) is not None or p.poll() is not None, 30, 0.1), proc.log.read_text()
        assert proc.poll() is None, proc.log.read_text()


def stop(*procs):
    for proc in procs:
        stop_process_group(proc)
        proc.sink.close()
