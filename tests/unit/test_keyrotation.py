"""rotate-key: every stored secret re-encrypted under a new key, the old key kept in backups, crash-safe."""

import io
import json
import os

import pytest
from cryptography.fernet import Fernet

from webui import cli
from webui.core.config import credentials
from webui.core.access import keyrotation
from webui.errors import SecretUnreadable
from webui.core.storage.vault import PENDING_KEY_FILE, Vault

from .core_helpers import HOSTILE_KEY, mode, read_config, service

SECRETS = {"open_ai": HOSTILE_KEY, "anthropic": "sk-ant-rotate-000000000001", "work": "sk-work-000000000002"}


@pytest.fixture
def folder(tmp_path):
    """A config folder with a key file and three credentials (one with a nested secret) encrypted with it."""
    path = str(tmp_path / "cfg")
    svc = service(path, environ={})
    for cid, key in SECRETS.items():
        svc.mutate(lambda s, c=cid, k=key: credentials.apply(s, c, {"api_key": k}, svc.vault), restart=False)
    svc.mutate(lambda s: credentials.apply(s, "ollama", {"url": "http://h:1", "token": "tok-000000000003"},
                                           svc.vault), restart=False)
    svc.mutate(lambda s: s["provider_credentials"]["work"].update(extra=[{"deep": svc.vault.encrypt("nested-0004")}]),
               restart=False)
    return path


def key_file(folder):
    with open(os.path.join(folder, "webui.key"), "rb") as handle:
        return handle.read()


def rotate(folder, **env):
    out = io.StringIO()
    code = keyrotation.rotate_key(folder, env, out=out)
    text = out.getvalue()
    assert not any(secret in text for secret in SECRETS.values())
    return code, text


def all_plain(settings, vault):
    creds = settings["provider_credentials"]
    found = {cid: vault.decrypt(c["api_key"]) for cid, c in creds.items() if "api_key" in c}
    found["token"] = vault.decrypt(creds["ollama"]["token"])
    found["deep"] = vault.decrypt(creds["work"]["extra"][0]["deep"])
    return found


def test_rotate_reencrypts_and_the_old_key_is_no_longer_needed(folder):
    old = key_file(folder)
    code, text = rotate(folder)
    assert code == 0 and "Re-encrypted 5 stored secret(s) with a new key" in text
    new = key_file(folder)
    assert new != old and mode(os.path.join(folder, "webui.key")) == 0o600
    assert not os.path.exists(os.path.join(folder, PENDING_KEY_FILE))
    only_new = Vault(Fernet(new))  # no previous keys at all
    expected = dict(SECRETS, token="tok-000000000003", deep="nested-0004")
    assert all_plain(read_config(folder)["settings"], only_new) == expected
    with pytest.raises(SecretUnreadable):
        all_plain(read_config(folder)["settings"], Vault(Fernet(old)))
    (saved,) = [n for n in os.listdir(os.path.join(folder, "backups")) if n.startswith("webui.key.")]
    assert open(os.path.join(folder, "backups", saved), "rb").read() == old
    assert mode(os.path.join(folder, "backups", saved)) == 0o600


def test_a_fresh_service_reads_everything_after_rotation(folder):
    rotate(folder)
    svc = service(folder, environ={})
    settings, _ = svc.settings()
    assert credentials.plaintext(settings, "anthropic", "api_key", svc.vault) == SECRETS["anthropic"]


def test_unreadable_secret_is_reported_and_kept_not_fatal(folder):
    svc = service(folder, environ={})
    stranger = Vault(Fernet(Fernet.generate_key()))
    svc.mutate(lambda s: s["provider_credentials"]["anthropic"].update(api_key=stranger.encrypt("lost")),
               restart=False)
    code, text = rotate(folder)
    assert code == 0 and "Re-encrypted 4 stored secret(s)" in text
    assert "Needs re-entry (no known key opens it): anthropic.api_key" in text
    settings = read_config(folder)["settings"]
    assert stranger.decrypt(settings["provider_credentials"]["anthropic"]["api_key"]) == "lost"
    assert Vault(Fernet(key_file(folder))).decrypt(settings["provider_credentials"]["open_ai"]["api_key"]) == HOSTILE_KEY


