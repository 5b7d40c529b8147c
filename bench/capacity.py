"""Capacity: N concurrent streamed /v1 replies (20 deltas, 100 ms apart) through `python -m webui serve`, with
/api/status sampled meanwhile; then slowloris sockets with /healthz sampled meanwhile. All on 127.0.0.1.

Three kinds of process besides the server: the fake provider (`bench/_fake_stream.py`, frames encoded once),
this one with the streaming clients as greenlets (gevent: 1,000 clients cost no OS thread here either), and the
/api/status and /healthz samplers (plain Python), so each latency is the server's and not a busy neighbour's.
`--baseline DIR` (an export of another commit, e.g. `git archive HEAD~3 | tar -x -C DIR`) serves the same
config folder from that code too; each N then runs against both servers in turn, in one run.
`--workers 1,2` serves this checkout with WEBUI_WORKERS=1 and =2 side by side (Redis at --redis-url, which several
workers need; CPU and RSS then add up every worker)."""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import (REPO, bench_env, children, cpu_seconds, free_port, fresh_database, machine,  # noqa: E402
                   percentile, rss_mb, stop, wait_port)

from webui.core.access.auth import AuthStore  # noqa: E402
from webui.core.config import profile_ops  # noqa: E402
from webui.core.config.service import ConfigService  # noqa: E402
from webui.core.storage import backend  # noqa: E402

KEY = "sk-bench-capacity-0000-0000"
TOKENS = [f"t{i:02d} " for i in range(20)]
FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fake_stream.py")

# The sampler: a plain (unpatched) process polling one path every `every` s for `seconds`; prints latencies.
SAMPLER = """
import http.client, json, sys, time
port, path, token, seconds, every = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
out, errors, end = [], 0, time.monotonic() + seconds
while time.monotonic() < end:
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        ok = conn.getresponse().read() is not None
        out.append(time.perf_counter() - started)
        conn.close()
    except OSError:
        errors += 1
    time.sleep(every)
print(json.dumps({"times": out, "errors": errors}))
"""


def sampler(port, path, token, seconds, every=0.1):
    return subprocess.Popen([sys.executable, "-c", SAMPLER, str(port), path, token, str(seconds), str(every)],
                            stdout=subprocess.PIPE, text=True)


def sampled(proc):
    out, _ = proc.communicate(timeout=120)
    return json.loads(out)


def one_stream(port, token, result):
    """POST a streamed completion; record (ok, first delta s, total s)."""
    started = time.perf_counter()
    first = None
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/v1/chat/completions", json.dumps({"model": "bench", "stream": True,
                     "messages": [{"role": "user", "content": "hi"}]}),
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            result.append((False, None, None, response.status))
            return
        seen = b""
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            seen += chunk
            if first is None and TOKENS[0].encode() in seen:
                first = time.perf_counter() - started
        conn.close()
        ok = seen.rstrip().endswith(b"data: [DONE]") and all(t.encode() in seen for t in TOKENS)
        result.append((ok, first, time.perf_counter() - started, 200))
    except OSError as exc:
        result.append((False, first, None, type(exc).__name__))


def memory_mb(pid):
    return sum(rss_mb(one) for one in pid) if isinstance(pid, list) else rss_mb(pid)


