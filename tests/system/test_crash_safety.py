"""Crash safety: a writer saving continuously is SIGKILLed at random moments; config.json is never torn."""

import json
import multiprocessing
import os
import random
import signal
import time

import pytest
from cryptography.fernet import Fernet

from webui.core.config import profile_ops
from webui.core.config.service import ConfigService

pytestmark = pytest.mark.system

FULL = os.environ.get("TRIPLO_FULL_PROOF") == "1"
KILLS = 1000 if FULL else 25
SECRET_KEY = Fernet.generate_key().decode()
ENV = {"WEBUI_SECRET_KEY": SECRET_KEY}


def apply_version(settings, i):
    """What save number i changes: deterministic in i, and the file size varies so a torn write would show."""
    settings["crash_version"] = i
    settings["crash_payload"] = f"v{i}:" + "x" * (97 * (i % 37))
    other = next(p for p in settings["llm_profiles"] if p["id"] == "other")
    other["name"] = f"Other {i}"
    other["temperature"] = (i % 20) / 10


def save(svc, i):
    """One save through the service: a profile change, a new encrypted key, and the marker fields."""

    def change(settings):
        from webui.core.config import credentials

        credentials.apply(settings, "open_router", {"api_key": f"sk-or-crash-{i:07d}"}, svc.vault)
        apply_version(settings, i)

    svc.mutate(change, restart=False)


def writer(config_dir, journal, first):
    """Save versions first, first+1, … forever; each version is journaled BEFORE its save starts."""
    svc = ConfigService(config_dir, environ=ENV)
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    deadline = time.monotonic() + 60  # never outlive a broken test
    i = first
    while time.monotonic() < deadline:
        os.write(fd, f"start {i}\n".encode())
        save(svc, i)
        os.write(fd, f"done {i}\n".encode())
        i += 1
    os._exit(0)


def read_journal(journal):
    """(every version started, the last version whose save returned)."""
    started, last_done = set(), -1
    with open(journal, encoding="ascii") as handle:
        for line in handle:
            if not line.endswith("\n"):
                continue  # the kill landed inside the journal write itself
            kind, number = line.split()
            if kind == "start":
                started.add(int(number))
            else:
                last_done = max(last_done, int(number))
    return started, last_done


def setup_config(config_dir):
    """An active OpenAI profile and a second one the writer keeps changing; version 0 saved in-process."""
    svc = ConfigService(str(config_dir), environ=ENV)
    profile_ops.create_profile(svc, {"id": "main", "name": "Main", "provider": "open_ai", "model": "gpt-4o",
                                     "api_key": "sk-crash-main-key-0000", "set_active": True}, restart=False)
    profile_ops.create_profile(svc, {"id": "other", "name": "Other", "provider": "open_router",
                                     "model": "openai/gpt-4o-mini", "api_key": "sk-or-crash-0000000"}, restart=False)
    save(svc, 0)
    return svc


def expected(baseline, i):
    """The config as version i must look (encrypted key aside: Fernet tokens are random)."""
    data = json.loads(json.dumps(baseline))
    apply_version(data["settings"], i)
    return data


def check_file(svc, path, baseline, allowed):
    """The file parses, is one saved version exactly, and its encrypted key opens to that version's key."""
    with open(path, "rb") as handle:
        raw = handle.read()
    data = json.loads(raw)  # a torn file fails here
    version = data["settings"].get("crash_version")
    assert version in allowed, f"{path}: version {version} was never saved"
    token = data["settings"]["provider_credentials"]["open_router"].pop("api_key")
    assert svc.vault.decrypt(token) == f"sk-or-crash-{version:07d}"
    want = expected(baseline, version)
    want["settings"]["provider_credentials"]["open_router"].pop("api_key")
    assert data == want, f"{path}: content differs from saved version {version}"
    return version


def test_sigkill_never_leaves_a_torn_config(config_dir, tmp_path):
    svc = setup_config(config_dir)
    path = config_dir / "config.json"
    baseline = json.loads(path.read_bytes())
    setup_backups = set((config_dir / "backups").iterdir())  # versions before 0: they only need to parse
    journal = str(tmp_path / "journal.txt")
    open(journal, "w").close()
    rng = random.Random(8)  # the same kill schedule every run
    ctx = multiprocessing.get_context("fork")  # fork: the child skips re-importing, so kills are cheap
    started, last_done, version = {0}, 0, 0
    deadline = time.monotonic() + (3600 if FULL else 25)
    kills = 0
    while kills < KILLS:
        assert time.monotonic() < deadline, f"only {kills} kills fit in the time budget"
        proc = ctx.Process(target=writer, args=(str(config_dir), journal, max(started) + 1), daemon=True)
        proc.start()
        try:
            # Let it make progress (it must get the lock a killed writer held), then kill at a random instant.
            want = max(started) + rng.randint(1, 4)
            wait_until = time.monotonic() + 10
            while max(read_journal(journal)[0] | {0}) < want:
                assert time.monotonic() < wait_until, "the writer made no progress in 10 s (stuck lock?)"
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.004))
        finally:
            if proc.pid:
                os.kill(proc.pid, signal.SIGKILL)
            proc.join(5)
        kills += 1
        journaled, done = read_journal(journal)
        started |= journaled
        last_done = max(last_done, done)
        version = check_file(svc, path, baseline, started)
        assert version >= last_done, f"version {version} is older than the completed save {last_done}"
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
        for backup in sorted((config_dir / "backups").iterdir()):
            if backup in setup_backups:
                json.loads(backup.read_bytes())
            else:
                check_file(svc, backup, baseline, started)

    # Left-over temp files (a kill between mkstemp and rename) must not matter: reads and saves still work.
    leftovers = [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".config.json.") for name in leftovers), leftovers
    fresh = ConfigService(str(config_dir), environ=ENV)
    save(fresh, max(started) + 1)
    assert check_file(fresh, path, baseline, {max(started) + 1}) == max(started) + 1
    print(f"{kills} kills, {len(started)} versions started, {len(leftovers)} temp files left behind")
