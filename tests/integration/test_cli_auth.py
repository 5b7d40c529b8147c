"""`python -m webui set-password` and `create-token NAME` end to end, then used against the app."""

import os
import subprocess
import sys

from tests.app_fixtures import app_environ, basic, make_app
from tests.integration.api_client import Api
from webui.core.access.auth import AuthStore


def _cli(config_dir, *args, **env):
    environ = app_environ(config_dir, **env)
    environ.pop("WEBUI_PASSWORD", None)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, "-m", "webui", *args], env=environ, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, cwd=root)


def test_set_password_then_log_in(config_dir):
    make_app(config_dir)  # first run: the initial password from the environment
    done = _cli(config_dir, "set-password", WEBUI_NEW_PASSWORD="a much better password")
    assert done.returncode == 0, done.stderr
    assert "Password changed." in done.stdout
    assert "a much better password" not in done.stdout + done.stderr
    store = AuthStore(config_dir)
    assert store.verify_password("admin", "a much better password")
    assert not store.verify_password("admin", "correct horse battery")
    app = make_app(config_dir)
    new = basic(password="a much better password")
    assert Api(app, auth_headers=new).get("/api/status").status == 200


def test_set_password_refuses_a_short_one(config_dir):
    done = _cli(config_dir, "set-password", WEBUI_NEW_PASSWORD="short")
    assert done.returncode == 1 and "Password not changed" in done.stderr
    assert "short" not in done.stdout


def test_create_token_shown_once_and_works(config_dir):
    app = make_app(config_dir)
    done = _cli(config_dir, "create-token", "deploy-script")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("tw_") and len(token) > 30
    raw = (config_dir / "webui-auth.json").read_text()
    assert token not in raw  # only its hash is stored
    assert oct(os.stat(config_dir / "webui-auth.json").st_mode & 0o777) == "0o600"
    api = Api(app, auth_headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/config").status == 200
    assert api.post("/api/config", {"settings": {"sound": False}}).status == 200
    again = _cli(config_dir, "create-token", "deploy-script")
    assert again.returncode == 1 and "already exists" in again.stderr