def test_crash_before_the_key_swap_loses_nothing_and_the_next_run_resumes(folder, monkeypatch):
    old = key_file(folder)
    real_replace = os.replace

    def crash(src, dst):  # only the final swap fails; the pending key and config.json are written normally
        if str(src).endswith(PENDING_KEY_FILE):
            raise OSError("simulated crash before the key swap")
        return real_replace(src, dst)

    monkeypatch.setattr(keyrotation.os, "replace", crash)
    with pytest.raises(OSError):
        rotate(folder)
    monkeypatch.undo()
    pending = open(os.path.join(folder, PENDING_KEY_FILE), "rb").read()
    assert key_file(folder) == old  # config.json already uses the pending key, webui.key is still the old one
    svc = service(folder, environ={})
    settings, _ = svc.settings()
    assert credentials.plaintext(settings, "open_ai", "api_key", svc.vault) == HOSTILE_KEY
    code, text = rotate(folder)
    assert code == 0 and "resumed an interrupted rotation" in text
    assert key_file(folder) == pending
    assert all_plain(read_config(folder)["settings"], Vault(Fernet(pending)))["open_ai"] == HOSTILE_KEY


def test_env_key_mode_uses_previous_keys(tmp_path):
    folder = str(tmp_path / "cfg")
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    svc = service(folder, environ={"WEBUI_SECRET_KEY": old})
    svc.mutate(lambda s: credentials.apply(s, "open_ai", {"api_key": HOSTILE_KEY}, svc.vault), restart=False)
    code, text = rotate(folder, WEBUI_SECRET_KEY=new, WEBUI_SECRET_KEY_PREVIOUS=old)
    assert code == 0 and "with WEBUI_SECRET_KEY" in text and "WEBUI_SECRET_KEY_PREVIOUS" in text
    assert not os.path.exists(os.path.join(folder, "webui.key"))
    stored = read_config(folder)["settings"]["provider_credentials"]["open_ai"]["api_key"]
    assert Vault(Fernet(new)).decrypt(stored) == HOSTILE_KEY


def test_env_key_mode_also_opens_secrets_of_the_old_key_file(folder):
    new = Fernet.generate_key().decode()
    code, text = rotate(folder, WEBUI_SECRET_KEY=new)
    assert code == 0 and "Re-encrypted 5" in text
    assert all_plain(read_config(folder)["settings"], Vault(Fernet(new)))["work"] == SECRETS["work"]


def test_without_a_config_only_the_key_changes(tmp_path):
    folder = str(tmp_path / "cfg")
    code, text = rotate(folder)
    assert code == 0 and "Re-encrypted 0" in text and not os.path.exists(os.path.join(folder, "config.json"))


def test_corrupt_config_stops_before_touching_keys(folder, capsys):
    old = key_file(folder)
    with open(os.path.join(folder, "config.json"), "w") as handle:
        handle.write("{torn")
    code, _ = rotate(folder)
    assert code == 1 and "is not valid JSON" in capsys.readouterr().err
    assert key_file(folder) == old and not os.path.exists(os.path.join(folder, PENDING_KEY_FILE))


def test_bad_env_key_is_exit_2(folder, capsys):
    assert rotate(folder, WEBUI_SECRET_KEY="short")[0] == 2
    assert "WEBUI_SECRET_KEY" in capsys.readouterr().err


def test_cli_rotate_key(folder, monkeypatch, capsys):
    monkeypatch.delenv("WEBUI_SECRET_KEY", raising=False)
    monkeypatch.delenv("WEBUI_SECRET_KEY_PREVIOUS", raising=False)
    monkeypatch.setenv("TRIPLO_CONFIG_DIR", folder)
    assert cli.main(["rotate-key"]) == 0
    assert "Re-encrypted 5" in capsys.readouterr().out
    assert json.dumps(read_config(folder)).count('"enc"') == 5
