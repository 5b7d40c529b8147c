"""SUPERVISOR_SERVER_URL parsing and DesktopController configuration (no supervisord needed)."""

import pytest

from webui.core.desktop import supervisor_rpc
from webui.core.desktop.control import DesktopController
from webui.core.desktop.supervisor_rpc import Endpoint


@pytest.mark.parametrize("url, socket_path, display", [
    ("unix:///tmp/x/supervisor.sock", "/tmp/x/supervisor.sock", "unix:///tmp/x/supervisor.sock"),
    ("http://127.0.0.1:9001", None, "http://127.0.0.1:9001/RPC2"),
    ("http://127.0.0.1:9001/RPC2", None, "http://127.0.0.1:9001/RPC2"),
    ("http://admin:p%40ss@127.0.0.1:9001/", None, "http://127.0.0.1:9001/RPC2"),
])
def test_endpoint_parsing_and_display_without_credentials(url, socket_path, display):
    endpoint = Endpoint(url)
    assert endpoint.socket_path == socket_path
    assert endpoint.display == display
    assert "p@ss" not in endpoint.display and "admin" not in endpoint.display


def test_credentials_from_url_are_unquoted_and_env_wins():
    assert (Endpoint("http://admin:p%40ss@h:1").username, Endpoint("http://admin:p%40ss@h:1").password) == ("admin", "p@ss")
    assert Endpoint("http://a:b@h:1", username="u", password="v").password == "v"


def test_unsupported_scheme_is_an_error():
    with pytest.raises(ValueError):
        Endpoint("ftp://host/x")


def test_from_env_defaults_and_overrides():
    ctl = DesktopController.from_env({})
    assert (ctl.server_url, ctl.program, ctl.restart_command) == (None, "triplo", None)
    ctl = DesktopController.from_env({"SUPERVISOR_SERVER_URL": " unix:///s.sock ", "TRIPLO_PROGRAM": "desk",
                                      "TRIPLO_RESTART_COMMAND": "true", "SUPERVISOR_TIMEOUT": "2",
                                      "TRIPLO_RESTART_TIMEOUT": "bad"})
    assert (ctl.server_url, ctl.program, ctl.restart_command) == ("unix:///s.sock", "desk", "true")
    assert (ctl.status_timeout, ctl.restart_timeout) == (2.0, 30.0)


def test_default_socket_only_when_it_exists(tmp_path, monkeypatch):
    monkeypatch.setattr(supervisor_rpc, "DEFAULT_SOCKET", str(tmp_path / "supervisor.sock"))
    assert supervisor_rpc.resolve_url({}) is None
    (tmp_path / "supervisor.sock").touch()
    assert supervisor_rpc.resolve_url({}) == f"unix://{tmp_path}/supervisor.sock"
    assert supervisor_rpc.resolve_url({"SUPERVISOR_SERVER_URL": "http://h:1"}) == "http://h:1"


def test_invalid_url_reports_instead_of_raising():
    ctl = DesktopController(server_url="ftp://nowhere")
    assert ctl.status()["state"] == "unreachable"
    assert ctl.restart()["result"] == "skipped"
