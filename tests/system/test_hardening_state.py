"""Issue 15, items 10 and 12-15: storage failures, sessions that end, an atomic throttle, one If-Match, lost keys."""

import json
import os
import subprocess
import threading

import pytest

from tests.app_fixtures import basic, http_session, logged_in_session, make_app

pytestmark = pytest.mark.system

PROFILE = {"id": "p1", "name": "One", "provider": "openai", "model": "gpt-4o", "api_key": "sk-proj-hardening-0000aa11"}
ROLES_YAML = "characters:\n  - id: gm\n    name: Game Master\n"


# ---- item 14: /api/v1 writes honour If-Match like /api/... ---------------------------------------------

V1_WRITES = [
    ("post", "/api/v1/profiles?restart=false", {"json": {"profiles": [dict(PROFILE, name="Renamed")]}}),
    ("post", "/api/v1/profiles/add?restart=false", {"json": dict(PROFILE, id="p2", name="Two")}),
    ("delete", "/api/v1/profiles/p0?restart=false", {}),
    ("put", "/api/v1/roles", {"json": {"roles": [{"id": "gm", "name": "GM"}]}}),
    ("post", "/api/v1/roles/import?restart=false",
     {"data": ROLES_YAML, "headers": {"Content-Type": "application/x-yaml"}}),
]


@pytest.mark.parametrize("method, path, kwargs", V1_WRITES, ids=[w[1].split("?")[0] for w in V1_WRITES])
def test_item14_v1_writes_honour_if_match(api, method, path, kwargs):
    base = api.base
    assert api.post(f"{base}/api/llm/profiles?restart=false", json=PROFILE).status_code == 201
    stale = api.get(f"{base}/api/v1/profiles").headers["ETag"]
    zero = api.post(f"{base}/api/llm/profiles?restart=false", json=dict(PROFILE, id="p0", name="Zero"))
    assert zero.status_code == 201
    current = api.get(f"{base}/api/v1/profiles").headers["ETag"]
    reference = api.patch(f"{base}/api/llm/profiles/p1?restart=false", json={"temperature": 0.3},
                          headers={"If-Match": stale})
    assert reference.status_code == 409

    headers = dict(kwargs.get("headers", {}), **{"If-Match": stale})
    refused = getattr(api, method)(f"{base}{path}", **dict(kwargs, headers=headers))
    assert refused.status_code == 409, refused.text[:300]
    assert refused.json() == reference.json()  # one error body for both APIs
    assert api.get(f"{base}/api/v1/profiles").headers["ETag"] == current  # nothing was written

    headers["If-Match"] = "*"  # unconditional
    assert getattr(api, method)(f"{base}{path}", **dict(kwargs, headers=headers)).status_code in (200, 201)


# ---- item 13: the login throttle's count is atomic ---------------------------------------------------------

@pytest.mark.parametrize("how", ["form", "basic"])
def test_item13_parallel_wrong_guesses_pass_the_throttle_at_most_ten_times(live, how):
    from webui.core.access.throttle import LOCK_AFTER

    statuses, start = [], threading.Barrier(30)

    def guess(index):
        http = http_session(live.url, trust_env=False)
        start.wait(timeout=30)
        if how == "form":
            reply = http.post(f"{live.url}/login", data={"username": "admin", "password": f"wrong-{index}"},
                              timeout=60)
        else:
            reply = http.get(f"{live.url}/api/status", headers=basic(password=f"wrong-{index}"), timeout=60)
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 30 and set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= LOCK_AFTER, statuses  # 401: the password was checked


# ---- item 12: logout ends the session server-side ----------------------------------------------------------

def _cookie_copy(session, base):
    """A new client holding a copy of `session`'s cookie (what a thief would have)."""
    thief = http_session(base, trust_env=False)
    thief.cookies.update(session.cookies)
    return thief


