"""Vault: Fernet encrypt/decrypt, key file or WEBUI_SECRET_KEY, previous keys, masking, needs re-entry."""

import os

import pytest
from cryptography.fernet import Fernet

from webui.errors import SecretUnreadable
from webui.errors import SecretKeyUnusable
from webui.core.storage.vault import PENDING_KEY_FILE, Vault, is_secret_obj, mask, write_key_file

from .core_helpers import HOSTILE_KEY, mode, new_vault


def test_hostile_secret_round_trips_and_is_not_stored_in_plain():
    vault = new_vault()
    stored = vault.encrypt(HOSTILE_KEY)
    assert is_secret_obj(stored) and set(stored) == {"enc"}
    assert "rm -rf" not in stored["enc"] and "sk-" not in stored["enc"]
    assert vault.decrypt(stored) == HOSTILE_KEY


def test_key_file_is_made_once_with_mode_0600(tmp_path):
    folder = str(tmp_path / "cfg")
    first = Vault.from_env(folder, {})
    key_path = os.path.join(folder, "webui.key")
    assert mode(key_path) == 0o600 and mode(folder) == 0o700
    stored = first.encrypt("sk-abc")
    assert Vault.from_env(folder, {}).decrypt(stored) == "sk-abc"  # same key on the next start


def test_env_key_wins_and_no_key_file_is_made(tmp_path):
    key = Fernet.generate_key().decode()
    vault = Vault.from_env(str(tmp_path), {"WEBUI_SECRET_KEY": key})
    assert not os.path.exists(tmp_path / "webui.key")
    assert Vault(Fernet(key)).decrypt(vault.encrypt("x")) == "x"


@pytest.mark.parametrize("var", ["WEBUI_SECRET_KEY", "WEBUI_SECRET_KEY_PREVIOUS"])
def test_bad_env_key_names_the_variable(tmp_path, var):
    env = {"WEBUI_SECRET_KEY": Fernet.generate_key().decode(), var: "not-a-key"}
    with pytest.raises(SecretKeyUnusable) as info:
        Vault.from_env(str(tmp_path), env)
    assert var in info.value.message and "not-a-key" not in info.value.message


def test_previous_keys_decrypt_and_rotate_moves_to_current(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = Vault(Fernet(old)).encrypt("sk-secret")
    vault = Vault.from_env(str(tmp_path), {"WEBUI_SECRET_KEY": new, "WEBUI_SECRET_KEY_PREVIOUS": f" {old} ,"})
    assert vault.decrypt(stored) == "sk-secret"
    rotated = vault.rotate(stored)
    assert Vault(Fernet(new)).decrypt(rotated) == "sk-secret"


def test_pending_key_file_is_an_extra_decryption_key(tmp_path):
    folder = str(tmp_path)
    pending = Fernet.generate_key()
    write_key_file(folder, pending, name=PENDING_KEY_FILE)
    stored = Vault(Fernet(pending)).encrypt("sk-mid-rotation")
    assert Vault.from_env(folder, {}).decrypt(stored) == "sk-mid-rotation"


def test_lost_key_is_needs_reentry_not_a_crash():
    stored = new_vault().encrypt("sk-0123456789abcdef")
    other = new_vault()
    with pytest.raises(SecretUnreadable) as info:
        other.decrypt(stored)
    assert info.value.code == "needs_reentry"
    assert other.masked(stored) == {"set": True, "hint": None, "needs_reentry": True}
    assert other.masked({"enc": "garbage"})["needs_reentry"] is True
    with pytest.raises(SecretUnreadable):
        other.decrypt("sk-plain-string")


@pytest.mark.parametrize("plain, hint", [
    ("sk-proj-abcdefghijklmnop1234", "sk-proj-…1234"),
    ("sk-ant-api03.xxxxxxxWXYZ", "sk-ant-…WXYZ"),
    ("sk-or-v1-0000000000000000beef", "sk-or-v1-…beef"),
    ("AIzaFAKE-test-only-key-9876", "AIza…9876"),
    ("plainlongsecretvalue42", "…ue42"),
    ("short", "…"),
    ("elevenchars", "…"),
])
def test_mask_shows_at_most_the_last_four(plain, hint):
    assert mask(plain) == {"set": True, "hint": hint}


def test_mask_of_nothing():
    assert mask("") == {"set": False, "hint": None}
    assert new_vault().masked(None) == {"set": False, "hint": None}


def test_masked_view_of_hostile_key_leaks_nothing_but_the_tail():
    vault = new_vault()
    view = vault.masked(vault.encrypt(HOSTILE_KEY))
    assert view == {"set": True, "hint": "sk-…a1b2"}
