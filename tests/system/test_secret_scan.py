"""Secret scan: distinctive keys in every credential; every page and endpoint exercised; zero hits outside
the desktop app's legacy key fields (SPEC §4) in config.json and its backups."""

import json
import logging
import os
import re
import secrets
from urllib.parse import urlsplit

import pytest

from tests.app_fixtures import LiveServer, http_session, logged_in_session, make_app
from tests.fakes import FakeProvider
from webui.core.desktop.control import PROJECTION

pytestmark = pytest.mark.system


def _key(prefix):
    return f"{prefix}PLANTED{secrets.token_hex(14)}"


KEYS = {
    "open_ai": _key("sk-proj-"), "open_router": _key("sk-or-v1-"), "anthropic": _key("sk-ant-"),
    "gemini": _key("AIza"), "custom": _key("lm-"), "ollama": _key("olt-"),
}
ENV_KEY = _key("sk-env-")      # a key only named by api_key_ref
TYPED_KEY = _key("sk-typed-")  # a key typed into the unsaved models form, rejected by the provider
SERVER_SECRET = _key("srv-")   # a server variable that is no provider key: api_key_ref may never name it
ALL_KEYS = [*KEYS.values(), ENV_KEY, TYPED_KEY, SERVER_SECRET]
API_PREFIXES = ("/api/", "/v1/", "/sessions/")


