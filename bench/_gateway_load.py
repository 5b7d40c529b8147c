"""The load phase of gateway_overhead.py: non-streamed /v1/chat/completions at rising load, our server and the
LiteLLM proxy side by side, both in front of the same zero-latency fake (bench/_fake_stream.py, own process), the
load from bench/_loadgen.py (own process). Everything on 127.0.0.1, bounded in time."""

import json
import os
import subprocess
import sys
import textwrap
import time

from _util import REPO, free_port, percentile, stop, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
LITELLM_VENV = os.path.join(HERE, ".litellm-venv")
LITELLM = os.path.join(LITELLM_VENV, "bin", "litellm")
BODY = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "Hello"}]})
CONCURRENCY = (1, 2, 4, 8, 16, 32, 64)
MASTER_KEY = "sk-bench-litellm-master-" + os.urandom(16).hex()  # LiteLLM checks it per request, as we check ours


def start_fake():
    """The zero-latency fake in its own process; (process, port)."""
    port = free_port()
    fake = subprocess.Popen([sys.executable, os.path.join(HERE, "_fake_stream.py"), str(port)],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    if fake.stdout.readline().strip() != "ready":
        raise SystemExit("the fake provider did not start")
    return fake, port


def ensure_litellm():
    """The LiteLLM proxy's command, installing it into bench/.litellm-venv on first use; None (with a printed line)
    when it cannot be had."""
    if os.path.exists(LITELLM):
        return LITELLM
    print("LiteLLM: installing 'litellm[proxy]' into bench/.litellm-venv (first run only) …", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", LITELLM_VENV], check=True, timeout=120)
        subprocess.run([os.path.join(LITELLM_VENV, "bin", "pip"), "install", "-q", "litellm[proxy]"], check=True,
                       timeout=900, stdout=subprocess.DEVNULL)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"LiteLLM: SKIPPED, it could not be installed ({type(exc).__name__}: {exc})")
        return None
    return LITELLM if os.path.exists(LITELLM) else None


def start_litellm(tmp, fake_port):
    """`litellm --config` (uvicorn, one worker, a master key: it authenticates each request as we do) pointed at the
    fake; (process, port) or None."""
    command = ensure_litellm()
    if command is None:
        return None
    config = os.path.join(tmp, "litellm.yaml")
    with open(config, "w") as handle:
        handle.write(textwrap.dedent(f"""\
            model_list:
              - model_name: bench
                litellm_params:
                  model: openai/fake-model
                  api_base: http://127.0.0.1:{fake_port}/v1
                  api_key: sk-bench-litellm-0000
            litellm_settings:
              telemetry: false
              turn_off_message_logging: true
            general_settings:
              master_key: {MASTER_KEY}
            """))
    port = free_port()
    # Nothing may leave the machine: the cost map is the bundled copy, and any other outbound call meets a
    # closed loopback "proxy" (loopback itself is exempt).
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_TELEMETRY="False",
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
               LITELLM_LOG="ERROR")
    proc = subprocess.Popen([command, "--config", config, "--host", "127.0.0.1", "--port", str(port)], cwd=tmp,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port, 120):
        stop(proc)
        print("LiteLLM: SKIPPED, the proxy did not start within 120 s")
        return None
    return proc, port


