"""AuthStore (password, API tokens, webui-auth.json) and LoginThrottle."""

import json
import multiprocessing
import os
import stat
import threading
import time

import pytest

from webui.core.access import auth as auth_mod
from webui.core.access import passwords
from webui.core.access.auth import AuthStore, LoginThrottle
from webui.core.access.passwords import check_password_hash, hash_password
from webui.errors import ConfigCorrupt, NotFound, ValidationFailed


@pytest.fixture
def store(tmp_path):
    """An initialized store with a known login."""
    s = AuthStore(tmp_path)
    assert s.ensure_initialized({"WEBUI_USERNAME": "gm", "WEBUI_PASSWORD": "correct horse"}) is None
    return s


def read_file(s):
    with open(s.path, "rb") as handle:
        return handle.read()


def test_first_run_uses_env_credentials(store, tmp_path):
    assert store.username() == "gm"
    assert store.verify_password("gm", "correct horse")
    data = json.loads(read_file(store))
    assert data["password_hash"].startswith("scrypt$16384$8$1$")
    assert b"correct horse" not in read_file(store)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_first_run_without_password_generates_one_once(tmp_path):
    s = AuthStore(tmp_path)
    generated = s.ensure_initialized({})
    assert isinstance(generated, str) and len(generated) >= 20
    assert s.username() == "admin"
    assert s.ensure_initialized({}) is None
    assert AuthStore(tmp_path).ensure_initialized({"WEBUI_PASSWORD": "other password"}) is None
    assert AuthStore(tmp_path).verify_password("admin", generated)
    assert generated.encode() not in read_file(s)
    assert stat.S_IMODE(os.stat(s.path).st_mode) == 0o600


def test_generated_passwords_differ(tmp_path):
    a, b = AuthStore(tmp_path / "a"), AuthStore(tmp_path / "b")
    assert a.ensure_initialized({}) != b.ensure_initialized({})


@pytest.mark.parametrize("username, password", [
    ("gm", "wrong horse"), ("GM", "correct horse"), ("other", "correct horse"), ("", ""), ("gm", ""),
    (None, "correct horse"), ("gm", None),
])
def test_wrong_credentials_are_refused(store, username, password):
    assert store.verify_password(username, password) is False


def test_no_login_before_initialization(tmp_path):
    s = AuthStore(tmp_path)
    assert s.verify_password("admin", "") is False
    assert s.verify_password("admin", "admin") is False
    assert s.username() is None


def test_hash_format_and_check():
    hashed = hash_password("s3cret-pass")
    scheme, n, r, p, salt, _digest = hashed.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert check_password_hash(hashed, "s3cret-pass")
    assert not check_password_hash(hashed, "s3cret-pas")
    assert hash_password("s3cret-pass") != hashed  # fresh salt each time
    for broken in ("", "md5$x", "scrypt$3$8$1$AA==$AA==", "scrypt$1073741824$8$1$AAAA$AAAA", None):
        assert not check_password_hash(broken, "s3cret-pass")


@pytest.mark.parametrize("password, username, field", [
    ("short", None, "password"), ("", None, "password"), (None, None, "password"),
    ("long enough", "a:b", "username"), ("long enough", "", "username"),
])
def test_set_password_validation(store, password, username, field):
    with pytest.raises(ValidationFailed) as info:
        store.set_password(password, username=username)
    assert field in info.value.fields
    assert store.verify_password("gm", "correct horse")


def test_set_password_changes_login_and_fingerprint(store, tmp_path):
    before = store.password_fingerprint()
    assert before == store.password_fingerprint()
    store.set_password("a new password")
    assert not store.verify_password("gm", "correct horse")
    assert store.verify_password("gm", "a new password")
    assert store.password_fingerprint() != before
    AuthStore(tmp_path).set_password("third password", username="boss")
    assert store.verify_password("boss", "third password")
    assert not store.verify_password("gm", "third password")


def test_change_by_another_process_is_seen(store, tmp_path):
    assert store.verify_password("gm", "correct horse")  # now cached (file and verified credentials)
    AuthStore(tmp_path).set_password("changed elsewhere")
    assert not store.verify_password("gm", "correct horse")
    assert store.verify_password("gm", "changed elsewhere")