def run_streams(port, token, n, server_pid):
    """N streams at once; returns a dict of figures."""
    result, peak_rss = [], 0.0
    cpu_before, bench_before = cpu_seconds(server_pid), cpu_seconds(os.getpid())
    status = sampler(port, "/api/status", token, seconds=2.0 + n / 250)
    health = sampler(port, "/healthz", "-", seconds=2.0 + n / 250)
    started = time.perf_counter()
    greenlets = [gevent.spawn(one_stream, port, token, result) for _ in range(n)]
    deadline = time.monotonic() + 120
    while not all(g.ready() for g in greenlets) and time.monotonic() < deadline:
        gevent.sleep(0.25)
        if server_pid:
            peak_rss = max(peak_rss, memory_mb(server_pid))
    gevent.killall([g for g in greenlets if not g.ready()], timeout=5)
    total = time.perf_counter() - started
    firsts = [r[1] for r in result if r[1] is not None]
    statuses, healths = sampled(status), sampled(health)
    return {
        "health_p50": percentile(healths["times"], 50) if healths["times"] else float("nan"),
        "health_p95": percentile(healths["times"], 95) if healths["times"] else float("nan"),
        "cpu_ms_per_stream": (cpu_seconds(server_pid) - cpu_before) * 1000 / n,
        "bench_cpu_ms_per_stream": (cpu_seconds(os.getpid()) - bench_before) * 1000 / n,
        "n": n, "completed": sum(1 for r in result if r[0]), "total_s": total,
        "first_p50": percentile(firsts, 50) if firsts else float("nan"),
        "first_p95": percentile(firsts, 95) if firsts else float("nan"),
        "rss_mb": peak_rss, "failures": sorted({str(r[3]) for r in result if not r[0]}),
        "status_p50": percentile(statuses["times"], 50) if statuses["times"] else float("nan"),
        "status_p95": percentile(statuses["times"], 95) if statuses["times"] else float("nan"),
        "status_n": len(statuses["times"]), "status_errors": statuses["errors"],
    }


def run_slowloris(port, sockets, seconds):
    """`sockets` half-sent request heads, one more byte each every 5 s; /healthz sampled meanwhile."""
    loris = []
    for _ in range(sockets):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-slow: ")
        loris.append(sock)
    health = sampler(port, "/healthz", "-", seconds=seconds)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for sock in loris:
            try:
                sock.send(b"a")
            except OSError:
                pass
        gevent.sleep(min(5, max(0, end - time.monotonic())))
    closed = 0
    for sock in loris:
        sock.settimeout(1)
        try:
            closed += sock.recv(1) == b""
        except TimeoutError:
            pass  # still open
        except OSError:
            closed += 1  # reset by the server
        sock.close()
    times = sampled(health)
    return {"sockets": sockets, "closed_by_server": closed, "healthz_p50": percentile(times["times"], 50),
            "healthz_p95": percentile(times["times"], 95), "healthz_max": max(times["times"]),
            "n": len(times["times"]), "errors": times["errors"]}