def test_item12_copied_cookie_stops_working_after_logout(live):
    browser = logged_in_session(live.url)
    thief = _cookie_copy(browser, live.url)
    assert thief.get(f"{live.url}/api/status").status_code == 200
    other = logged_in_session(live.url)  # a second browser of the same user stays logged in

    out = browser.post(f"{live.url}/logout", allow_redirects=False)
    assert out.status_code == 302
    assert thief.get(f"{live.url}/api/status").status_code == 401
    assert thief.get(f"{live.url}/", allow_redirects=False).status_code == 302  # to the login page
    assert other.get(f"{live.url}/api/status").status_code == 200


def test_item12_logout_is_seen_by_every_worker(live, live_server):
    """A second app on the same folder (another gunicorn worker) refuses the ended session too."""
    second = live_server()
    browser = logged_in_session(live.url)
    thief = _cookie_copy(browser, second.url)
    assert thief.get(f"{second.url}/api/status").status_code == 200
    browser.post(f"{live.url}/logout", allow_redirects=False)
    assert thief.get(f"{second.url}/api/status").status_code == 401


def test_item12_password_change_ends_sessions(live):
    browser = logged_in_session(live.url)
    live.app.extensions["triplo"].auth.set_password("another long password")
    assert browser.get(f"{live.url}/api/status").status_code == 401
    assert http_session(live.url, basic(password="another long password")).get(
        f"{live.url}/api/status").status_code == 200


# ---- item 15: a lost webui.key blocks only the saves that need the unreadable key --------------------------

def test_item15_unrelated_saves_work_after_the_key_is_lost(config_dir, live_server):
    first = live_server()
    api = http_session(first.url, basic())
    assert api.post(f"{first.url}/api/llm/profiles?restart=false", json=PROFILE).status_code == 201
    other = dict(PROFILE, id="p2", name="Claude", provider="anthropic", model="claude-3-5-haiku-latest",
                 api_key="sk-ant-hardening-0000bb22")
    assert api.post(f"{first.url}/api/llm/profiles?restart=false", json=other).status_code == 201
    os.unlink(config_dir / "webui.key")  # lost: the next start makes a new key that opens nothing stored

    lost = live_server()
    api = http_session(lost.url, basic())
    saves = [
        api.post(f"{lost.url}/api/config?restart=false", json={"settings": {"language": "de"}}),
        api.put(f"{lost.url}/api/v1/roles", json={"roles": [{"id": "gm", "name": "GM"}]}),
        api.patch(f"{lost.url}/api/llm/profiles/p1?restart=false", json={"temperature": 0.4}),
        api.patch(f"{lost.url}/api/llm/profiles/p2?restart=false", json={"name": "Claude 2"}),
    ]
    assert [s.status_code for s in saves] == [200] * 4, [s.text[:300] for s in saves]
    on_disk = json.loads((config_dir / "config.json").read_text())["settings"]
    assert on_disk["openai_key"] == PROFILE["api_key"]  # the desktop app keeps the key it had
    assert on_disk["temperature"] == 0.4  # ...and still gets the active profile's other changes

    view = api.get(f"{lost.url}/api/config").json()
    assert view["active_profile"]["credential"]["api_key"]["needs_reentry"] is True
    assert view["settings"]["provider_credentials"]["anthropic"]["api_key"]["needs_reentry"] is True
    page = logged_in_session(lost.url).get(f"{lost.url}/profiles/p1").text
    assert "cannot be decrypted with the current key" in page

    # Switching the desktop app to a profile whose key cannot be read still needs the key first.
    refused = api.post(f"{lost.url}/api/llm/profile/activate?restart=false", json={"id": "p2"})
    assert refused.status_code == 409 and refused.json()["error"] == "needs_reentry"
    healed = api.put(f"{lost.url}/api/llm/credentials/anthropic?restart=false", json={"api_key": "sk-ant-new-0000cc33"})
    assert healed.status_code == 200
    assert api.post(f"{lost.url}/api/llm/profile/activate?restart=false", json={"id": "p2"}).status_code == 200


