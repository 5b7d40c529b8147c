"""CPU per request and saturation, one worker against two: the CPU time (user + system, from /proc) of ALL the
server's processes (gunicorn master and every worker) over N sequential non-streamed POST /v1/chat/completions
calls, divided by N, with the bare GET /healthz beside it as the floor any request pays; then each server's
saturation (closed loops from bench/_loadgen.py at rising concurrency, its own process). Three servers side by
side in one run: embedded (files, 1 worker), PostgreSQL + Redis with WEBUI_WORKERS=1 and with 2. CPU time, unlike
latency, barely moves with the machine's load; saturation does, so it prints the load average beside it.

`--profile DIR` also records the embedded worker with py-spy (if installed) into DIR/*.txt (collapsed stacks)."""

import argparse
import contextlib
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gateway_load import load, start_fake  # noqa: E402
from _util import (REPO, bench_env, children, cpu_seconds, cpu_split, free_port, fresh_database, machine,  # noqa: E402
                   percentile, stop, wait_port)

from webui.core.access.auth import AuthStore  # noqa: E402
from webui.core.config import profile_ops  # noqa: E402
from webui.core.config.service import ConfigService  # noqa: E402
from webui.core.storage import backend  # noqa: E402

KEY = "sk-bench-cpu-0000-0000"
BODY = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "Hello"}]})


def serve(tmp, store_env, fake_port, **extra):
    """Config + token in the store, then `python -m webui serve`; (process, port, token)."""
    env = bench_env(tmp, **store_env)
    svc = ConfigService(tmp, environ=env)
    profile_ops.create_profile(svc, {"id": "bench", "name": "Bench", "provider": "open_ai", "model": "gpt-4o-mini",
                                     "base_url": f"http://127.0.0.1:{fake_port}/v1", "api_key": KEY,
                                     "set_active": True}, restart=False)
    _, token = AuthStore(tmp, document=backend.auth_document(env)).create_token("bench")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "webui", "serve"], cwd=REPO, start_new_session=True,
                            env=bench_env(tmp, WEBUI_PORT=port, WEBUI_HOST="127.0.0.1", **store_env, **extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port, 30):
        stop(proc)
        raise SystemExit("the server did not start")
    time.sleep(1.0)
    return proc, port, token