def test_tokens_create_list_verify_revoke(store):
    record, plaintext = store.create_token("ci script")
    assert plaintext.startswith("tw_") and len(plaintext) > 40
    assert set(record) == {"id", "name", "created_at", "last_used_at", "hint", "scope"}
    assert record["hint"] == plaintext[-4:]
    listed = store.list_tokens()
    assert listed == [record]
    assert plaintext not in json.dumps(listed)
    assert store.verify_token(plaintext)["id"] == record["id"]
    assert store.verify_token(plaintext + "x") is None
    assert store.verify_token("") is None
    assert store.verify_token(None) is None
    store.revoke_token(record["id"])
    assert store.verify_token(plaintext) is None
    assert store.list_tokens() == []


def test_plaintext_token_never_stored(store):
    _record, plaintext = store.create_token("one")
    raw = read_file(store)
    assert plaintext.encode() not in raw
    assert plaintext[3:].encode() not in raw
    assert all(len(t["hash"]) == 64 for t in json.loads(raw)["tokens"])


def test_revoke_unknown_token(store):
    with pytest.raises(NotFound) as info:
        store.revoke_token("0" * 32)
    assert "0" * 32 in info.value.message
    with pytest.raises(NotFound) as info:
        store.revoke_token("tw_looks-like-a-secret")
    assert "tw_" not in info.value.message


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "bad\nname", None])
def test_token_name_validation(store, name):
    with pytest.raises(ValidationFailed) as info:
        store.create_token(name)
    assert "name" in info.value.fields


def test_token_names_are_unique(store):
    store.create_token("deploy")
    with pytest.raises(ValidationFailed):
        store.create_token("Deploy")
    assert len(store.list_tokens()) == 1


def test_last_used_written_at_most_once_a_minute(tmp_path):
    now = [1_700_000_000.0]
    s = AuthStore(tmp_path, clock=lambda: now[0])
    record, plaintext = s.create_token("t")
    assert s.verify_token(plaintext)["last_used_at"] is not None
    first = os.stat(s.path).st_mtime_ns, read_file(s)
    now[0] += 30
    s.verify_token(plaintext)
    assert (os.stat(s.path).st_mtime_ns, read_file(s)) == first
    now[0] += 31
    s.verify_token(plaintext)
    assert read_file(s) != first[1]
    assert s.list_tokens()[0]["last_used_at"] == "2023-11-14T22:14:21Z"


def test_corrupt_file_fails_closed(store):
    with open(store.path, "w") as handle:
        handle.write("{not json")
    with pytest.raises(ConfigCorrupt) as info:
        store.verify_password("gm", "correct horse")
    assert "correct horse" not in str(info.value)
    with pytest.raises(ConfigCorrupt):  # startup fails loudly rather than replacing the login
        AuthStore(store.config_dir).ensure_initialized({})
    assert read_file(store) == b"{not json"


def test_cli_helper_creates_token(tmp_path):
    record, plaintext = AuthStore(tmp_path).create_token("cli")
    assert AuthStore(tmp_path).verify_token(plaintext)["name"] == "cli"
    # A token made before the first start must not block the first-run password.
    assert AuthStore(tmp_path).ensure_initialized({"WEBUI_PASSWORD": "first run pw"}) is None
    assert AuthStore(tmp_path).verify_password("admin", "first run pw")
    assert AuthStore(tmp_path).verify_token(plaintext)


def _make_tokens(config_dir, prefix, count, queue):
    s = AuthStore(config_dir)
    queue.put([s.create_token(f"{prefix}-{i}")[1] for i in range(count)])


def test_concurrent_token_creation_from_two_processes(store, tmp_path):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_make_tokens, args=(str(tmp_path), p, 15, queue)) for p in ("a", "b")]
    for proc in procs:
        proc.start()
    plaintexts = queue.get(timeout=30) + queue.get(timeout=30)
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    data = json.loads(read_file(store))  # parses: never torn
    assert len(data["tokens"]) == 30
    assert all(store.verify_token(p) for p in plaintexts)
    assert store.verify_password("gm", "correct horse")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_throttle_delays_then_locks():
    clock = FakeClock()
    t = LoginThrottle(clock=clock)
    for _ in range(5):
        assert t.check("1.2.3.4")[0]
        t.failure("1.2.3.4")
    allowed, retry, message = t.check("1.2.3.4")
    assert (allowed, retry) == (False, 1)
    assert message == "Too many failed logins. Try again in 1 second."
    assert t.check("5.6.7.8") == (True, 0, "")  # other clients unaffected
    waits = []
    for _ in range(4):  # failures 6..9: growing delays
        clock.now += t.check("1.2.3.4")[1]
        assert t.check("1.2.3.4")[0]
        t.failure("1.2.3.4")
        waits.append(t.check("1.2.3.4")[1])
    assert waits == [2, 4, 8, 16]
    clock.now += 16
    t.failure("1.2.3.4")  # the 10th: locked for 15 minutes
    allowed, retry, message = t.check("1.2.3.4")
    assert not allowed and retry == 15 * 60
    assert message == "Too many failed logins. Try again in 15 minutes."
    clock.now += 60 + 30
    assert t.check("1.2.3.4")[2] == "Too many failed logins. Try again in 14 minutes."
    clock.now += 15 * 60
    assert t.check("1.2.3.4")[0]
    t.failure("1.2.3.4")  # still suspicious: one more failure locks again
    assert t.check("1.2.3.4")[1] == 15 * 60