def fragments(key):
    """The key and pieces of it a careless mask or log might still show (the 4-character hint is allowed)."""
    return (key, key[:-4], key[-16:], key[len(key) // 2 - 8: len(key) // 2 + 8])


FRAGMENTS = [f for key in ALL_KEYS for f in fragments(key)]


def hits(text):
    """The planted fragments present in a text."""
    return [f for f in FRAGMENTS if f in text]


class Recorder:
    """A requests.Session that keeps every answer (status, headers, body) and which route it hit."""

    def __init__(self, base, app, headers=None):
        self.base, self.http, self.seen, self.answers = base, http_session(base, headers), set(), []
        self.urls = app.url_map.bind("127.0.0.1")

    def __call__(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 20)
        response = self.http.request(method, self.base + path, allow_redirects=False, **kwargs)
        text = response.text  # streams are read to the end here
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.answers.append((method, path, response.status_code, text + "\n" + headers))
        try:
            self.seen.add((self.urls.match(urlsplit(path).path, method=method)[0], method))
        except Exception:  # unknown paths are exercised on purpose (404s)
            pass
        assert response.status_code != 500, (method, path, text[:500])
        return response


@pytest.fixture
def fakes(monkeypatch):
    """One fake per provider, each accepting only its planted key."""
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "3")
    monkeypatch.setenv("PLANTED_ENV_KEY", ENV_KEY)
    monkeypatch.setenv("PLANTED_SERVER_SECRET", SERVER_SECRET)
    started = {}
    try:
        for kind in KEYS:
            started[kind] = FakeProvider(kind, required_key=KEYS[kind]).start()
        started["env"] = FakeProvider("open_ai", required_key=ENV_KEY).start()
        yield started
    finally:
        for fake in started.values():
            fake.stop()


@pytest.fixture
def logs():
    """Every log record of the run, at DEBUG, formatted with tracebacks."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def plant(api, fakes):
    """A credential and a profile per provider, all pointing at the fakes; voice on; OpenAI active."""
    for kind, key in KEYS.items():
        body = {"url": fakes["ollama"].url, "token": key} if kind == "ollama" else {"api_key": key}
        assert api("PUT", f"/api/llm/credentials/{kind}?restart=false", json=body).status_code == 200
    for kind in KEYS:
        body = {"id": f"p-{kind}", "name": f"P {kind}", "provider": kind, "model": fakes[kind].models[0]}
        if kind != "ollama":
            body["base_url"] = fakes[kind].base_url
        r = api("POST", "/api/llm/profiles?restart=false", json=body)
        assert r.status_code == 201, r.text
    r = api("POST", "/api/llm/profiles?restart=false", json={
        "id": "p-env", "name": "P env", "provider": "open_ai", "model": "gpt-4o",
        "base_url": fakes["env"].base_url, "api_key_ref": "PLANTED_ENV_KEY"})
    assert r.status_code == 201, r.text
    assert api("POST", "/api/llm/profile/activate?restart=false", json={"id": "p-open_ai"}).status_code == 200
    assert api("POST", "/api/config?restart=false", json={"settings": {"voice": True}}).status_code == 200
    roles = [{"id": "gm", "name": "Game Master", "type": "gm"}] + [
        {"id": f"r-{kind}", "name": f"Role {kind}", "ai_config": {"profile_id": f"p-{kind}"}} for kind in KEYS]
    assert api("PUT", "/api/v1/roles", json={"roles": roles}).status_code == 200


def chats(api, fakes):
    """Chat, stream, redraw and the OpenAI face through every profile; provider errors that quote keys."""
    ids = [f"p-{kind}" for kind in KEYS] + ["p-env"]
    sid = api("POST", "/api/v1/sessions", json={"title": "scan"}).json()["session_id"]
    for pid in ids:
        for stream in (False, True):
            api("POST", f"/api/v1/sessions/{sid}/chat",
                json={"role_id": "gm", "message": "hi", "llm_profile_id": pid, "stream": stream})
            api("POST", "/v1/chat/completions",
                json={"model": pid, "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
        api("POST", f"/api/v1/sessions/{sid}/redraw", json={"character_id": "gm", "llm_profile_id": pid})
    api("POST", f"/sessions/{sid}/redraw", json={"character_id": "gm", "stream": True})
    api("POST", f"/api/v1/sessions/{sid}/alternatives", json={"position": 1, "alt_index": 0})
    api("POST", f"/sessions/{sid}/alternatives", json={"position": 99, "alt_index": 5})
    api("PUT", f"/api/v1/sessions/{sid}/character-profiles/gm", json={"profile_id": "p-anthropic"})
    api("PUT", f"/sessions/{sid}/character-profiles/r-custom", json={"profile_id": "p-gemini"})
    api("POST", f"/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "override?"})
    api("GET", f"/api/v1/sessions/{sid}/character-profiles")
    api("GET", f"/sessions/{sid}/character-profiles")
    api("DELETE", f"/api/v1/sessions/{sid}/character-profiles/gm")
    api("DELETE", f"/sessions/{sid}/character-profiles/r-custom")
    # Providers that reject the key and quote it, or echo it in a 500 body, mid-stream and not.
    for kind, fake in fakes.items():
        if kind == "env":
            continue
        fake.required_key = "not-the-planted-one"
        api("POST", f"/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "x", "llm_profile_id": f"p-{kind}"})
        api("POST", "/v1/chat/completions", json={"model": f"p-{kind}", "stream": True,
                                                    "messages": [{"role": "user", "content": "x"}]})
        fake.required_key = KEYS[kind]
        fake.fail(500, body={"error": {"message": f"upstream saw key {KEYS[kind]} and failed"}}, times=2)
        api("POST", f"/api/v1/sessions/{sid}/chat",
            json={"role_id": "gm", "message": "x", "llm_profile_id": f"p-{kind}", "stream": True})
        api("POST", f"/api/llm/profiles/p-{kind}/test")
        fake.reset()
    fakes["open_ai"].error_after = 1
    api("POST", f"/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "x", "stream": True})
    fakes["open_ai"].error_after = None
    fakes["open_ai"].close_after = 1
    api("POST", "/v1/chat/completions", json={"model": "p-open_ai", "stream": True,
                                                "messages": [{"role": "user", "content": "x"}]})
    fakes["open_ai"].close_after = None
    api("GET", f"/api/v1/sessions/{sid}")
    api("GET", f"/sessions/{sid}")
    return sid


def config_calls(api, fakes):
    """Every configuration endpoint on its happy path and its error paths."""
    for kind in KEYS:
        pid = f"p-{kind}"
        api("GET", f"/api/llm/profiles/{pid}")
        api("GET", f"/api/llm/profiles/{pid}/models?refresh=1")
        api("POST", f"/api/llm/profiles/{pid}/test")
        api("PATCH", f"/api/llm/profiles/{pid}?restart=false", json={"temperature": 99})
        api("PATCH", f"/api/llm/profiles/{pid}?restart=false", json={"max_tokens": 64})
        api("POST", "/api/llm/profile/activate?restart=false", json={"id": pid})
        form = {"provider": kind, "refresh": True}
        if kind == "ollama":
            form["url"] = fakes["ollama"].url
        else:
            form["base_url"] = fakes[kind].base_url
        api("POST", "/api/llm/models", json=form)
        api("POST", "/api/llm/models", json={**form, "api_key": TYPED_KEY})
    api("POST", "/api/llm/profile/activate?restart=false", json={"id": "p-anthropic"})
    dup = api("POST", "/api/llm/profiles/p-open_router/duplicate").json()["profile"]["id"]
    api("PUT", f"/api/llm/profiles/{dup}?restart=false", json={"name": "Dup", "provider": "open_router", "model": "x"})
    api("POST", "/api/llm/profiles/reorder", json={"order": ["nope"]})
    order = [p["id"] for p in api("GET", "/api/llm/profiles").json()["profiles"]]
    api("POST", "/api/llm/profiles/reorder", json={"order": list(reversed(order))})
    api("DELETE", f"/api/llm/profiles/{dup}?restart=false")
    api("PUT", "/api/llm/credentials/open_ai?restart=false", json={"api_key": {"set": True, "hint": "x"}})
    api("PUT", "/api/llm/credentials/open_ai?restart=false", json={"url": "not a url"})
    api("PUT", "/api/llm/credentials/spare?restart=false", json={"api_key": KEYS["custom"]})
    api("DELETE", "/api/llm/credentials/spare?restart=false")
    api("DELETE", "/api/llm/credentials/anthropic?restart=false")  # needed by the active profile: refused
    config = api("GET", "/api/config").json()
    api("POST", "/api/config?restart=false", json={"settings": config["settings"]})  # masked values sent back
    api("POST", "/api/config?restart=false", json={"settings": {"sound": True}}, headers={"If-Match": '"stale"'})
    api("POST", "/api/config?restart=false", json={"settings": {"llm_profiles": "bad"}})
    api("POST", "/api/restart")
    api("POST", "/api/local-llm/key", json={"persist": False})
    api("POST", "/api/local-llm/models", json={"url": fakes["ollama"].url, "persist": False})
    api("POST", "/api/local-llm/models", json={"url": "http://127.0.0.1:9/"})
    api("POST", "/api/v1/profiles/add", json={"id": "added", "name": "Added", "provider_type": "openai",
                                               "model": "gpt-4o", "base_url": fakes["open_ai"].base_url,
                                               "api_key": KEYS["open_ai"]})
    api("DELETE", "/api/v1/profiles/added")
    api("POST", "/api/v1/roles/import", data="llm_config:\n  default_profile_id: p-anthropic\ncharacters: []\n",
        headers={"Content-Type": "application/x-yaml"})
    api("GET", "/v1/models/p-open_ai")
    api("GET", "/v1/models/role:gm")
    api("GET", "/v1/models/nope")


def sweep_gets(api, app, ids):
    """Every parameterless GET, and each parameterised one with every known id."""
    values = {"profile_id": ids["profiles"], "session_id": [ids["session"], "nope"], "model_id": ["p-gemini", "nope"],
              "credential_id": list(KEYS), "character_id": ["gm"], "token_id": ["nope"]}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not rule.arguments:
            api("GET", rule.rule)
            continue
        for value in values.get(next(iter(rule.arguments)), ["nope"]):
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:[a-z]+:)?{arg}>", value if arg == next(iter(rule.arguments)) else "gm", path)
            api("GET", path)


def sweep_writes(api, app, ids, pages):
    """Every state-changing route with unknown ids and malformed or empty bodies (the error paths)."""
    skip = {"auth.logout", "auth.login", "access.change_password"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skip or rule.endpoint == "static":
            continue
        is_api = rule.rule.startswith(API_PREFIXES)
        if is_api == pages:
            continue
        path = re.sub(r"<(?:[a-z]+:)?\w+>", "no-such-id", rule.rule)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            if is_api:
                api(method, path, data="{not json", headers={"Content-Type": "application/json"})
                api(method, path, json={})
            else:
                api(method, path, data={"csrf_token": api.http.headers.get("X-CSRF-Token", "")})


def page_calls(page, ids, fakes):
    """The HTML side: every tab, the profile editor, its forms (valid and invalid), roles and chat forms."""
    csrf = page.http.headers["X-CSRF-Token"]
    for path in ("/", "/access", "/preferences", "/voice", "/display", "/local-llm", "/roles", "/profiles/new", "/usage"):
        page("GET", path)
    for pid in ids["profiles"]:
        page("GET", f"/profiles/{pid}")
        page("GET", f"/profiles/{pid}/delete")
        page("POST", f"/profiles/{pid}/test", data={"csrf_token": csrf})
    page("POST", "/profiles/p-open_ai", data={"csrf_token": csrf, "name": "P open_ai", "provider": "open_ai",
                                               "model": "gpt-4o", "base_url": fakes["open_ai"].base_url,
                                               "api_key": "", "temperature": "abc"})
    page("POST", "/profiles/p-open_ai", data={"csrf_token": csrf, "name": "P open_ai", "provider": "open_ai",
                                               "model": "gpt-4o", "base_url": fakes["open_ai"].base_url,
                                               "api_key": "", "temperature": "0.5"})
    page("POST", "/profiles", data={"csrf_token": csrf, "name": "Typed", "provider": "custom", "model": "m",
                                    "base_url": "not a url", "api_key": TYPED_KEY})
    page("POST", "/profiles/p-anthropic/activate", data={"csrf_token": csrf})
    page("POST", "/profiles/p-gemini/activate", data={"csrf_token": csrf})
    page("POST", "/profiles/p-custom/move", data={"csrf_token": csrf, "direction": "up"})
    page("POST", "/profiles/p-custom/duplicate", data={"csrf_token": csrf})
    page("POST", "/multi-provider", data={"csrf_token": csrf, "enabled": "on"})
    page("POST", "/local-llm/models", data={"csrf_token": csrf, "url": fakes["ollama"].url})
    page("POST", "/local-llm/key", data={"csrf_token": csrf})
    page("POST", "/roles/sessions", data={"csrf_token": csrf, "title": "page chat", "role_id": "gm"})
    for pid in ("p-open_ai", "p-anthropic", "p-ollama"):
        page("POST", "/roles/chat", data={"csrf_token": csrf, "session_id": ids["session"], "role_id": "gm",
                                          "message": "from the page", "llm_profile_id": pid})
    page("POST", "/roles/redraw", data={"csrf_token": csrf, "session_id": ids["session"], "character_id": "gm",
                                        "llm_profile_id": "p-gemini"})
    page("POST", "/roles/override", data={"csrf_token": csrf, "session_id": ids["session"], "character_id": "gm",
                                          "profile_id": "p-custom"})
    page("POST", "/roles/profiles", data={"csrf_token": csrf, "session_id": ids["session"], "profile-gm": "p-open_ai"})
    page("POST", "/roles/alternative", data={"csrf_token": csrf, "session_id": ids["session"], "position": "1",
                                             "alt_index": "0"})
    page("POST", "/roles/import", data={"csrf_token": csrf, "text": "characters: []\n"})
    page("GET", f"/roles?session={ids['session']}")
    page("POST", "/access/tokens", data={"csrf_token": csrf, "name": "scan-token"})
    page("POST", "/access/tokens/nope/revoke", data={"csrf_token": csrf})
    page("POST", "/access/password", data={"csrf_token": csrf, "current_password": "wrong", "new_password": "x",
                                           "confirm_password": "y"})
    page("POST", "/restart", data={"csrf_token": csrf})
    for tab in ("/preferences", "/voice", "/display", "/local-llm"):
        page("POST", tab, data={"csrf_token": csrf, "voice": "on", "sync_local_llm": "on"})
    page("GET", "/profiles/nope")
    page("GET", "/no-such-page")


def hostile_refs_and_model_ids(api, fakes):
    """api_key_ref naming a server secret (refused on save); providers that echo the key as a model id."""
    for ref in ("PLANTED_SERVER_SECRET", "WEBUI_PASSWORD", "SUPERVISOR_PASSWORD", "PATH"):
        r = api("POST", "/api/llm/profiles?restart=false", json={
            "name": f"ref {ref}", "provider": "open_ai", "model": "gpt-4o", "base_url": fakes["env"].base_url,
            "api_key_ref": ref})
        assert r.status_code == 400 and "api_key_ref" in r.json()["fields"], r.text
    # the stored key is never sent to a base URL it was not stored for
    r = api("POST", "/api/llm/models", json={"provider": "open_ai", "base_url": fakes["env"].base_url})
    assert r.status_code == 400 and "api_key" in r.json()["fields"], r.text
    original = {kind: (list(fake.models), fake.page_size) for kind, fake in fakes.items()}
    for kind, fake in fakes.items():
        if kind == "env":
            continue
        # one page: a pagination cursor would carry an echoed id back to the provider (urllib3 logs the URL)
        fake.models, fake.page_size = [fake.models[0], f"echo-{KEYS[kind]}", KEYS[kind]], 100
        api("GET", f"/api/llm/profiles/p-{kind}/models?refresh=1")
        form = {"provider": kind, "refresh": True}
        form.update({"url": fake.url} if kind == "ollama" else {"base_url": fake.base_url})
        api("POST", "/api/llm/models", json=form)
        api("GET", "/v1/models")
    api("POST", "/api/local-llm/models", json={"url": fakes["ollama"].url, "persist": False})
    assert not any(SERVER_SECRET in str(r.headers) for f in fakes.values() for r in f.requests)
    for kind, fake in fakes.items():
        fake.models, fake.page_size = original[kind]


def redirects(api, fakes):
    """Every provider answering with a redirect: nothing (no key header) may reach the Location's server."""
    from tests.fakes import hostile

    for kind, fake in fakes.items():
        if kind == "env":
            continue
        target = FakeProvider(kind).start()
        try:
            location = f"http://localhost:{target.url.rsplit(':', 1)[1]}{target.fmt.base_path}/elsewhere"
            fake.script = hostile.redirect(307, location)
            api("GET", f"/api/llm/profiles/p-{kind}/models?refresh=1")
            api("POST", f"/api/llm/profiles/p-{kind}/test")
            api("POST", "/v1/chat/completions", json={"model": f"p-{kind}", "messages": [{"role": "user", "content": "hi"}]})
            api("POST", "/v1/chat/completions", json={"model": f"p-{kind}", "stream": True,
                                                       "messages": [{"role": "user", "content": "hi"}]})
            assert target.count() == 0, f"{kind}: a redirect was followed to {target.requests[0].path}"
        finally:
            fake.script = None
            target.stop()


def check_config_files(config_dir):
    """config.json and every backup: a key appears only in the legacy field the desktop app needs."""
    problems = []
    files = [config_dir / "config.json"] + sorted((config_dir / "backups").iterdir())
    for path in files:
        raw = path.read_text(encoding="utf-8")
        settings = json.loads(raw)["settings"]
        active = next((p for p in settings.get("llm_profiles") or [] if p.get("id") == settings.get("active_llm_profile")), None)
        allowed = set()
        if active and PROJECTION.get(active["provider"]) and PROJECTION[active["provider"]]["key"]:
            key = ENV_KEY if active.get("api_key_ref") else KEYS.get(active.get("credential_id") or active["provider"])
            allowed.add((PROJECTION[active["provider"]]["key"], key))
        if settings.get("voice"):
            allowed.add(("openai_key", KEYS["open_ai"]))

        def walk(value, trail):
            if isinstance(value, dict):
                for k, v in value.items():
                    if hits(str(k)):
                        problems.append(f"{path.name}: key in a field name at {trail}")
                    walk(v, trail + (k,))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, trail + (i,))
            elif isinstance(value, str) and hits(value):
                ok = len(trail) == 1 and (trail[0], value) in allowed
                if not ok:
                    problems.append(f"{path.name}: settings{''.join(f'[{t!r}]' for t in trail)} holds a planted key")

        walk(settings, ())
        outside = json.loads(raw)
        outside.pop("settings")
        if hits(json.dumps(outside)):
            problems.append(f"{path.name}: a key outside settings")
    return problems


