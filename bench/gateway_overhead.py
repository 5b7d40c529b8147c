"""Gateway overhead: the same chat request straight to a zero-latency fake provider and through our APIs (the
game-master chat, the OpenAI face, the Anthropic Messages face translated to the OpenAI-format fake);
then (load phase, `bench/_gateway_load.py`) non-streamed requests at rising load up to saturation, side by side
with the LiteLLM proxy (installed on first use into bench/.litellm-venv; skipped with a line when it cannot be)."""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _gateway_load  # noqa: E402
from _util import REPO, bench_env, children, cpu_seconds, free_port, machine, pct, percentile, stop, wait_port  # noqa: E402,E501

from tests.fakes import FakeProvider  # noqa: E402
from tests.fakes import server as fake_server  # noqa: E402
from webui.core.config import profile_ops
from webui.core.access.auth import AuthStore  # noqa: E402
from webui.core.config.service import ConfigService  # noqa: E402

KEY = "sk-bench-gateway-0000-0000"
STORE_ENV = {}  # {"WEBUI_DATABASE_URL": …} with --database-url: the same runs on PostgreSQL as the store
MESSAGES = [{"role": "user", "content": "Hello"}]
SENT = []  # (perf_counter after the fake flushed a frame, frame bytes): the fake runs in this process


def _timed_write_frame(original):
    def write_frame(self, data):
        SENT.append((time.perf_counter(), data))  # stamped as the fake starts writing the delta
        original(self, data)
    return write_frame


fake_server._Handler.write_frame = _timed_write_frame(fake_server._Handler.write_frame)
fake_server._Server.handle_error = lambda self, request, address: None  # resets when the server stops are expected


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects (untimed) when the server closed it."""

    def __init__(self, port, headers):
        self.port, self.headers = port, headers
        self.conn = None

    def post(self, path, body, method="POST"):
        """(status, body bytes, seconds from sending to the last byte)."""
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.connect()
            try:
                started = time.perf_counter()
                self.conn.request(method, path, data, {**self.headers, "Content-Type": "application/json"})
                response = self.conn.getresponse()
                payload = response.read()
                took = time.perf_counter() - started
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, payload, took
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def stream(self, path, body, tokens):
        """Send a streamed request; {token: perf_counter when its bytes arrived}."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, json.dumps(body).encode(), {**self.headers, "Content-Type": "application/json"})
            response = conn.getresponse()
            assert response.status == 200, (response.status, response.read()[:300])
            seen, text, pending = {}, "", list(tokens)
            while pending:
                chunk = response.read1(65536)
                now = time.perf_counter()
                if not chunk:
                    break
                text += chunk.decode("utf-8", "replace")
                while pending and pending[0] in text:
                    seen[pending.pop(0)] = now
            response.read()
            return seen
        finally:
            conn.close()


def prepare(config_dir, fake):
    """One active OpenAI profile pointing at the fake (set up in-process before the server starts)."""
    svc = ConfigService(config_dir, environ=bench_env(config_dir, **STORE_ENV))
    profile_ops.create_profile(svc, {"id": "bench", "name": "Bench", "provider": "open_ai", "model": "gpt-4o-mini",
                                     "base_url": fake.base_url, "api_key": KEY, "set_active": True}, restart=False)


def _auth(config_dir):
    """The login store the server uses (webui-auth.json, or the PostgreSQL document)."""
    from webui.core.storage import backend

    return AuthStore(config_dir, document=backend.auth_document(bench_env(config_dir, **STORE_ENV)))


