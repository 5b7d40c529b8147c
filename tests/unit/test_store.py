"""ConfigStore: atomic, locked, revisioned, backed-up writes of config.json (SPEC §2)."""

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap

import pytest

from webui.core.storage import fileio
from webui.errors import ConfigCorrupt, Conflict
from webui.core.storage.store import BACKUPS_KEPT, ConfigStore

from .core_helpers import HOSTILE_KEY, mode, read_config, write_config


@pytest.fixture
def store(tmp_path):
    return ConfigStore(str(tmp_path / "cfg"))


def set_value(key, value):
    def change(data):
        data["settings"][key] = value
    return change


def test_missing_file_reads_as_template_without_revision(store):
    snap = store.read()
    assert snap.revision is None
    assert snap.data["settings"]["ai_source"] == "open_ai"
    assert not store.exists()


def test_hostile_value_round_trips(store):
    store.update(set_value("openai_key", HOSTILE_KEY))
    assert store.read().data["settings"]["openai_key"] == HOSTILE_KEY
    assert read_config(store.config_dir)["settings"]["openai_key"] == HOSTILE_KEY
    assert ConfigStore(store.config_dir).read().data["settings"]["openai_key"] == HOSTILE_KEY


def test_modes_are_private(store):
    store.update(set_value("a", 1))
    store.update(set_value("a", 2))
    assert mode(store.path) == 0o600
    assert mode(store.config_dir) == 0o700
    assert mode(store.backup_dir) == 0o700
    assert all(mode(os.path.join(store.backup_dir, n)) == 0o600 for n in os.listdir(store.backup_dir))


def test_revision_changes_with_content_and_stale_writer_gets_conflict(store):
    first = store.update(set_value("a", 1))[0].revision
    second = store.update(set_value("a", 2), expected_revision=first)[0].revision
    assert second != first and store.read().revision == second
    with pytest.raises(Conflict) as info:
        store.update(set_value("a", 3), expected_revision=first)
    assert info.value.details["revision"] == second
    assert store.read().data["settings"]["a"] == 2


def test_unchanged_content_is_not_rewritten(store):
    rev = store.update(set_value("a", 1))[0].revision
    before = os.stat(store.path).st_ino
    assert store.update(lambda data: None)[0].revision == rev
    assert os.stat(store.path).st_ino == before and store.latest_backup() is None


def test_change_that_raises_writes_nothing(store):
    store.update(set_value("a", 1))
    raw = open(store.path, "rb").read()

    def broken(data):
        data["settings"]["a"] = 2
        raise ValueError("boom")

    with pytest.raises(ValueError):
        store.update(broken)
    assert open(store.path, "rb").read() == raw


def test_unknown_keys_survive_a_save(tmp_path):
    folder = str(tmp_path / "cfg")
    settings = {"ai_source": "open_ai", "vendor_future": {"nested": [1, 2.5, None, "ü"]}, "zeta": True}
    write_config(folder, settings, futureTopLevel={"x": [1, {"y": "z"}]}, version="9.9")
    before = read_config(folder)
    store = ConfigStore(folder)
    store.update(set_value("temperature", 0.9))
    after = read_config(folder)
    assert after["settings"].pop("temperature") == 0.9
    before["settings"].pop("temperature", None)
    assert after == before


def test_crash_between_temp_write_and_rename_leaves_old_file(store, monkeypatch):
    store.update(set_value("a", "old"))
    raw = open(store.path, "rb").read()

    def crash(src, dst):
        raise OSError("simulated power cut before rename")

    monkeypatch.setattr(fileio.os, "replace", crash)
    with pytest.raises(OSError):
        store.update(set_value("a", "new"))
    monkeypatch.undo()
    assert open(store.path, "rb").read() == raw
    assert not [n for n in os.listdir(store.config_dir) if n.endswith(".tmp")]  # temp file cleaned up


