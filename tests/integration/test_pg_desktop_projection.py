"""With PostgreSQL as the store of record, config.json is still the projection an attached desktop app reads:
written before restart-to-apply runs, and refreshed in every instance's folder when another instance saves."""

import json

from tests.integration.api_client import Api
from tests.app_fixtures import make_app
from tests.system.supervisor_harness import wait_until


def test_activation_writes_config_json_before_the_restart(tmp_path, pg_url):
    folder, seen = tmp_path / "desktop", tmp_path / "seen-by-restart.json"
    folder.mkdir()
    command = f"cp {folder / 'config.json'} {seen}"  # what the desktop app would read when it restarts
    app = make_app(folder, WEBUI_DATABASE_URL=pg_url, TRIPLO_RESTART_COMMAND=command)
    api = Api(app)
    profile = api.create_profile()
    activated = api.post("/api/llm/profile/activate", {"id": profile["id"]})
    assert activated.status == 200 and activated.body["desktop"]["result"] == "restarted", activated.text
    settings = json.loads(seen.read_text())["settings"]
    assert settings["active_llm_profile"] == profile["id"] and settings["ai_source"]
    assert api.get("/api/config").body["revision"] == activated.body["revision"]


def test_another_instances_save_reaches_this_folder_within_a_second(tmp_path, pg_url):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    one = Api(make_app(first, WEBUI_DATABASE_URL=pg_url))
    make_app(second, WEBUI_DATABASE_URL=pg_url)
    profile = one.create_profile()

    def projected():
        try:
            names = [p["id"] for p in json.loads((second / "config.json").read_text())["settings"]["llm_profiles"]]
        except (OSError, ValueError, KeyError):
            return False
        return profile["id"] in names

    assert wait_until(projected, 1.0, interval=0.02)