def start_fake(deltas, delay):
    """The fake provider in its own process; (process, base_url)."""
    port = free_port()
    fake = subprocess.Popen([sys.executable, FAKE, str(port), "--deltas", str(deltas), "--delay", str(delay)],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    if fake.stdout.readline().strip() != "ready":
        raise SystemExit("the fake provider did not start")
    return fake, f"http://127.0.0.1:{port}/v1"


def start_server(repo, tmp, **extra):
    """`python -m webui serve` from a checkout; (process, port, worker pid, or every worker's pid with several)."""
    port = free_port()
    env = bench_env(tmp, WEBUI_PORT=port, WEBUI_HOST="127.0.0.1", PYTHONPATH=repo, **extra)
    proc = subprocess.Popen([sys.executable, "-m", "webui", "serve"], cwd=repo, env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port, 30):
        stop(proc)
        raise SystemExit(f"the server from {repo} did not start")
    time.sleep(1)
    kids = children(proc.pid)
    if len(kids) > 1:
        return proc, port, kids
    return proc, port, (kids[0] if kids else None)


def line(label, r):
    return (f"{r['n']:<6d} {label:<9s}{r['completed']:>5d}  {r['first_p50']:8.3f} / {r['first_p95']:6.3f}"
            f"      {r['total_s']:7.2f}   {r['rss_mb']:8.1f}    "
            f"{r['status_p50'] * 1000:7.1f} / {r['status_p95'] * 1000:7.1f} ({r['status_n']}, "
            f"{r['status_errors']} err)  {r['health_p50'] * 1000:6.1f} / {r['health_p95'] * 1000:6.1f}   "
            f"{r['cpu_ms_per_stream']:.2f}   {r['bench_cpu_ms_per_stream']:.2f}   "
            f"load {os.getloadavg()[0]:.2f}" + (f"  failures: {r['failures']}" if r["failures"] else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--slowloris", type=int, default=256)
    parser.add_argument("--slowloris-seconds", type=float, default=15)
    parser.add_argument("--deltas", type=int, default=20, help="deltas per reply (1: the per-request cost alone)")
    parser.add_argument("--baseline", help="another checkout to serve and measure side by side (e.g. the parent "
                                           "commit exported with git archive)")
    parser.add_argument("--workers", help="e.g. 1,2: this checkout with each WEBUI_WORKERS, side by side")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="for --workers")
    parser.add_argument("--database-url", default="postgresql://127.0.0.1/postgres",
                        help="for --workers: a PostgreSQL server; the run makes its own database there and drops it")
    args = parser.parse_args()
    TOKENS[:] = [f"t{i:02d} " for i in range(args.deltas)]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))  # 1,000 clients
    print(machine())
    print("server: `python -m webui serve` = gunicorn, 1 gevent worker (webui.serve.worker.Worker), access log on; "
          "fake provider, clients and samplers in their own processes")
    servers, fake = [], None
    database = fresh_database(args.database_url) if args.workers else contextlib.nullcontext()
    with tempfile.TemporaryDirectory(prefix="bench-cap-") as tmp, database as database_url:
        try:
            fake, base_url = start_fake(len(TOKENS), 0.1)
            store_env = {"WEBUI_DATABASE_URL": database_url} if database_url else {}
            svc = ConfigService(tmp, environ=bench_env(tmp, **store_env))
            profile_ops.create_profile(svc, {"id": "bench", "name": "Bench", "provider": "open_ai",
                                             "model": "gpt-4o-mini", "base_url": base_url, "api_key": KEY,
                                             "set_active": True}, restart=False)
            _, token = AuthStore(tmp, document=backend.auth_document(bench_env(tmp, **store_env))).create_token("bench")
            repos = ([("baseline", os.path.abspath(args.baseline), {})] if args.baseline else [])
            if args.workers:
                repos += [(f"{n} wkr", REPO, {"WEBUI_WORKERS": n, "WEBUI_REDIS_URL": args.redis_url,
                                              "WEBUI_REDIS_PREFIX": f"bench-{os.getpid()}:",
                                              "WEBUI_DATABASE_URL": database_url})
                          for n in args.workers.split(",")]
            else:
                repos.append(("this", REPO, {}))
            for label, repo, extra in repos:
                proc, port, pid = start_server(repo, tmp, **extra)
                servers.append((label, proc, port, pid))
                print(f"{label}: {repo}, worker idle RSS {memory_mb(pid):.1f} MiB" if pid else f"{label}: no worker")
                run_streams(port, token, 20, pid)  # warm-up
            print("N      server    done  first-delta p50/p95 (s)  total (s)  RSS peak (MiB)  "
                  "/api/status p50/p95 (ms, n)  /healthz p50/p95 (ms)  worker CPU ms/stream  clients' CPU ms/stream")
            for n in (int(x) for x in args.sizes.split(",")):
                for label, _, port, pid in servers:
                    print(line(label, run_streams(port, token, n, pid)), flush=True)
                    gevent.sleep(1)
            for label, _, port, _pid in servers[-1:]:
                s = run_slowloris(port, args.slowloris, args.slowloris_seconds)
                print(f"slowloris ({label}): {s['sockets']} sockets for {args.slowloris_seconds:g} s, "
                      f"{s['closed_by_server']} closed by the server (WEBUI_HEADER_TIMEOUT); /healthz p50 "
                      f"{s['healthz_p50'] * 1000:.1f} ms, p95 {s['healthz_p95'] * 1000:.1f} ms, max "
                      f"{s['healthz_max'] * 1000:.1f} ms (n={s['n']}, {s['errors']} errors); "
                      f"load {os.getloadavg()[0]:.2f}")
        finally:
            for _, proc, _, _ in servers:
                stop(proc)
            if fake is not None:
                stop(fake)


if __name__ == "__main__":
    main()
