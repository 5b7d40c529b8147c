"""Prometheus metrics of the gateway; label values are profile ids, provider ids and fixed words only.

Under gunicorn the config sets PROMETHEUS_MULTIPROC_DIR before the workers start, so every metric here is
kept in a per-process file and a scrape of any worker adds them all up (prometheus_client's multiprocess mode).
"""

import threading

from prometheus_client import Counter, Gauge, Histogram

from webui.catalog import PROVIDERS

MAX_PROFILES = 500  # distinct profile label values per process; beyond, "other" (profiles are admin-made, but bound it)
OTHER = "other"
LATENCY = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)
FIRST_TOKEN = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
OVERHEAD = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)

REQUESTS = Counter("webui_gateway_requests", "Provider calls by face, profile, provider and outcome "
                   "(ok, fallback: answered for another profile, error, client_closed)",
                   ("face", "profile", "provider", "outcome"))
UPSTREAM = Histogram("webui_upstream_latency_seconds", "Time of one provider attempt, start to last byte",
                     ("profile", "provider"), buckets=LATENCY)
FIRST = Histogram("webui_time_to_first_token_seconds", "Streamed attempts: start to the first delta",
                  ("profile", "provider"), buckets=FIRST_TOKEN)
GATEWAY_OVERHEAD = Histogram("webui_gateway_overhead_seconds", "Non-streamed gateway requests: time spent outside "
                             "the upstream wait", ("face",), buckets=OVERHEAD)
TOKENS = Counter("webui_tokens", "Tokens reported by providers, by profile and type (input, output)",
                 ("profile", "type"))
COST = Counter("webui_cost_usd", "Cost of answered calls in USD, by profile (calls without a known price add 0)",
               ("profile",))
FALLBACKS = Counter("webui_fallbacks", "Answers given by a fallback profile", ("from_profile", "to_profile"))
STREAMS = Gauge("webui_streams_in_flight", "Streamed replies being served", multiprocess_mode="livesum")
REJECTED = Counter("webui_capacity_rejections", "Requests refused with 503 by a cap", ("cap",))
LEDGER_QUEUE = Gauge("webui_ledger_queue_depth", "Usage rows queued in memory, not yet written",
                     multiprocess_mode="livesum")


class ProfileSeries:
    """The label children of one (profile, provider), bound once: a call touches no label dictionary."""

    __slots__ = ("profile", "provider", "upstream", "first", "tokens_in", "tokens_out", "cost", "_requests")

    def __init__(self, profile, provider):
        self.profile, self.provider = profile, provider
        self.upstream = UPSTREAM.labels(profile, provider)
        self.first = FIRST.labels(profile, provider)
        self.tokens_in, self.tokens_out = TOKENS.labels(profile, "input"), TOKENS.labels(profile, "output")
        self.cost = COST.labels(profile)
        self._requests = {}

    def requests(self, face, outcome):
        """The request counter child for (face, outcome)."""
        child = self._requests.get((face, outcome))
        if child is None:
            child = self._requests[(face, outcome)] = REQUESTS.labels(face, self.profile, self.provider, outcome)
        return child


_on = {"recording": True}  # WEBUI_METRICS=0 turns recording off (bench/gateway_overhead.py measures both)
_series = {}
_labels = {}
_lock = threading.Lock()
_overhead = {}


def set_recording(on):
    """Record metrics (the default) or not: the app factory calls it with Settings.metrics."""
    _on["recording"] = bool(on)


def profile_label(profile_id):
    """A profile id as a label value: the id itself for the first MAX_PROFILES ids seen, then "other"."""
    label = _labels.get(profile_id)
    if label is None:
        with _lock:
            label = _labels.get(profile_id)
            if label is None:
                if not (isinstance(profile_id, str) and profile_id and len(_labels) < MAX_PROFILES):
                    return OTHER
                label = _labels[profile_id] = profile_id[:128]
    return label


def series(profile_id, provider):
    """The ProfileSeries of a profile id and provider id (unknown providers and ids past the bound: "other")."""
    key = (profile_id, provider)
    found = _series.get(key)
    if found is None:
        made = ProfileSeries(profile_label(profile_id), provider if provider in PROVIDERS else OTHER)
        with _lock:
            found = _series.setdefault(key, made)
    return found


def record_call(face, profile_id, provider, outcome, seconds, prompt_tokens, completion_tokens, cost, fallback_from):
    """One provider attempt ended (answered or failed): counts, latency, tokens, cost, fallbacks."""
    if not _on["recording"]:
        return
    s = series(profile_id, provider)
    s.requests(face, outcome).inc()
    if seconds is not None:
        s.upstream.observe(seconds)
    if prompt_tokens:
        s.tokens_in.inc(prompt_tokens)
    if completion_tokens:
        s.tokens_out.inc(completion_tokens)
    if cost:
        s.cost.inc(cost)
    if fallback_from:
        FALLBACKS.labels(profile_label(fallback_from), s.profile).inc()


def first_token(profile_id, provider, seconds):
    """A streamed attempt sent its first delta after `seconds`."""
    if _on["recording"]:
        series(profile_id, provider).first.observe(seconds)


def gateway_overhead(face, seconds):
    """A non-streamed gateway request spent `seconds` outside its provider attempts."""
    if not _on["recording"]:
        return
    child = _overhead.get(face)
    if child is None:
        child = _overhead[face] = GATEWAY_OVERHEAD.labels(face)
    child.observe(max(seconds, 0.0))


def stream_opened():
    STREAMS.inc()


def stream_closed():
    STREAMS.dec()


def rejected(cap):
    """A cap (streams, ...) refused a request with 503."""
    REJECTED.labels(cap).inc()


def ledger_queue(depth):
    """This process's usage rows not yet written."""
    LEDGER_QUEUE.set(depth)
