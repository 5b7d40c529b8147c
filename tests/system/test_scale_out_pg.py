"""Issue 21, PostgreSQL: instances (gunicorn, gevent) on two ports sharing one database, each with its own config
folder; what one writes the other uses; a stale write is a 409 whichever came first; the server going away."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER, BASIC, http_session
from tests.fakes import FakeProvider
from tests.loopback import closed_proxy_env, free_port
from tests.pg_fixtures import create_database, drop_database
from tests.system.supervisor_harness import stop_process_group, wait_until
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[2]
SECRET = Fernet.generate_key().decode()  # instances sharing a database share the key that encrypts credentials


def start_instance(tmp_path, name, url, wait=True):
    """One gunicorn instance with its own config folder on database `url`; returns the process (.base, .log)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path), TRIPLO_CONFIG_DIR=str(tmp_path / name),
               WEBUI_USERNAME=ADMIN_USER, WEBUI_PASSWORD=ADMIN_PASSWORD, WEBUI_SECRET_KEY=SECRET,
               WEBUI_DATABASE_URL=url, WEBUI_PROVIDER_MAX_RETRIES="0", **closed_proxy_env())
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:webui.serve.gunicorn_conf",
                             "--bind", f"127.0.0.1:{port}", "webui:create_app()"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    proc.base, proc.log, proc.sink = f"http://127.0.0.1:{port}", tmp_path / f"{name}.log", log
    proc.http = http_session(proc.base, BASIC, trust_env=False)
    return wait_healthy(proc) if wait else proc


def wait_healthy(proc):
    if not wait_until(lambda: _health(proc)[0] == 200, 20):
        stop_instance(proc)
        pytest.fail(f"instance did not start:\n{proc.log.read_text()[-3000:]}")
    return proc


def stop_instance(proc):
    """SIGKILL: a graceful stop is not what these tests are about, and it costs seconds per instance."""
    proc.http.close()
    stop_process_group(proc, grace=0)
    proc.sink.close()


def _health(proc):
    try:
        r = proc.http.get(f"{proc.base}/healthz", timeout=5)
        return r.status_code, r.json()
    except Exception:  # noqa: BLE001 - not up (yet)
        return None, None


