"""Small helpers shared by the benchmark scripts: percentiles, ports, bounded waits, process cleanup."""

import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:  # the scripts run as `python bench/x.py` from the repo root
    sys.path.insert(0, REPO)

BENCH_PASSWORD = "bench password 123"


def percentile(values, p):
    """The p-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def pct(values, ps=(50, 95, 99)):
    """'p50 1.23  p95 4.56 …' in milliseconds for a list of seconds."""
    return "  ".join(f"p{p} {percentile(values, p) * 1000:8.3f}" for p in ps) + f"   (n={len(values)})"


def machine():
    """One line describing where the numbers were taken."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.node()}: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
            f"{platform.platform()}; load average {load} (figures are noisy when this is above the CPU count)")


def free_port():
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(config_dir, **extra):
    """A clean environment for a served app: temp config folder, known login, no real keys or supervisor."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(TRIPLO_CONFIG_DIR=str(config_dir), WEBUI_USERNAME="admin", WEBUI_PASSWORD=BENCH_PASSWORD,
               PYTHONPATH=REPO, WEBUI_LOG_LEVEL="WARNING")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_port(port, timeout):
    """Poll until 127.0.0.1:port accepts a connection; False when the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
        time.sleep(0.01)
    return False


def stop(proc, grace=5):
    """SIGTERM the process group, then SIGKILL what is left (gunicorn's worker included)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def children(pid):
    """Direct child pids of a process (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def cpu_seconds(pid):
    """user + system CPU time of a process (or a list of them) so far."""
    if isinstance(pid, list):
        return sum(cpu_seconds(one) for one in pid)
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(pid):
    """(user, system) CPU seconds of a process (or a list of them) so far."""
    if isinstance(pid, list):
        pairs = [cpu_split(one) for one in pid]
        return sum(u for u, _ in pairs), sum(s for _, s in pairs)
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _kib_field(path, name):
    with open(path) as handle:
        for line in handle:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid):
    """VmRSS of a process in MiB (shared pages counted in full)."""
    return _kib_field(f"/proc/{pid}/status", "VmRSS")


def pss_mb(pid):
    """Proportional set size in MiB: pages shared after gunicorn's fork counted once across processes."""
    return _kib_field(f"/proc/{pid}/smaps_rollup", "Pss")


@contextlib.contextmanager
def fresh_database(server_url):
    """A new, empty PostgreSQL database on the server of `server_url` for one run; its URL. Dropped afterwards."""
    import psycopg

    base = server_url.rsplit("/", 1)[0]
    name = f"bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        from webui.core.storage import backend

        with contextlib.suppress(Exception):
            backend.forget(f"{base}/{name}")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
