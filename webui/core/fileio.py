"""Crash-safe file primitives: atomic replace and a cross-process lock."""

import contextlib
import fcntl
import os
import tempfile

from ..offload import cooperative


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


def ensure_private_dir(path, mode=0o700):
    """Create a folder (and parents) if missing; tighten its mode."""
    os.makedirs(path, mode=mode, exist_ok=True)
    with contextlib.suppress(PermissionError):
        os.chmod(path, mode)
