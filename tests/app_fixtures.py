"""App fixtures shared by integration, browser and system tests: temp config folder, live server, auth."""

import base64
import os
import threading

import pytest
import requests
from werkzeug.serving import make_server

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct horse battery"


def app_environ(config_dir, **extra):
    """A clean environment for one app: temp config folder, known login, no real provider keys."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(TRIPLO_CONFIG_DIR=str(config_dir), WEBUI_USERNAME=ADMIN_USER, WEBUI_PASSWORD=ADMIN_PASSWORD)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def make_app(config_dir, **extra_env):
    """create_app against a temp config folder."""
    from webui import create_app

    env = app_environ(config_dir, **extra_env)
    return create_app({"TESTING": True, "CONFIG_DIR": str(config_dir), "ENVIRON": env})


class LiveServer:
    """The real app over real HTTP on 127.0.0.1 (threaded), stopped in finally by the fixture."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


class AuthActions:
    """Log in through the real form (cookie + CSRF) or make Basic/Bearer headers."""

    def __init__(self, base_url):
        self.base_url = base_url

    def session(self, username=ADMIN_USER, password=ADMIN_PASSWORD):
        """A requests.Session logged in through /login, with X-CSRF-Token set from the page's meta tag."""
        import re

        http = requests.Session()
        response = http.post(f"{self.base_url}/login", data={"username": username, "password": password}, timeout=10)
        assert response.status_code == 200, response.text[:500]
        page = http.get(f"{self.base_url}/", timeout=10).text
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "no csrf meta tag on the index page"
        http.headers["X-CSRF-Token"] = match.group(1)
        return http

    @staticmethod
    def basic(username=ADMIN_USER, password=ADMIN_PASSWORD):
        """Headers for HTTP Basic."""
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


@pytest.fixture
def config_dir(tmp_path):
    """An empty config folder for one test."""
    path = tmp_path / "config"
    path.mkdir()
    return path


@pytest.fixture
def app(config_dir):
    """The app on a temp config folder."""
    return make_app(config_dir)


@pytest.fixture
def client(app):
    """Flask test client (not logged in)."""
    return app.test_client()


@pytest.fixture
def live(app):
    """The app served over real HTTP on loopback."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def auth(live):
    """AuthActions against the live server."""
    return AuthActions(live.url)


@pytest.fixture
def api(live, auth):
    """A requests.Session authenticated with HTTP Basic against the live server (base URL in .base)."""
    http = requests.Session()
    http.headers.update(auth.basic())
    http.base = live.url
    return http
