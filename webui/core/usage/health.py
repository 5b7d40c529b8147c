"""Provider health from the ledger: per profile over a window, calls, error rate and latency p50/p95."""

from datetime import timedelta

from webui.core.usage.ledger import stamp

WINDOW = timedelta(hours=24)
NOT_PROVIDER_ERRORS = ("client_closed",)  # the caller left: says nothing about the provider


def percentile(sorted_values, share):
    """The nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 100))  # ceil(n * p / 100), at least the first
    return sorted_values[int(rank) - 1]


def provider_health(ledger, now=None, window=WINDOW):
    """[{profile_id, provider, requests, errors, error_rate, p50_ms, p95_ms}] for calls in (now - window, now],
    busiest first. Latency percentiles are over answered calls; error rate over every call but client_closed."""
    now = now or ledger.clock()
    groups = {}
    for profile_id, provider, outcome, error, latency in ledger.calls_since(stamp(now - window)):
        if outcome == "error" and error in NOT_PROVIDER_ERRORS:
            continue
        group = groups.setdefault(profile_id, {"provider": provider, "requests": 0, "errors": 0, "latencies": []})
        group["requests"] += 1
        if outcome == "error":
            group["errors"] += 1
        elif latency is not None:
            group["latencies"].append(latency)
    rows = []
    for profile_id, g in groups.items():
        latencies = sorted(g["latencies"])
        rows.append({"profile_id": profile_id, "provider": g["provider"], "requests": g["requests"],
                     "errors": g["errors"], "error_rate": g["errors"] / g["requests"],
                     "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)})
    rows.sort(key=lambda r: (-r["requests"], str(r["profile_id"])))
    return rows