def test_throttle_success_resets():
    clock = FakeClock()
    t = LoginThrottle(clock=clock)
    for _ in range(7):
        t.failure("k")
    assert not t.check("k")[0]
    t.success("k")
    assert t.check("k") == (True, 0, "")
    for _ in range(4):
        t.failure("k")
    assert t.check("k")[0]


def test_throttle_memory_is_bounded_and_forgets():
    clock = FakeClock()
    t = LoginThrottle(clock=clock, max_clients=100)
    for i in range(1000):
        t.failure(f"10.0.{i // 256}.{i % 256}")
    assert len(t) <= 100
    for _ in range(10):
        t.failure("attacker")
    clock.now += 2 * 3600
    assert t.check("attacker")[0]
    t.failure("someone")
    assert len(t) <= 1


def test_wrong_username_still_pays_the_kdf(store, tmp_path, monkeypatch):
    calls = []
    real = passwords._scrypt
    monkeypatch.setattr(passwords, "_scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert not store.verify_password("nobody", "correct horse")
    assert not AuthStore(tmp_path / "empty").verify_password("admin", "anything")
    assert len(calls) == 2


def test_item13_attempts_in_flight_count_before_they_fail():
    """Issue 15 item 13 (policy of issue 24 item 11): parallel guesses are judged on settled failures, one after
    the other once the free ones are used, so they cannot all pass the check before any is counted."""
    from webui.core.access.throttle import FREE_FAILURES

    t = LoginThrottle(clock=FakeClock())
    verdicts = _parallel_attempts(t, 12, lambda: time.sleep(0.05) or False)
    assert verdicts.count(False) == FREE_FAILURES and verdicts.count(None) == 12 - FREE_FAILURES, verdicts
    assert t.check("k")[0] is False and t.attempt("k", lambda: True)[0] is None


def test_item11_parallel_correct_passwords_are_never_refused_for_being_early():
    """Issue 24 item 11: attempts in flight are not failures; a correct password waits for them, never a 429."""
    t = LoginThrottle(clock=FakeClock())
    assert _parallel_attempts(t, 20, lambda: time.sleep(0.02) or True) == [True] * 20


def _parallel_attempts(throttle, count, verify):
    """The verdicts of `count` attempts started at once on one client key."""
    verdicts, start = [], threading.Barrier(count)

    def attempt():
        start.wait(timeout=10)
        verdicts.append(throttle.attempt("k", verify)[0])

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return verdicts


def test_item12_ended_sessions_expire_and_stay_bounded(tmp_path, monkeypatch):
    """Issue 15 item 12: logout remembers the session id until its cookie expires; the list never grows unbounded."""
    clock = FakeClock()
    s = AuthStore(tmp_path, clock=clock)
    s.ensure_initialized({"WEBUI_PASSWORD": "correct horse"})
    fingerprint = s.password_fingerprint()
    s.end_session("gone", lifetime_seconds=100)
    assert not s.session_live("gone") and s.session_live("other") and not s.session_live(None)
    clock.now += 200
    s.end_session("later", lifetime_seconds=100)  # "gone" has expired: pruned
    assert list(json.loads(open(s.path).read())["ended_sessions"]) == ["later"]
    monkeypatch.setattr(auth_mod, "MAX_ENDED_SESSIONS", 3)
    for i in range(3):
        s.end_session(f"s{i}", lifetime_seconds=100)
    assert s.password_fingerprint() != fingerprint  # past the cap: a new epoch ends every session