def start_server(config_dir, port, **extra):
    """`python -m webui serve`: gunicorn, one gevent worker (the production runner)."""
    env = bench_env(config_dir, WEBUI_PORT=port, WEBUI_HOST="127.0.0.1", **STORE_ENV, **extra)
    proc = subprocess.Popen([sys.executable, "-m", "webui", "serve"], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_port(port, 20):
        stop(proc)
        raise SystemExit("the server did not start:\n" + proc.stderr.read().decode(errors="replace")[-3000:])
    return proc


def setup_api(ours):
    """A role for the game-master chat API; returns a function making a fresh session id."""
    conn = http.client.HTTPConnection("127.0.0.1", ours.port, timeout=30)
    conn.request("PUT", "/api/v1/roles", json.dumps({"roles": [{"id": "gm", "name": "Game Master", "type": "gm"}]}),
                 {**ours.headers, "Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200, (response.status, response.read()[:300])
    conn.close()

    def new_session():
        status, body, _ = ours.post("/api/v1/sessions", {})
        assert status in (200, 201), (status, body[:300])
        return json.loads(body)["session_id"]

    return new_session


def run_requests(fake, ours, new_session, rounds, warmup, budget):
    """Interleaved rounds (random order each round) of direct, v1 chat and /v1/chat/completions."""
    direct = Client(int(fake.url.rsplit(":", 1)[1]), {"Authorization": f"Bearer {KEY}"})
    direct_path = fake.base_url.split(str(direct.port), 1)[1] + "/chat/completions"
    rng = random.Random(8)
    times = {"direct": [], "v1_chat": [], "openai_face": [], "messages_face": [], "our_healthz": []}
    deadline = time.monotonic() + budget
    for i in range(warmup + rounds):
        if time.monotonic() > deadline:
            print(f"  time budget reached after {i - warmup} measured rounds")
            break
        session = new_session()  # a fresh session each round, so every request carries the same one message
        calls = {
            "direct": lambda: direct.post(direct_path, {"model": "gpt-4o-mini", "messages": MESSAGES}),
            "v1_chat": lambda: ours.post(f"/api/v1/sessions/{session}/chat", {"role_id": "gm", "message": "Hello"}),
            "openai_face": lambda: ours.post("/v1/chat/completions", {"model": "bench", "messages": MESSAGES}),
            "messages_face": lambda: ours.post("/v1/messages", {"model": "bench", "max_tokens": 64,
                                                                "messages": MESSAGES}),
            # The floor: any request through gunicorn + Flask, with no provider call and no auth.
            "our_healthz": lambda: ours.post("/healthz", None, method="GET"),
        }
        order = list(calls)
        rng.shuffle(order)
        for name in order:
            status, body, took = calls[name]()
            assert status == 200, (name, status, body[:300])
            assert name == "our_healthz" or fake.reply.encode() in body, (name, body[:300])
            if i >= warmup:
                times[name].append(took)
    return times


def run_metrics_pair(fake, on, off, rounds, warmup, budget):
    """Paired rounds of /v1/chat/completions through two servers on one fake, metrics off and on (issue 23),
    in random order each round; {"on": [s], "off": [s], "direct": [s]}."""
    direct = Client(int(fake.url.rsplit(":", 1)[1]), {"Authorization": f"Bearer {KEY}"})
    direct_path = fake.base_url.split(str(direct.port), 1)[1] + "/chat/completions"
    body = {"model": "bench", "messages": MESSAGES}
    calls = {"direct": lambda: direct.post(direct_path, {"model": "gpt-4o-mini", "messages": MESSAGES}),
             "metrics_on": lambda: on.post("/v1/chat/completions", body),
             "metrics_off": lambda: off.post("/v1/chat/completions", body)}
    times = {name: [] for name in calls}
    rng, deadline = random.Random(23), time.monotonic() + budget
    for i in range(warmup + rounds):
        if time.monotonic() > deadline:
            print(f"  time budget reached after {i - warmup} measured metric rounds")
            break
        order = list(calls)
        rng.shuffle(order)
        for name in order:
            status, payload, took = calls[name]()
            assert status == 200, (name, status, payload[:300])
            if i >= warmup:
                times[name].append(took)
    return times


def metrics_phase(args):
    """Two servers (WEBUI_METRICS=0 and the default, on) in front of one fake: the added latency of metrics."""
    with tempfile.TemporaryDirectory(prefix="bench-m-") as tmp, FakeProvider("open_ai") as fake:
        servers, procs = {}, []
        try:
            for name, env in (("on", {}), ("off", {"WEBUI_METRICS": "0"})):
                folder = os.path.join(tmp, name)
                os.mkdir(folder)
                prepare(folder, fake)
                port = free_port()
                procs.append(start_server(folder, port, **env))
                _, token = AuthStore(folder).create_token("bench")
                servers[name] = Client(port, {"Authorization": f"Bearer {token}"})
            workers = {name: children(proc.pid) for name, proc in zip(("on", "off"), procs)}
            before = {name: sum(map(cpu_seconds, pids)) for name, pids in workers.items()}
            times = run_metrics_pair(fake, servers["on"], servers["off"], args.metric_rounds, args.warmup,
                                     args.budget)
            served = args.warmup + len(times["direct"])
            cpu_us = {name: (sum(map(cpu_seconds, pids)) - before[name]) * 1e6 / served
                      for name, pids in workers.items()}
        finally:
            for proc in procs:
                stop(proc)
    print("\nmetrics off vs on (/v1/chat/completions, paired by round), ms:")
    for name, values in times.items():
        print(f"  {name:12s} {pct(values)}")
    for name in ("metrics_off", "metrics_on"):
        print(f"  added {name[8:]:4s}  {pct([a - d for a, d in zip(times[name], times['direct'])])}")
    cost = json.loads(subprocess.run([sys.executable, os.path.join(REPO, "bench", "_metrics_cost.py")],
                                     capture_output=True, text=True, check=True, timeout=300).stdout)
    added_us = cost["on_us"] - cost["off_us"]
    print(f"  CPU of one request's metric work (multiprocess mode, median of 5 x {cost['count']}): "
          f"{cost['on_us']:.2f} us on, {cost['off_us']:.2f} us off -> +{added_us:.2f} us "
          f"({'MET' if added_us <= 50 else 'MISSED'}: <= 50 us)")
    print(f"  worker CPU per request (/proc, {served} requests each): {cpu_us['on']:.0f} us on, "
          f"{cpu_us['off']:.0f} us off -> {cpu_us['on'] - cpu_us['off']:+.0f} us (clock ticks: "
          f"+-{1e6 / os.sysconf('SC_CLK_TCK') / served:.0f} us)")
    diff = [a - b for a, b in zip(times["metrics_on"], times["metrics_off"])]
    print(f"  on - off     {pct(diff)}")
    grown = (percentile([a - d for a, d in zip(times["metrics_on"], times["direct"])], 50)
             - percentile([a - d for a, d in zip(times["metrics_off"], times["direct"])], 50)) * 1000
    print(f"target metrics on: added p50 grows by <= 0.05 ms: {grown:+.3f} ms -> {'MET' if grown <= 0.05 else 'MISSED'}"
          f" (p50 of the paired on - off differences: {percentile(diff, 50) * 1000:+.3f} ms)")


def run_streams(fake, ours, new_session, streams, deltas):
    """Per delta: when the fake flushed it, and when our client got it (direct, v1 chat SSE, OpenAI face SSE)."""
    tokens = [f"tok{i:03d} " for i in range(deltas)]
    fake.chunks, fake.chunk_delay = tokens, 0.005  # spaced out, so each delta is its own write everywhere
    direct = Client(int(fake.url.rsplit(":", 1)[1]), {"Authorization": f"Bearer {KEY}"})
    direct_path = fake.base_url.split(str(direct.port), 1)[1] + "/chat/completions"
    lags = {"direct": [], "v1_chat": [], "openai_face": [], "messages_face": []}
    for _ in range(streams):
        for name in lags:
            SENT.clear()
            if name == "direct":
                seen = direct.stream(direct_path, {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}, tokens)
            elif name == "v1_chat":
                seen = ours.stream(f"/api/v1/sessions/{new_session()}/chat",
                                   {"role_id": "gm", "message": "Hello", "stream": True}, tokens)
            elif name == "messages_face":  # translated to the OpenAI-format fake and framed as Anthropic events
                seen = ours.stream("/v1/messages", {"model": "bench", "max_tokens": 64, "messages": MESSAGES,
                                                    "stream": True}, tokens)
            else:
                seen = ours.stream("/v1/chat/completions", {"model": "bench", "messages": MESSAGES, "stream": True},
                                   tokens)
            sent = {}
            for stamp, frame in SENT:
                for token in tokens:
                    if token.encode() in frame and token not in sent:
                        sent[token] = stamp
            assert len(seen) == len(tokens), (name, len(seen))
            lags[name] += [seen[t] - sent[t] for t in tokens]
    fake.chunks, fake.chunk_delay = None, 0.0
    return lags


def main():
    """Start a fake and the server, measure, print percentiles of the added time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--streams", type=int, default=20, help="streamed requests per endpoint")
    parser.add_argument("--deltas", type=int, default=10, help="deltas per streamed reply")
    parser.add_argument("--budget", type=float, default=40.0, help="seconds for the request rounds at most")
    parser.add_argument("--load-seconds", type=float, default=3.0, help="seconds per load step (0: no load phase)")
    parser.add_argument("--no-litellm", action="store_true", help="load phase without the LiteLLM proxy")
    parser.add_argument("--only-load", action="store_true", help="skip the paired rounds and the streams")
    parser.add_argument("--database-url", help="an empty PostgreSQL database: the server uses it as its store")
    parser.add_argument("--metric-rounds", type=int, default=1500, help="paired rounds, metrics off vs on (0: none)")
    parser.add_argument("--only-metrics", action="store_true", help="only the metrics off vs on rounds")
    args = parser.parse_args()
    if args.database_url:
        STORE_ENV["WEBUI_DATABASE_URL"] = args.database_url
    print(machine())
    print("server: `python -m webui serve` = gunicorn, 1 gevent worker, access log on, Bearer token auth, store: "
          + ("PostgreSQL" if STORE_ENV else "files"))
    if args.metric_rounds > 0 and not args.only_load:
        metrics_phase(args)
    if args.only_metrics:
        return
    if not args.only_load:
        with tempfile.TemporaryDirectory(prefix="bench-gw-") as tmp, FakeProvider("open_ai") as fake:
            prepare(tmp, fake)
            port = free_port()
            proc = start_server(tmp, port)
            try:
                _, token = _auth(tmp).create_token("bench")
                ours = Client(port, {"Authorization": f"Bearer {token}"})
                new_session = setup_api(ours)
                times = run_requests(fake, ours, new_session, args.rounds, args.warmup, args.budget)
                lags = run_streams(fake, ours, new_session, args.streams, args.deltas)
            finally:
                stop(proc)
        report(times, lags)
    if args.load_seconds > 0:
        load_phase(args)


def load_phase(args):
    """Our server and LiteLLM in front of one zero-latency fake, at rising load."""
    procs = []
    with tempfile.TemporaryDirectory(prefix="bench-gwl-") as tmp:
        try:
            fake, fake_port = _gateway_load.start_fake()
            procs.append(fake)
            prepare(tmp, SimpleNamespace(base_url=f"http://127.0.0.1:{fake_port}/v1"))
            port = free_port()
            procs.append(start_server(tmp, port))
            _, token = _auth(tmp).create_token("bench")
            targets = [("ours", port, "/v1/chat/completions", {"Authorization": f"Bearer {token}"})]
            litellm = None if args.no_litellm else _gateway_load.start_litellm(tmp, fake_port)
            if litellm is not None:
                procs.append(litellm[0])
                targets.append(("litellm", litellm[1], "/v1/chat/completions",
                                {"Authorization": f"Bearer {_gateway_load.MASTER_KEY}"}))
            elif not args.no_litellm:
                print("LiteLLM: not measured (see the line above); continuing with our server only")
            direct = ("direct", fake_port, "/v1/chat/completions", {"Authorization": f"Bearer {KEY}"})
            _gateway_load.report(_gateway_load.run(targets, direct, args.load_seconds))
        finally:
            for proc in reversed(procs):
                stop(proc)


def report(times, lags):
    """Percentiles of the paired rounds and the stream lags, and the verdicts."""
    print("\nround trip, ms:")
    for name, values in times.items():
        print(f"  {name:12s} {pct(values)}")
    print("added over direct (paired by round), ms:")
    added = {}
    for name in ("v1_chat", "openai_face", "messages_face", "our_healthz"):
        added[name] = [ours - direct for ours, direct in zip(times[name], times["direct"])]
        print(f"  {name:12s} {pct(added[name])}")
    floor = added.pop("our_healthz")
    print("streaming: fake flushed a delta -> our client received it, ms:")
    for name, values in lags.items():
        print(f"  {name:12s} {pct(values)}")
    print(f"\n(our_healthz is the floor: a bare GET through gunicorn + Flask already adds p50 "
          f"{percentile(floor, 50) * 1000:.2f} ms over the fake's http.server)")
    for name, values in added.items():
        p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
        print(f"target {name}: added p50 <= 1 ms: {p50:.2f} -> {'MET' if p50 <= 1 else 'MISSED'}; "
              f"p95 <= 3 ms: {p95:.2f} -> {'MET' if p95 <= 3 else 'MISSED'}")
    for name in ("v1_chat", "openai_face", "messages_face"):
        p50 = percentile(lags[name], 50) * 1000
        print(f"target {name} stream delta <= 2 ms (p50): {p50:.2f} -> {'MET' if p50 <= 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
