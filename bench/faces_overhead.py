"""Gateway faces side by side: the same prompt through /v1/chat/completions, /v1/responses (stored, and with
store: false) and /v1/embeddings to a zero-latency fake, under the production runner. Prints percentiles of the
round trip and of X-Gateway-Overhead-Ms (time in the gateway outside the upstream wait), and the ratio of each
face's overhead to the Chat Completions one."""

import argparse
import http.client
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import free_port, machine, percentile, stop  # noqa: E402
from gateway_overhead import prepare, start_server  # noqa: E402

from tests.fakes import FakeProvider  # noqa: E402
from webui.core.access.auth import AuthStore  # noqa: E402

FACES = {
    "chat completions": ("/v1/chat/completions", {"model": "bench", "messages": [{"role": "user", "content": "Hi"}]}),
    "responses": ("/v1/responses", {"model": "bench", "input": "Hi"}),
    "responses store=false": ("/v1/responses", {"model": "bench", "input": "Hi", "store": False}),
    "embeddings": ("/v1/embeddings", {"model": "bench", "input": "Hi"}),
}


def measure(port, token, path, body, rounds):
    """(round trips, overhead headers) in seconds over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = json.dumps(body).encode()
    trips, overheads = [], []
    deadline = time.monotonic() + 120
    for _ in range(rounds):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        conn.request("POST", path, data, headers)
        response = conn.getresponse()
        payload = response.read()
        trips.append(time.perf_counter() - started)
        assert response.status == 200, payload[:300]
        overheads.append(float(response.getheader("X-Gateway-Overhead-Ms")) / 1000)
    conn.close()
    return trips, overheads


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    print(machine())
    with FakeProvider("open_ai", reply="Hello there") as fake, tempfile.TemporaryDirectory() as tmp:
        prepare(tmp, fake)
        token = AuthStore(tmp).create_token("bench")[1]
        port = free_port()
        proc = start_server(tmp, port)
        try:
            results = {}
            for name, (path, body) in FACES.items():
                measure(port, token, path, body, 50)  # warm-up
                results[name] = measure(port, token, path, body, args.rounds)
        finally:
            stop(proc)
    base = percentile(results["chat completions"][1], 50) or 0.001
    print(f"{'face':24} {'round trip p50':>15} {'p95':>8} {'overhead p50':>13} {'p95':>8} {'p99':>8} "
          f"{'overhead vs chat (p50)':>23}")
    for name, (trips, overheads) in results.items():
        ms = lambda values, p: percentile(values, p) * 1000  # noqa: E731
        print(f"{name:24} {ms(trips, 50):15.2f} {ms(trips, 95):8.2f} {ms(overheads, 50):13.2f} "
              f"{ms(overheads, 95):8.2f} {ms(overheads, 99):8.2f} {percentile(overheads, 50) / base:22.2f}x")


if __name__ == "__main__":
    main()
