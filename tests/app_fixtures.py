"""App fixtures shared by integration, browser and system tests: temp config folder, live server, client, login."""

import base64
import os
import re
import threading

import pytest
import requests
from werkzeug.serving import make_server

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct horse battery"
# Variables the tests name in api_key_ref beyond the providers' own (WEBUI_KEY_REF_ALLOW allows them).
TEST_KEY_REFS = "GAMMA_KEY,STORY_KEY,DELTA_KEY,LEGACY_KEY,MISSING_VAR_API_KEY,TRIPLO_TEST_UNSET_API_KEY"


def app_environ(config_dir, **extra):
    """A clean environment for one app: temp config folder, known login, no real provider keys."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_", "OTEL_"))}
    env.update(TRIPLO_CONFIG_DIR=str(config_dir), WEBUI_USERNAME=ADMIN_USER, WEBUI_PASSWORD=ADMIN_PASSWORD,
               WEBUI_KEY_REF_ALLOW=TEST_KEY_REFS)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def make_app(config_dir, **extra_env):
    """create_app against a temp config folder."""
    from webui import create_app

    env = app_environ(config_dir, **extra_env)
    return create_app({"TESTING": True, "CONFIG_DIR": str(config_dir), "ENVIRON": env})


# ---- the one client, the one login ----------------------------------------------------------------------

def basic(username=ADMIN_USER, password=ADMIN_PASSWORD):
    """Headers for HTTP Basic."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


BASIC = basic()


def http_session(base=None, headers=None, trust_env=True):
    """The real-HTTP client every test uses: a requests.Session with default headers; the server's URL in .base."""
    http = requests.Session()
    http.headers.update(headers or {})
    http.trust_env = trust_env  # False: never through a proxy from the environment
    http.base = base
    return http


def login(client, base="", username=ADMIN_USER, password=ADMIN_PASSWORD, next_path=None, **kwargs):
    """POST the login form through a Flask test client or a requests.Session (base URL then); the response."""
    data = {"username": username, "password": password}
    if next_path:
        data["next"] = next_path
    return client.post(f"{base}/login", data=data, **kwargs)


def page_csrf(client, base=""):
    """The CSRF token the index page puts in its csrf-token meta tag (for a logged-in client)."""
    response = client.get(f"{base}/")
    page = response.text if isinstance(response, requests.Response) else response.get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "no csrf meta tag on the index page"
    return match.group(1)


def logged_in_session(base, username=ADMIN_USER, password=ADMIN_PASSWORD):
    """A session logged in through /login like a browser, with X-CSRF-Token set from the page's meta tag."""
    http = http_session(base)
    response = login(http, base, username, password, timeout=10)
    assert response.status_code == 200, response.text[:500]
    http.headers["X-CSRF-Token"] = page_csrf(http, base)
    return http


# ---- the one live server --------------------------------------------------------------------------------

class LiveServer:
    """The real app over real HTTP on 127.0.0.1 (threaded); stops within ~50 ms."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def config_dir(tmp_path):
    """An empty config folder for one test."""
    path = tmp_path / "config"
    path.mkdir()
    return path


@pytest.fixture
def app(config_dir, request):
    """The app on a temp config folder; extra environment by indirect parametrisation:
    @pytest.mark.parametrize("app", [{"WEBUI_X": "1"}], indirect=True)."""
    return make_app(config_dir, **getattr(request, "param", {}))


@pytest.fixture
def client(app):
    """Flask test client (not logged in)."""
    return app.test_client()


@pytest.fixture
def live_server(config_dir):
    """Factory: live_server(app=None, **env) serves `app` (or a new app on config_dir with env); stopped after the test."""
    servers = []

    def start(app=None, **env):
        server = LiveServer(app if app is not None else make_app(config_dir, **env)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)


@pytest.fixture
def live(app, live_server):
    """The `app` fixture served over real HTTP on loopback (.url, .app)."""
    return live_server(app)


@pytest.fixture
def api(live):
    """A requests.Session authenticated with HTTP Basic against the live server (base URL in .base)."""
    return http_session(live.url, BASIC)
