"""Where things live: the config folder and the file names of SPEC §2."""

import os

CONFIG_FILE = "config.json"
KEY_FILE = "webui.key"
AUTH_FILE = "webui-auth.json"
SESSIONS_DB = "sessions.db"
USAGE_DB = "usage.db"  # the usage ledger (SQLite, WAL): one row per provider call
BACKUP_DIR = "backups"
LOCK_FILE = ".config.lock"


def config_dir(environ=None):
    """$TRIPLO_CONFIG_DIR, else ~/.config/Triplo AI."""
    env = os.environ if environ is None else environ
    configured = env.get("TRIPLO_CONFIG_DIR")
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return os.path.join(os.path.expanduser("~"), ".config", "Triplo AI")
