"""The performance fixes keep behaviour: store.dump round-trips and stays readable, the read cache after a
save is right, Vault.masked's memo gives the same answers and never holds plaintext."""

import json

from cryptography.fernet import Fernet

from webui.core.storage.store import ConfigStore, dump, revision_of
from webui.core.storage.vault import Vault


def test_dump_round_trips_and_puts_one_profile_per_line():
    data = {"a": 1, "settings": {"llm_profiles": [{"id": "x", "o": {"k": [1, 2]}}, {"id": "y", "name": "é \"q\""}],
                                 "empty": {}, "none": [], "n": None, "deep": {"c": {"api_key": {"enc": "g"}}}},
            "z": [1, [2, 3]], "s": "line\nbreak"}
    raw = dump(data)
    assert json.loads(raw) == data
    lines = raw.decode().splitlines()
    assert '      {"id": "x", "o": {"k": [1, 2]}},' in lines
    assert raw.endswith(b"\n") and "é" in raw.decode()  # UTF-8, not \u escapes, as before


def test_dump_leaves_odd_keys_to_json():
    data = {"settings": {1: "one", True: "t"}}
    assert json.loads(dump(data)) == json.loads(json.dumps(data))


def test_read_after_update_is_the_written_version(tmp_path):
    store = ConfigStore(str(tmp_path))
    snap, _ = store.update(lambda d: d["settings"].update(x=1))
    again = store.read()
    assert again.revision == snap.revision == revision_of((tmp_path / "config.json").read_bytes())
    assert again.data["settings"]["x"] == 1
    other = ConfigStore(str(tmp_path))  # another process's write is seen
    other.update(lambda d: d["settings"].update(x=2))
    assert store.read().data["settings"]["x"] == 2


def test_masked_memo_matches_and_holds_no_plaintext():
    vault = Vault(Fernet(Fernet.generate_key()))
    token = vault.encrypt("sk-proj-memo-secret-1234")
    first, second = vault.masked(token), vault.masked(token)
    assert first == second == {"set": True, "hint": "sk-proj-…1234"}
    first["hint"] = "changed"  # callers get copies
    assert vault.masked(token)["hint"] == "sk-proj-…1234"
    assert "memo-secret" not in repr(vault._masks)
    stranger = Vault(Fernet(Fernet.generate_key()))
    assert stranger.masked(token) == {"set": True, "hint": None, "needs_reentry": True}


def test_provider_sessions_honour_proxy_env_only_when_set(monkeypatch):
    from webui.providers.transport import SessionPool

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    pool = SessionPool()
    assert pool.get().trust_env is False
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert pool.get().trust_env is True  # a proxy set later is still honoured
    monkeypatch.delenv("HTTPS_PROXY")
    assert pool.get() is pool.get()  # pooled, not re-made per call