@pytest.fixture(scope="module")
def fake():
    with FakeProvider("open_ai", reply="Shared answer") as server:
        yield server


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Instances A and B on one fresh database; B reaches it through a proxy the fault test cuts (b.proxy)."""
    tmp = tmp_path_factory.mktemp("pair")
    url = create_database("webui_test_pair")
    proxy = TcpProxy(5432)
    a = start_instance(tmp, "a", url, wait=False)  # both boot at once
    b = start_instance(tmp, "b", url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), wait=False)
    b.proxy = proxy
    wait_healthy(a), wait_healthy(b)
    yield a, b, url, tmp
    for proc in (a, b):
        stop_instance(proc)
    proxy.close()
    drop_database(url)


def _profiles(proc):
    r = proc.http.get(f"{proc.base}/api/v1/profiles", timeout=5)
    assert r.status_code == 200, r.text
    return {p["id"] for p in r.json()["profiles"]}, r.headers.get("ETag")


def _add_profile(proc, fake, pid, headers=None):
    body = {"id": pid, "name": pid.title(), "provider": "openai", "model": "gpt-4o", "base_url": fake.base_url,
            "api_key": "sk-proj-shared-0000aa11"}
    return proc.http.post(f"{proc.base}/api/v1/profiles/add?restart=false", json=body, headers=headers or {}, timeout=10)


def test_healthz_names_the_store(pair):
    a, _b, _url, _tmp = pair
    assert _health(a) == (200, {"ok": True, "store": "postgresql", "redis": "off"})


def test_profile_made_on_one_is_seen_within_a_second_and_used_on_the_other(pair, fake):
    a, b, _url, _tmp = pair
    _profiles(b)  # B has the configuration cached now
    assert _add_profile(a, fake, "shared").status_code == 201
    started = time.monotonic()
    assert wait_until(lambda: "shared" in _profiles(b)[0], 3, interval=0.02)
    assert time.monotonic() - started < 1.0
    r = b.http.post(f"{b.base}/v1/chat/completions", timeout=10,
                    json={"model": "shared", "messages": [{"role": "user", "content": "Hi"}]})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == "Shared answer"
    assert fake.last("chat").headers["authorization"] == "Bearer sk-proj-shared-0000aa11"  # decrypted by B


def test_conditional_write_race_one_200_one_409(pair, fake):
    a, b, _url, _tmp = pair
    _ids, etag = _profiles(a)
    barrier, answers = threading.Barrier(2), {}

    def write(proc, pid):
        barrier.wait()
        answers[pid] = _add_profile(proc, fake, pid, headers={"If-Match": etag}).status_code

    threads = [threading.Thread(target=write, args=(p, pid)) for p, pid in ((a, "race_a"), (b, "race_b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert sorted(answers.values()) == [201, 409], answers
    ids = _profiles(b)[0]
    assert ("race_a" in ids) != ("race_b" in ids)  # exactly the one that was answered 201


def test_session_continued_across_both(pair, fake):
    a, b, _url, _tmp = pair
    assert _add_profile(a, fake, "talker").status_code == 201
    r = a.http.put(f"{a.base}/api/v1/roles", json={"roles": [
        {"id": "gm", "name": "Game Master", "ai_config": {"profile_id": "talker"}}]}, timeout=10)
    assert r.status_code == 200, r.text
    sid = a.http.post(f"{a.base}/api/v1/sessions", json={}, timeout=10).json()["session_id"]
    for proc, line in ((a, "first"), (b, "second"), (a, "third")):
        wait_until(lambda proc=proc: "talker" in _profiles(proc)[0], 3, interval=0.02)
        r = proc.http.post(f"{proc.base}/api/v1/sessions/{sid}/chat", timeout=10,
                           json={"role_id": "gm", "message": line})
        assert r.status_code == 200, r.text
    got = b.http.get(f"{b.base}/api/v1/sessions/{sid}", timeout=10).json()
    assert [m["content"] for m in got["messages"]] == ["first", "Shared answer", "second", "Shared answer",
                                                       "third", "Shared answer"]


def test_token_made_by_the_cli_works_on_both_instances(pair):
    a, b, url, tmp = pair
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIPLO_", "WEBUI_"))}
    env.update(TRIPLO_CONFIG_DIR=str(tmp / "cli"), WEBUI_DATABASE_URL=url)
    done = subprocess.run([sys.executable, "-m", "webui", "create-token", "shared-token"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    bearer = {"Authorization": f"Bearer {done.stdout.strip().splitlines()[-1]}"}
    for proc in (a, b):
        assert wait_until(lambda proc=proc: proc.http.get(f"{proc.base}/api/v1/profiles", headers=bearer,
                                                          timeout=5).status_code == 200, 1, interval=0.05)


def test_usage_rows_of_both_instances_in_one_ledger(pair, fake):
    a, b, _url, _tmp = pair
    assert _add_profile(a, fake, "metered").status_code == 201
    wait_until(lambda: "metered" in _profiles(b)[0], 3, interval=0.02)
    for proc in (a, b):
        r = proc.http.post(f"{proc.base}/v1/chat/completions", timeout=10,
                           json={"model": "metered", "messages": [{"role": "user", "content": "Hi"}]})
        assert r.status_code == 200, r.text

    def counted():  # B's row is batched off its reply's path, as in the embedded mode: there within moments
        rows = a.http.get(f"{a.base}/api/usage", params={"group_by": "profile"}, timeout=10).json()["rows"]
        return {r["key"]: r["requests"] for r in rows}.get("metered") == 2

    assert wait_until(counted, 3, interval=0.05)


# ---- faults ---------------------------------------------------------------------------------------------------

def test_database_away_answers_503_within_3s_and_recovers_without_restart(pair, fake):
    a, proc, _url, _tmp = pair
    proxy = proc.proxy
    assert _add_profile(proc, fake, "before").status_code == 201
    for how in ("refuse", "silent"):  # a closed port; a server that accepts and never answers
        proxy.cut(how)
        started = time.monotonic()
        r = _add_profile(proc, fake, "during") if how == "refuse" else \
            proc.http.get(f"{proc.base}/api/v1/sessions", timeout=10)  # a write, then a read
        assert r.status_code == 503 and time.monotonic() - started < 3.0, (how, r.status_code, r.text)
        assert r.json()["error"] == "store_unavailable" and "PostgreSQL" in r.json()["message"]
        status, body = _health(proc)
        assert status == 503 and body["store"] == "postgresql" and body["ok"] is False, (how, body)
        proxy.restore()
        assert wait_until(lambda: _health(proc)[0] == 200, 10, interval=0.1), how
        assert _add_profile(proc, fake, f"after_{how}").status_code == 201
    assert {"before", "after_refuse", "after_silent"} <= _profiles(proc)[0]
    assert "during" not in _profiles(proc)[0]
    assert _health(a)[0] == 200  # the other instance never lost its database


def test_no_plaintext_key_in_the_database_or_the_logs(pair, fake):
    """Credentials stay Fernet-encrypted in PostgreSQL: a key shows only in the desktop app's legacy key fields
    of the config document (SPEC §4, as in config.json), nowhere else in any table or either instance's log."""
    import psycopg

    from webui.catalog import LEGACY_KEY_FIELDS

    a, b, url, _tmp = pair
    planted = "sk-proj-PLANTEDpg" + os.urandom(12).hex()
    body = {"id": "secretive", "name": "Secretive", "provider": "openai", "model": "gpt-4o",
            "base_url": fake.base_url, "api_key": planted}
    assert a.http.post(f"{a.base}/api/v1/profiles/add?restart=false", json=body, timeout=10).status_code == 201
    r = b.http.post(f"{b.base}/v1/chat/completions", timeout=10,
                    json={"model": "secretive", "messages": [{"role": "user", "content": "Hi"}]})
    assert r.status_code == 200 and planted not in r.text
    with psycopg.connect(url) as conn:
        config = json.loads(conn.execute("SELECT body FROM documents WHERE name = 'config'").fetchone()[0])
        for field in LEGACY_KEY_FIELDS:
            config["settings"].pop(field, None)
        dumps = [json.dumps(config)]
        for table in ("documents WHERE name <> 'config'", "sessions", "messages", "character_overrides", "usage"):
            dumps += [str(row) for row in conn.execute(f"SELECT * FROM {table}").fetchall()]
    for fragment in (planted, planted[-16:], planted[:-4]):
        assert not any(fragment in text for text in dumps)
        for proc in (a, b):
            assert fragment not in proc.log.read_text(errors="replace")


