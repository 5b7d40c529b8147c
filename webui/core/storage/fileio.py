"""Crash-safe file primitives: atomic replace and a cross-process lock."""

import contextlib
import errno
import fcntl
import os
import sqlite3
import tempfile
import urllib.parse

from webui.errors import StorageFull, StorageUnwritable
from webui.offload import cooperative

FULL = {errno.ENOSPC, errno.EDQUOT}
UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
SQLITE_CODES = {13: errno.ENOSPC, 8: errno.EROFS}  # SQLITE_FULL, SQLITE_READONLY


def atomic_write_bytes(path, data, mode=0o600):
    """Write `data` to `path` so a crash leaves the old or the new file, never a torn one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def fsync_dir(folder):
    """Persist a rename: fsync the directory entry (best effort on odd filesystems)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def file_lock(lock_path):
    """Exclusive advisory lock shared by every process that writes the guarded file."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _acquire(fd):
    """flock(LOCK_EX); under gevent a non-blocking try plus short sleeps, so a held lock never stalls the loop."""
    if not cooperative():
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import gevent

    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            gevent.sleep(delay)  # another process (or greenlet) holds it: let the others run meanwhile
            delay = min(delay * 2, 0.05)


def create_private_file(path):
    """Create `path` (if missing) as 0600 before anything else opens it; SQLite gives -wal/-shm the same mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def sqlite_connect(path, read_only=False):
    """A SQLite connection as every store here wants it: autocommit (transactions are explicit), WAL-friendly
    NORMAL sync, a 10 s busy wait, usable from the thread pool; `read_only` opens the file with mode=ro."""
    target = f"file:{urllib.parse.quote(path)}?mode=ro" if read_only else path
    conn = sqlite3.connect(target, timeout=10, isolation_level=None, check_same_thread=False, uri=read_only)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def ensure_private_dir(path, mode=0o700):
    """Create a folder (and parents) if missing; tighten its mode (best effort: a read-only folder keeps its own)."""
    os.makedirs(path, mode=mode, exist_ok=True)
    try:
        os.chmod(path, mode)
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise


@contextlib.contextmanager
def storage_errors(folder, what="config.json"):
    """Turn a full or unwritable folder into StorageFull (507) / StorageUnwritable (503) naming the folder."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        number = _errno_of(exc)
        if number in FULL:
            raise StorageFull(f"The config folder {folder} is full ({os.strerror(number)}): {what} was not changed. "
                              "Free some space and save again.", reason=os.strerror(number)) from None
        if number in UNWRITABLE:
            raise StorageUnwritable(f"The config folder {folder} is read-only or not writable ({os.strerror(number)}): "
                                    f"{what} was not changed.", reason=os.strerror(number)) from None
        raise


def _errno_of(exc):
    """An OSError's errno; for sessions.db, SQLITE_FULL / SQLITE_READONLY (low byte of the code) as errno."""
    if isinstance(exc, OSError):
        return exc.errno
    return SQLITE_CODES.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)


def unwritable_reason(folder):
    """None when a file can be made in `folder`, else why not (e.g. 'Read-only file system')."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".webui-probe.", suffix=".tmp")
    except OSError as exc:
        return exc.strerror if exc.errno in UNWRITABLE else None
    os.close(fd)
    os.unlink(tmp)
    return None
