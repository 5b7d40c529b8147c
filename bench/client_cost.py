"""What one outbound provider call costs per HTTP client: our transport (transport.send on urllib3, with retries,
error mapping and redaction), requests, bare urllib3, http.client."""

import argparse
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import machine, pct, percentile  # noqa: E402

import requests  # noqa: E402
import urllib3  # noqa: E402

from tests.fakes import FakeProvider  # noqa: E402

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
HEADERS = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}


def main():
    """Interleave the clients against one zero-latency fake; print p50/p95/p99 per client."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    print(machine())
    with FakeProvider("open_ai") as fake:
        url = fake.base_url + "/chat/completions"
        port = int(fake.url.rsplit(":", 1)[1])
        path = url.split(str(port), 1)[1]
        plain, no_env = requests.Session(), requests.Session()
        no_env.trust_env = False  # no per-call scan of os.environ for proxies and .netrc
        pool = urllib3.PoolManager()
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def raw():
            conn.request("POST", path, json.dumps(BODY), HEADERS)
            return conn.getresponse().read()

        from webui.providers import transport

        ours = transport.SessionPool()

        def our_transport():
            return transport.send(ours.get(), "POST", url, label="bench", headers=HEADERS, json_body=BODY).content

        clients = {
            "our transport": our_transport,
            "requests": lambda: plain.post(url, json=BODY, headers=HEADERS, timeout=(5, 60)).content,
            "requests, trust_env off": lambda: no_env.post(url, json=BODY, headers=HEADERS, timeout=(5, 60)).content,
            "urllib3": lambda: pool.request("POST", url, body=json.dumps(BODY), headers=HEADERS,
                                            timeout=urllib3.Timeout(connect=5, read=60)).data,
            "http.client": raw,
        }
        times = {name: [] for name in clients}
        for i in range(args.calls + 50):
            for name, call in clients.items():
                started = time.perf_counter()
                call()
                if i >= 50:  # warm-up: connections made, code paths hot
                    times[name].append(time.perf_counter() - started)
    print("one POST to the fake, ms:")
    for name, values in times.items():
        print(f"  {name:24s} {pct(values)}")
    base = percentile(times["urllib3"], 50)
    print("p50 over urllib3, ms: " + ", ".join(f"{n} {(percentile(v, 50) - base) * 1000:+.2f}" for n, v in times.items()))


if __name__ == "__main__":
    main()