def test_kill_9_mid_stream_loses_nothing_acknowledged(pair, fake):
    """The last test on the pair: A dies mid-stream; B keeps answering with everything A acknowledged."""
    a, b, _url, _tmp = pair
    slow = FakeProvider("open_ai", reply="one two three four five six", chunk_delay=0.3).start()
    try:
        assert _add_profile(a, slow, "slowpoke").status_code == 201  # acknowledged: must survive
        sid = a.http.post(f"{a.base}/api/v1/sessions", json={"title": "kept"}, timeout=10).json()["session_id"]
        stream = a.http.post(f"{a.base}/v1/chat/completions", stream=True, timeout=10,
                             json={"model": "slowpoke", "stream": True, "messages": [{"role": "user", "content": "Hi"}]})
        assert next(stream.iter_lines(decode_unicode=True)).startswith("data:")
        os.killpg(a.pid, signal.SIGKILL)
        a.wait(5)
        assert _health(b)[0] == 200
        assert "slowpoke" in _profiles(b)[0]
        assert b.http.get(f"{b.base}/api/v1/sessions/{sid}", timeout=5).json()["title"] == "kept"
        r = b.http.post(f"{b.base}/v1/chat/completions", timeout=10,
                        json={"model": "slowpoke", "messages": [{"role": "user", "content": "still there?"}]})
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "one two three four five six"
    finally:
        slow.stop()


# ---- the loop stays free ----------------------------------------------------------------------------------------

SLOW_QUERIES = r'''
import json, os, sys, time
from gevent import monkey; monkey.patch_all()
import gevent, requests
from gevent.pywsgi import WSGIServer
from webui import create_app
from webui.core.storage import backend
app = create_app()
store = backend.database(os.environ)
server = WSGIServer(("127.0.0.1", 0), app, log=None); server.start()
base = f"http://127.0.0.1:{server.server_port}"
requests.get(base + "/healthz", timeout=5)
store.db.pool.resize(min_size=50, max_size=55)  # warm: the pool opens connections one at a time
store.db.pool.wait(timeout=30)
def slow():
    with store.db.connection() as conn:
        conn.execute("SELECT pg_sleep(1)")
started = time.monotonic()
jobs = [gevent.spawn(slow) for _ in range(50)]
gevent.sleep(0.2)
times = []
for _ in range(10):
    t = time.monotonic(); r = requests.get(base + "/healthz", timeout=5); times.append(time.monotonic() - t)
    assert r.status_code == 200
    gevent.sleep(0.05)
gevent.joinall(jobs, raise_error=True)
print(json.dumps({"healthz": times, "queries": time.monotonic() - started}))
'''


def test_healthz_stays_fast_while_50_slow_queries_run_through_the_pool(tmp_path, pg_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIPLO_", "WEBUI_"))}
    env.update(TRIPLO_CONFIG_DIR=str(tmp_path), WEBUI_PASSWORD=ADMIN_PASSWORD, WEBUI_DATABASE_URL=pg_url,
               WEBUI_DATABASE_POOL="55", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SLOW_QUERIES], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert max(result["healthz"]) < 0.5, result  # a blocked loop would hold each answer for a whole second
    assert result["queries"] < 5, result  # the 50 one-second queries ran side by side, not one after another

