"""Password hashing: self-describing scrypt hashes, checked in constant time, off the event loop."""

import base64
import hashlib
import hmac
import secrets

from webui.offload import off_loop

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SALT_BYTES = 16
# Run against this when there is no real hash, so a wrong username costs as much as a wrong password.
DUMMY_HASH = "scrypt$16384$8$1$" + base64.b64encode(bytes(16)).decode() + "$" + base64.b64encode(bytes(64)).decode()


def hash_password(password):
    """scrypt$n$r$p$salt_b64$hash_b64 for a new random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password_hash(stored, password):
    """True when `password` matches the self-describing hash `stored` (constant-time compare)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        salt, expected = base64.b64decode(salt, validate=True), base64.b64decode(expected, validate=True)
    except (AttributeError, ValueError):
        return False
    # Bounds keep a tampered file from making every login allocate gigabytes.
    if scheme != "scrypt" or not (2 <= n <= 2 ** 20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    if not 16 <= len(expected) <= 128:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(expected)), expected)


def _scrypt(password, salt, n, r, p, dklen=64):
    """scrypt (~50 ms of CPU) in a native thread under gevent, so one login does not stall every stream."""
    maxmem = 128 * r * (n + p + 2) + (1 << 20)
    return off_loop(hashlib.scrypt, password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                    maxmem=maxmem, dklen=dklen)
