"""CPU time of the metric work one non-streamed gateway request does (issue 23), as in a gunicorn worker:
prometheus_client in multiprocess mode (per-process mmap files). Run by gateway_overhead.py in a subprocess,
since the mode is chosen when prometheus_client is imported. Prints one JSON line."""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")

from webui.core.observe import context, metrics  # noqa: E402


def one_request():
    """What a /v1 request adds: the attempt's counters and histogram, the overhead histogram, the ledger gauge."""
    scope = context.begin(None)
    metrics.record_call("v1", "bench", "open_ai", "ok", 0.0012, 11, 7, 0.0000975, None)
    scope.add_upstream("v1", 0.0012)
    metrics.ledger_queue(1)
    metrics.gateway_overhead("v1", 0.0009)


def per_call_us(count):
    for _ in range(500):
        one_request()  # label children bound, files mapped
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(count):
            one_request()
        runs.append((time.process_time() - started) / count * 1e6)
    return sorted(runs)[len(runs) // 2]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    on = per_call_us(count)
    metrics.set_recording(False)
    off = per_call_us(count)
    print(json.dumps({"on_us": on, "off_us": off, "count": count}))