def load(port, path, headers, mode, amount, seconds):
    """One load step in its own process; (requests/s, sorted latencies in s, errors)."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "_loadgen.py"), str(port), path, BODY,
                          json.dumps(headers), mode, str(amount), str(seconds)],
                         capture_output=True, text=True, timeout=seconds + 60, cwd=REPO)
    data = json.loads(out.stdout)
    return data["n"] / data["seconds"], sorted(data["lat"]), data["errors"]


def saturation(target, seconds, log):
    """Closed loops at rising concurrency; (best requests/s, {concurrency: requests/s})."""
    name, port, path, headers = target
    rates, best, flat = {}, 0.0, 0
    for c in CONCURRENCY:
        rps, lat, errors = load(port, path, headers, "closed", c, seconds)
        rates[c] = rps
        log(f"  {name:9s} closed loop, {c:3d} connections: {rps:8.0f} req/s, p50 {percentile(lat, 50) * 1000:7.2f} ms"
            f", p99 {percentile(lat, 99) * 1000:7.2f} ms, {errors} errors; load {os.getloadavg()[0]:.2f}")
        flat = flat + 1 if rps < best * 1.05 else 0
        best = max(best, rps)
        if flat >= 2:  # two steps without 5 % more: saturated
            break
    return best, rates


def run(targets, direct, seconds=3.0, low_seconds=4.0):
    """Low load (1 connection), saturation, then half of each one's saturation with the direct path at the same
    rate. Returns the figures as a dict."""
    def log(line):
        print(line, flush=True)

    figures = {}
    log("\nload phase: non-streamed POST /v1/chat/completions, zero-latency fake; load generator in its own process")
    low = {}
    for name, port, path, headers in [direct] + targets:  # low load, side by side
        _, lat, _ = load(port, path, headers, "closed", 1, low_seconds)
        low[name] = lat
    for name, *_ in targets:
        figures[name] = {"low_p50": percentile(low[name], 50) - percentile(low["direct"], 50),
                         "low_p99": percentile(low[name], 99) - percentile(low["direct"], 99)}
    log("  low load (1 connection, back to back), ms: " + ", ".join(
        f"{n} p50 {percentile(v, 50) * 1000:.3f} p99 {percentile(v, 99) * 1000:.3f}" for n, v in low.items()))
    for target in targets:
        figures[target[0]]["saturation"], figures[target[0]]["rates"] = saturation(target, seconds, log)
    for name, port, path, headers in targets:
        rate = max(1.0, figures[name]["saturation"] / 2)
        _, ours, errors = load(port, path, headers, "open", rate, seconds * 2)
        _, base, _ = load(direct[1], direct[2], direct[3], "open", rate, seconds * 2)
        figures[name].update(half_rate=rate, half_p50=percentile(ours, 50) - percentile(base, 50),
                             half_p99=percentile(ours, 99) - percentile(base, 99), half_errors=errors,
                             half_raw=(percentile(ours, 50), percentile(ours, 99)))
        log(f"  {name:9s} open loop at {rate:6.0f} req/s (half of its saturation): p50 "
            f"{percentile(ours, 50) * 1000:.3f} ms, p99 {percentile(ours, 99) * 1000:.3f} ms; direct at the same "
            f"rate p50 {percentile(base, 50) * 1000:.3f}, p99 {percentile(base, 99) * 1000:.3f}; {errors} errors; "
            f"load {os.getloadavg()[0]:.2f}")
    return figures


def report(figures):
    """The summary lines and the verdict on the three targets."""
    print("\nload phase summary (added = minus the direct path at the same load), ms:")
    for name, f in figures.items():
        print(f"  {name:9s} saturation {f['saturation']:7.0f} req/s | added at low load p50 {f['low_p50'] * 1000:6.3f}"
              f" p99 {f['low_p99'] * 1000:6.3f} | added at half saturation ({f['half_rate']:.0f} req/s) p50 "
              f"{f['half_p50'] * 1000:6.3f} p99 {f['half_p99'] * 1000:6.3f}")
    ours = figures.get("ours")
    if ours:
        p50, p99 = ours["low_p50"] * 1000, ours["half_p99"] * 1000
        print(f"target added p50 <= 1 ms at low load: {p50:.3f} -> {'MET' if p50 <= 1 else 'MISSED'}")
        print(f"target added p99 <= 5 ms at half of saturation: {p99:.3f} -> {'MET' if p99 <= 5 else 'MISSED'}")
        if "litellm" in figures:
            ratio = ours["saturation"] / max(figures["litellm"]["saturation"], 1e-9)
            print(f"target saturation >= 5x LiteLLM's: {ratio:.1f}x -> {'MET' if ratio >= 5 else 'MISSED'}")
        else:
            print("target saturation >= 5x LiteLLM's: not measured (LiteLLM skipped)")