# ---- item 10: a full disk or a read-only config folder -----------------------------------------------------

def _mount(*args):
    """Run mount(8); skip when this process may not mount (the tests need root for a real full/read-only disk)."""
    done = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"mount refused ({done.stderr.strip()}): a real full or read-only folder needs root")


@pytest.fixture
def tiny_config_dir(tmp_path):
    """A config folder on its own 512 KiB tmpfs, so the disk can really fill up."""
    path = tmp_path / "tiny"
    path.mkdir()
    _mount("-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", path)
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def read_only_view(tmp_path):
    """read_only_view(folder): the same folder through a read-only bind mount (EROFS on every write)."""
    mounts = []

    def view(folder):
        target = tmp_path / f"ro-{len(mounts)}"
        target.mkdir()
        _mount("--bind", folder, target)
        mounts.append(target)
        _mount("-o", "remount,bind,ro", target)
        return target

    yield view
    for target in reversed(mounts):
        subprocess.run(["umount", "-l", str(target)], check=False)


def _fill(folder):
    """Write a filler file until the disk is full; its path."""
    filler = os.path.join(folder, "filler.bin")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_item10_disk_full_save_answers_507_and_keeps_the_file(tiny_config_dir, live_server):
    live = live_server(make_app(tiny_config_dir))
    api = http_session(live.url, basic())
    assert api.post(f"{live.url}/api/llm/profiles?restart=false", json=PROFILE).status_code == 201
    config = tiny_config_dir / "config.json"
    before = config.read_bytes()
    filler = _fill(tiny_config_dir)

    big = {"settings": {"notes": "x" * 200_000}}  # needs room the disk no longer has
    full = api.post(f"{live.url}/api/config?restart=false", json=big)
    assert full.status_code == 507, full.text[:300]
    assert full.json()["error"] == "storage_full" and "full" in full.json()["message"]
    assert config.read_bytes() == before  # intact
    assert not [n for n in os.listdir(tiny_config_dir) if n.endswith(".tmp")]  # no temp file left behind
    token = api.post(f"{live.url}/access/tokens", data={"name": "t" * 80}, headers={"Accept": "application/json"})
    assert token.status_code == 507 and token.json()["error"] == "storage_full"  # webui-auth.json too

    os.unlink(filler)
    assert api.post(f"{live.url}/api/config?restart=false", json=big).status_code == 200


def test_item10_read_only_folder_starts_in_read_only_mode(config_dir, live_server, read_only_view):
    first = live_server()
    api = http_session(first.url, basic())
    assert api.post(f"{first.url}/api/llm/profiles?restart=false", json=PROFILE).status_code == 201
    assert http_session(first.url).post(f"{first.url}/api/v1/sessions", headers=basic(), json={}).status_code == 201
    before = (config_dir / "config.json").read_bytes()

    read_only = live_server(make_app(read_only_view(config_dir)))
    base = read_only.url
    api = http_session(base, basic())
    status = api.get(f"{base}/api/status").json()
    assert status["read_only"]["reason"] and "read-only" in status["read_only"]["message"]
    assert api.get(f"{base}/api/config").json()["active_profile"]["id"] == "p1"
    assert api.get(f"{base}/api/v1/sessions").status_code == 200
    browser = logged_in_session(base)  # logging in writes nothing
    page = browser.get(f"{base}/")
    assert page.status_code == 200 and "read-only" in page.text  # the banner

    refused = api.post(f"{base}/api/config?restart=false", json={"settings": {"language": "de"}})
    assert refused.status_code == 503, refused.text[:300]
    assert refused.json()["error"] == "storage_unwritable" and "read-only" in refused.json()["message"]
    assert api.post(f"{base}/api/v1/sessions", json={}).status_code == 503
    assert browser.post(f"{base}/logout", allow_redirects=False).status_code == 302  # never a 500
    assert (config_dir / "config.json").read_bytes() == before
