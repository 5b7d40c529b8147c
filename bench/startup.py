"""Cold start to the first 200 on /healthz under gunicorn (`python -m webui serve`), and idle RSS."""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import REPO, bench_env, children, free_port, machine, percentile, pss_mb, rss_mb, stop  # noqa: E402


def first_200(port, timeout):
    """Seconds until GET /healthz answers 200 (polled every 5 ms), or None."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.005)
    return None


def one_start(config_dir, settle):
    """Start the server, time the first 200, then read master and worker RSS after `settle` idle seconds."""
    port = free_port()
    env = bench_env(config_dir, WEBUI_PORT=port, WEBUI_HOST="127.0.0.1")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "webui", "serve"], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        took = first_200(port, timeout=20)
        if took is None:
            stop(proc)
            raise SystemExit(f"no 200 on /healthz within 20 s:\n{proc.stderr.read().decode(errors='replace')[-3000:]}")
        took = time.perf_counter() - started  # from spawning the process, not from the first poll
        time.sleep(settle)
        workers = children(proc.pid)
        pss = pss_mb(proc.pid) + sum(pss_mb(w) for w in workers)
        return took, rss_mb(proc.pid), [rss_mb(w) for w in workers], pss
    finally:
        stop(proc)


def main():
    """Cold starts (new config folder: key, password hash, config made) and warm starts (existing folder)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=1.0, help="idle seconds before reading RSS")
    args = parser.parse_args()
    print(machine())
    results = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        for i in range(args.runs):
            results["cold"].append(one_start(os.path.join(tmp, f"cold{i}"), args.settle))
        warm_dir = os.path.join(tmp, "cold0")  # a folder that already holds key, auth file and config
        for _ in range(args.runs):
            results["warm"].append(one_start(warm_dir, args.settle))
    for kind, runs in results.items():
        times = [r[0] for r in runs]
        masters = [r[1] for r in runs]
        workers = [w for r in runs for w in r[2]]
        print(f"{kind:4s} start to first 200: p50 {percentile(times, 50) * 1000:7.1f} ms  "
              f"max {max(times) * 1000:7.1f} ms  (n={len(times)})")
        print(f"     idle RSS: master {percentile(masters, 50):5.1f} MiB, worker "
              f"{percentile(workers, 50) if workers else float('nan'):5.1f} MiB (p50; {len(workers)} worker readings); "
              f"PSS master+worker {percentile([r[3] for r in runs], 50):5.1f} MiB")
    cold = percentile([r[0] for r in results["cold"]], 50)
    print(f"\ntarget cold start <= 1.5 s: {cold:.3f} s -> {'MET' if cold <= 1.5 else 'MISSED'}")
    last = results["cold"][0]
    for name, value in [("master", last[1])] + [("worker", w) for w in last[2]]:
        print(f"target idle RSS <= 60 MB, {name}: {value:.1f} MiB -> {'MET' if value <= 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