def calls(port, token, method, path, body, n):
    """n calls on one keep-alive connection; latencies (s). Every answer must be a 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    out = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        response.read()
        out.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    conn.close()
    return out


def measure(name, proc, port, token, n):
    """CPU ms per call of every server process, for /v1/chat/completions and /healthz."""
    pids = [proc.pid] + children(proc.pid)
    calls(port, token, "POST", "/v1/chat/completions", BODY, 200)  # warm-up: pools, caches, imports
    calls(port, token, "GET", "/healthz", None, 200)
    row = {"name": name, "processes": len(pids)}
    for label, method, path, body in (("chat", "POST", "/v1/chat/completions", BODY),
                                      ("healthz", "GET", "/healthz", None)):
        user, system = cpu_split(pids)
        lat = calls(port, token, method, path, body, n)
        user_after, system_after = cpu_split(pids)
        row[label] = (user_after - user + system_after - system) * 1000 / n
        row[label + "_sys"] = (system_after - system) * 1000 / n
        row[label + "_p50"] = percentile(lat, 50) * 1000
    return row


def saturation(port, token, seconds, server_pids, fake_pid):
    """Best requests/s of closed loops at 8, 16, 32, 64 connections (stops when two steps gain < 5 %), and the CPU
    per request of the server, the fake provider and the load generator over the whole climb: on 2 cores these
    three share the machine, so 2 / their sum is the most any server could reach here."""
    best, flat, steps, served = 0.0, 0, [], 0
    cpu = {"server": cpu_seconds(server_pids), "fake": cpu_seconds(fake_pid), "loadgen": _children_cpu()}
    started = time.perf_counter()
    for connections in (8, 16, 32, 64):
        rps, lat, errors = load(port, "/v1/chat/completions", {"Authorization": f"Bearer {token}"}, "closed",
                                connections, seconds)
        served += len(lat)
        steps.append(f"{connections}: {rps:.0f}" + (f" ({errors} errors)" if errors else ""))
        flat = flat + 1 if rps < best * 1.05 else 0
        best = max(best, rps)
        if flat >= 2:
            break
    now = {"server": cpu_seconds(server_pids), "fake": cpu_seconds(fake_pid), "loadgen": _children_cpu()}
    per_request = {k: (now[k] - cpu[k]) * 1000 / max(served, 1) for k in cpu}
    busy = sum(now[k] - cpu[k] for k in cpu) / (time.perf_counter() - started)
    return best, ", ".join(steps), per_request, busy


def _children_cpu():
    """CPU seconds of this process's finished children (the load generator runs as one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(proc, port, token, out_dir, n):
    """py-spy on the worker while n calls run; the collapsed stacks file."""
    spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(spy):
        print("py-spy is not installed (pip install py-spy): no profile")
        return None
    worker = children(proc.pid)[0]
    path = os.path.join(out_dir, "worker.txt")
    rec = subprocess.Popen([spy, "record", "-p", str(worker), "-f", "raw", "-o", path, "-r", "500", "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    calls(port, token, "POST", "/v1/chat/completions", BODY, n)
    rec.send_signal(2)
    rec.wait(timeout=60)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--database-url", default="postgresql://127.0.0.1/postgres",
                        help="a PostgreSQL server; the run makes a database per server there and drops it")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--embedded-only", action="store_true")
    parser.add_argument("--load-seconds", type=float, default=4.0, help="seconds per saturation step (0: none)")
    parser.add_argument("--profile", help="a folder: record the embedded worker with py-spy there")
    args = parser.parse_args()
    print(machine())
    servers = [("embedded, 1 worker", None)] + ([] if args.embedded_only else [
        (f"PostgreSQL + Redis, {n} worker{'s' * (n > 1)}", n) for n in (1, 2)])
    rows, fake = [], None
    try:
        fake, fake_port = start_fake()
        for name, workers in servers:
            with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp, contextlib.ExitStack() as stack:
                store, extra = {}, {}
                if workers:
                    store = {"WEBUI_DATABASE_URL": stack.enter_context(fresh_database(args.database_url))}
                    extra = {"WEBUI_WORKERS": workers, "WEBUI_REDIS_URL": args.redis_url,
                             "WEBUI_REDIS_PREFIX": f"bench-{os.getpid()}-{workers}:"}
                proc, port, token = serve(tmp, store, fake_port, **extra)
                try:
                    row = measure(name, proc, port, token, args.calls)
                    if args.load_seconds > 0:
                        pids = [proc.pid] + children(proc.pid)
                        row["saturation"], row["steps"], row["cpu"], row["busy"] = saturation(
                            port, token, args.load_seconds, pids, fake.pid)
                        row["load"] = os.getloadavg()[0]
                    rows.append(row)
                    if args.profile and not workers:
                        os.makedirs(args.profile, exist_ok=True)
                        print("profile:", profile(proc, port, token, args.profile, args.calls))
                finally:
                    stop(proc)
    finally:
        if fake is not None:
            stop(fake)
    print(f"\n{args.calls} sequential calls each, one keep-alive connection; CPU of every server process "
          f"(ms per call; clock tick {1000 / os.sysconf('SC_CLK_TCK') / args.calls:.4f} ms per call)")
    print("server                          processes  /v1/chat/completions CPU (of it kernel)  (p50 wall)  "
          "/healthz CPU (of it kernel)  (p50 wall)")
    for r in rows:
        print(f"{r['name']:32s}{r['processes']:>9d}  {r['chat']:>10.3f} ms ({r['chat_sys']:.3f} ms)  "
              f"({r['chat_p50']:.2f} ms)  {r['healthz']:>9.3f} ms ({r['healthz_sys']:.3f} ms)  ({r['healthz_p50']:.2f} ms)")
    if args.load_seconds > 0:
        print("\nsaturation, non-streamed /v1/chat/completions (closed loops, best req/s; steps: connections: req/s)")
        for r in rows:
            c = r["cpu"]
            print(f"{r['name']:32s} {r['saturation']:7.0f} req/s  ({r['steps']}; load {r['load']:.2f})\n"
                  f"{'':33s}CPU ms per request: server {c['server']:.2f}, fake provider {c['fake']:.2f}, load "
                  f"generator {c['loadgen']:.2f}: {r['busy']:.2f} of the {os.cpu_count()} cores busy; 2 cores allow "
                  f"at most {2000 / sum(c.values()):.0f} req/s here")
        if len(rows) == 3:
            ratio = rows[2]["saturation"] / max(rows[1]["saturation"], 1e-9)
            print(f"target saturation with 2 workers >= 1.7x one worker: {ratio:.2f}x -> "
                  f"{'MET' if ratio >= 1.7 else 'MISSED'}")
    for r in rows:
        print(f"target CPU per /v1/chat/completions call <= 0.8 ms ({r['name']}): {r['chat']:.3f} -> "
              f"{'MET' if r['chat'] <= 0.8 else 'MISSED'}")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