def test_no_planted_key_leaks(config_dir, fakes, logs):
    app = make_app(config_dir, WEBUI_KEY_REF_ALLOW="PLANTED_ENV_KEY")  # the env-key profile reads it
    with LiveServer(app) as live:
        _, token = app.extensions["triplo"].auth.create_token("scan")
        api = Recorder(live.url, app, {"Authorization": f"Bearer {token}"})
        problems = []  # config files are checked after each phase: only the last 10 backups survive a run
        plant(api, fakes)
        problems += check_config_files(config_dir)
        sid = chats(api, fakes)
        config_calls(api, fakes)
        hostile_refs_and_model_ids(api, fakes)
        redirects(api, fakes)
        problems += check_config_files(config_dir)
        ids = {"profiles": [f"p-{kind}" for kind in KEYS] + ["p-env", "nope"], "session": sid}
        page = Recorder(live.url, app)
        page.http = logged_in_session(live.url)  # cookie login + CSRF header, like the browser
        page("GET", "/")
        page_calls(page, ids, fakes)
        problems += check_config_files(config_dir)
        sweep_gets(api, app, ids)
        sweep_gets(page, app, ids)
        sweep_writes(api, app, ids, pages=False)
        sweep_writes(page, app, ids, pages=True)
        anon = Recorder(live.url, app)  # logged out: the login form, a wrong and a right password, a 401
        anon("GET", "/login")
        anon("POST", "/login", data={"username": "admin", "password": "wrong password"})
        anon("POST", "/login", data={"username": "admin", "password": "correct horse battery"})
        anon("GET", "/api/config", headers={"Authorization": "Bearer " + KEYS["open_ai"]})
        page("POST", "/profiles/p-custom/delete", data={"csrf_token": page.http.headers["X-CSRF-Token"]})
        page("POST", "/logout", data={"csrf_token": page.http.headers["X-CSRF-Token"]})
        csv_log = api("GET", "/api/usage/calls?format=csv").text  # the request log names the token by id and name only

    # The scan had something to find: every fake received its planted key.
    for kind, fake in fakes.items():
        assert fake.count() > 0, f"the {kind} fake was never called"
    missing = {(r.endpoint, m) for r in app.url_map.iter_rules() if r.endpoint != "static"
               for m in r.methods - {"HEAD", "OPTIONS"}} - api.seen - page.seen - anon.seen
    assert not missing, f"routes never exercised: {sorted(missing)}"

    leaks = [(m, p, s, hits(text)) for m, p, s, text in api.answers + page.answers + anon.answers if hits(text)]
    assert not leaks, leaks[:10]
    log_hits = [line for line in logs if hits(line)]
    assert logs and not log_hits, log_hits[:5]
    # The API token that made every api call: never in an answer (its last 4 characters are its shown hint),
    # a log line, the ledger or the request log's CSV.
    token_hits = [(m, p) for m, p, _s, text in api.answers + page.answers + anon.answers if token[-16:] in text]
    assert not token_hits and not [line for line in logs if token[-16:] in line], token_hits[:5]
    assert csv_log.count("\n") > 10 and token[-16:] not in csv_log
    app.extensions["triplo"].usage.flush()  # the usage ledger (usage.db) is scanned with every row written
    assert os.path.exists(config_dir / "usage.db")
    for name in os.listdir(config_dir):
        path = config_dir / name
        if path.is_file() and name != "config.json":
            assert not hits(path.read_bytes().decode("latin-1")), f"{name} holds a planted key"
            assert token[-16:] not in path.read_bytes().decode("latin-1"), f"{name} holds the API token"
    assert os.path.exists(config_dir / "sessions.db")
    problems += check_config_files(config_dir)
    assert not problems, problems
    print(f"\n{len(api.answers) + len(page.answers)} answers, {len(logs)} log records, "
          f"{len(list((config_dir / 'backups').iterdir())) + 1} config versions scanned")