def test_process_killed_before_rename_leaves_old_file(store):
    store.update(set_value("a", "old"))
    raw = open(store.path, "rb").read()
    script = textwrap.dedent(f"""
        import os
        from webui.core.storage import fileio
        from webui.core.storage.store import ConfigStore
        def die(src, dst):
            os._exit(9)  # the temp file is written and fsynced; the process dies before the rename
        fileio.os.replace = die
        ConfigStore({store.config_dir!r}).update(lambda d: d["settings"].update(a="x" * 100000))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), timeout=30)
    assert result.returncode == 9
    assert open(store.path, "rb").read() == raw
    assert store.read().data["settings"]["a"] == "old"


def _bump(folder, rounds):
    store = ConfigStore(folder)
    for _ in range(rounds):
        store.update(lambda d: d["settings"].update(counter=d["settings"].get("counter", 0) + 1,
                                                    pad="p" * (d["settings"].get("counter", 0) % 50 * 100)))


def _reader(folder, stop, torn):
    path = os.path.join(folder, "config.json")
    while not stop.is_set():
        try:
            with open(path, "rb") as handle:
                json.loads(handle.read())
        except FileNotFoundError:
            continue
        except ValueError:
            torn.value += 1


def test_concurrent_writers_never_tear_or_lose_updates(store):
    store.update(set_value("counter", 0))
    ctx = multiprocessing.get_context("fork")
    stop, torn = ctx.Event(), ctx.Value("i", 0)
    reader = ctx.Process(target=_reader, args=(store.config_dir, stop, torn))
    reader.start()
    writers = [ctx.Process(target=_bump, args=(store.config_dir, 25)) for _ in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(30)
    stop.set()
    reader.join(10)
    assert [w.exitcode for w in writers] == [0, 0, 0, 0]
    assert torn.value == 0
    assert ConfigStore(store.config_dir).read().data["settings"]["counter"] == 100


def test_stale_writer_in_another_process_gets_conflict(store):
    stale = store.update(set_value("a", 1))[0].revision
    ctx = multiprocessing.get_context("fork")
    other = ctx.Process(target=_bump, args=(store.config_dir, 1))
    other.start()
    other.join(30)
    with pytest.raises(Conflict):
        store.update(set_value("a", "mine"), expected_revision=stale)
    assert store.read().data["settings"]["a"] == 1 and store.read().data["settings"]["counter"] == 1


def test_corrupt_config_names_file_and_backup_and_is_untouched(store):
    store.update(set_value("a", 1))
    store.update(set_value("a", 2))
    with open(store.path, "wb") as handle:
        handle.write(b'{"settings": {"a": ')
    for attempt in (store.read, lambda: store.update(set_value("a", 3))):
        with pytest.raises(ConfigCorrupt) as info:
            attempt()
        assert store.path in info.value.message
        assert store.latest_backup() in info.value.message
    assert open(store.path, "rb").read() == b'{"settings": {"a": '


@pytest.mark.parametrize("content", [b"[1, 2]", b'{"settings": []}', b"\xff\xfe", b""])
def test_other_corruptions_are_config_corrupt(store, content):
    os.makedirs(store.config_dir)
    with open(store.path, "wb") as handle:
        handle.write(content)
    with pytest.raises(ConfigCorrupt) as info:
        store.read()
    assert "No backup exists yet" in info.value.message


def test_backups_keep_the_last_ten(store):
    for i in range(BACKUPS_KEPT + 5):
        store.update(set_value("n", i))
    names = sorted(os.listdir(store.backup_dir))
    assert len(names) == BACKUPS_KEPT
    with open(store.latest_backup(), encoding="utf-8") as handle:
        assert json.load(handle)["settings"]["n"] == BACKUPS_KEPT + 3  # the version before the last save
    with open(os.path.join(store.backup_dir, names[0]), encoding="utf-8") as handle:
        assert json.load(handle)["settings"]["n"] == 4


def test_backup_now(store):
    assert store.backup() is None
    store.update(set_value("a", 1))
    path = store.backup()
    assert open(path, "rb").read() == open(store.path, "rb").read()


def test_temp_files_of_killed_writers_are_swept_on_the_next_write(tmp_path):
    from webui.core.storage.store import ConfigStore

    store = ConfigStore(str(tmp_path))
    store.update(lambda data: data["settings"].update(a=1))
    orphan = tmp_path / ".config.json.abc123.tmp"
    orphan.write_text("{torn")
    ConfigStore(str(tmp_path)).update(lambda data: data["settings"].update(a=2))
    assert not orphan.exists()
    assert ConfigStore(str(tmp_path)).read().data["settings"]["a"] == 2