# ---- export (issue 24 item 6): planted values in every field the attack used, over HTTP and the CLI ------------

EXPORT_PLANTS = {
    "openai_api_key": _key("sk-proj-top-"),
    "llm_config.openai_key": _key("sk-proj-cfg-"),
    "llm_profiles[0].headers.Authorization": "Bearer " + _key("hdr-"),
    "llm_profiles[0].extra_params.api_key": _key("xp-"),
    "llm_profiles[0].secret_key": _key("sec-"),
    "characters.gm.ai_config.api_key": _key("sk-ant-role-"),
    "characters.gm.password": _key("pw-"),
}


def _plant_export_fields(config_dir):
    """Hand-edit config.json: a known profile and role, each of EXPORT_PLANTS in its field."""
    path = os.path.join(config_dir, "config.json")
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    settings, plants = data["settings"], EXPORT_PLANTS
    settings["game_config"] = {"openai_api_key": plants["openai_api_key"],
                               "llm_config": {"openai_key": plants["llm_config.openai_key"], "temperature": 0.5}}
    profile = settings["llm_profiles"][0]
    profile.update(headers={"Authorization": plants["llm_profiles[0].headers.Authorization"], "X-Team": "blue"},
                   extra_params={"api_key": plants["llm_profiles[0].extra_params.api_key"], "seed": 7},
                   secret_key=plants["llm_profiles[0].secret_key"])
    settings["llm_roles"] = [{"id": "gm", "name": "Game Master",
                              "ai_config": {"profile_id": profile["id"],
                                            "api_key": plants["characters.gm.ai_config.api_key"]},
                              "password": plants["characters.gm.password"]}]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def test_export_carries_no_planted_secret_and_names_what_it_left_out(config_dir):
    import subprocess
    import sys

    from tests.app_fixtures import BASIC, app_environ

    app = make_app(config_dir)
    client = app.test_client()
    made = client.post("/api/llm/profiles?restart=false", headers=BASIC,
                       json={"name": "One", "provider": "open_ai", "model": "gpt-4o", "api_key": KEYS["open_ai"]})
    assert made.status_code == 201, made.get_data(as_text=True)
    _plant_export_fields(config_dir)
    planted = list(EXPORT_PLANTS.values()) + [KEYS["open_ai"]]
    for fmt in ("yaml", "json"):
        reply = client.get(f"/api/v1/export?format={fmt}", headers=BASIC)
        text = reply.get_data(as_text=True) + "\n" + "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
        assert reply.status_code == 200, text[:300]
        leaked = [p for p in planted for f in fragments(p) if f in text]
        assert not leaked, f"export ({fmt}) leaked {leaked}"
        named = reply.headers.get("X-Export-Dropped", "")
        assert all(field in named for field in EXPORT_PLANTS), named
        assert "X-Team" in text and "seed" in text and "temperature" in text  # known, harmless fields travel
    cli = subprocess.run([sys.executable, "-m", "webui", "export"], env=app_environ(config_dir), capture_output=True,
                         text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert not [p for p in planted for f in fragments(p) if f in cli.stdout + cli.stderr], "the CLI export leaked"
    assert all(field in cli.stderr for field in EXPORT_PLANTS), cli.stderr
