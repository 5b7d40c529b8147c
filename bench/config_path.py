"""Config path: profile save (validate + encrypt + atomic write + fsync) and the API & Models page at N profiles."""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import BENCH_PASSWORD, bench_env, machine, pct, percentile  # noqa: E402

from webui.core.config import profile_ops

from webui.core.config import profiles
from webui.core.config.service import ConfigService  # noqa: E402

SIZES = (10, 100, 500)
PROVIDERS = ("open_ai", "anthropic", "open_router", "ollama")


def populate(svc, n):
    """n valid profiles of mixed providers plus their credentials, written in one save (setup, not timed)."""

    def change(settings):
        for cred in ("open_ai", "anthropic", "open_router"):
            settings.setdefault("provider_credentials", {})[cred] = {"api_key": svc.vault.encrypt(f"sk-bench-{cred}-0000")}
        settings["provider_credentials"]["ollama"] = {"url": "http://127.0.0.1:11434", "models": ["qwen2"]}
        items = profiles.profiles_of(settings)
        for i in range(n):
            provider = PROVIDERS[i % len(PROVIDERS)]
            profile, _, errors = profiles.normalize({"name": f"Profile {i:04d}", "provider": provider, "model": f"model-{i}"})
            assert not errors, errors
            profile["id"] = f"p{i:04d}"
            items.append(profile)
        settings["active_llm_profile"] = "p0000"
        settings["multi_provider_enabled"] = True

    svc.mutate(change, restart=False)


def bench_save(svc, n, count, budget):
    """Time update_profile on a non-active profile, with a new API key each time (so encryption is in the path)."""
    target = f"p{(n // 2) - (n // 2) % len(PROVIDERS):04d}"  # an open_ai profile in the middle of the list
    times = []
    deadline = time.monotonic() + budget
    for i in range(count):
        if time.monotonic() > deadline:
            break
        payload = {"temperature": round(0.1 + (i % 10) / 10, 2), "api_key": f"sk-bench-open_ai-{i:06d}"}
        started = time.perf_counter()
        profile_ops.update_profile(svc, target, payload, restart=False)
        times.append(time.perf_counter() - started)
    return times


def bench_write_floor(config_dir, count, budget):
    """Time the bare I/O of a save: atomic_write_bytes (temp file, write, fsync, rename, fsync dir) of the same bytes."""
    from webui.core.storage.fileio import atomic_write_bytes

    path = os.path.join(config_dir, "config.json")
    with open(path, "rb") as handle:
        raw = handle.read()
    target = os.path.join(config_dir, "floor.json")
    times = []
    deadline = time.monotonic() + budget
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        atomic_write_bytes(target, raw, 0o600)
        times.append(time.perf_counter() - started)
    os.unlink(target)
    return times


def bench_render(config_dir, count, budget):
    """Time GET / (API & Models) with a logged-in test client."""
    from webui import create_app

    env = bench_env(config_dir)
    app = create_app({"TESTING": True, "CONFIG_DIR": str(config_dir), "ENVIRON": env})
    client = app.test_client()
    login = client.post("/login", data={"username": "admin", "password": BENCH_PASSWORD})
    assert login.status_code in (200, 302, 303), login.status_code
    first = client.get("/")
    assert first.status_code == 200, first.status_code
    times = []
    deadline = time.monotonic() + budget
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def main():
    """Run every size, print percentiles and how p50 grows with N."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=100, help="saves per size")
    parser.add_argument("--renders", type=int, default=100, help="renders per size")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per measurement at most")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(machine())
    print(f"config folder on: {tempfile.gettempdir()} (fsync cost depends on this filesystem)")
    p50 = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-config-") as tmp:
            svc = ConfigService(tmp, environ=bench_env(tmp))
            populate(svc, n)
            saves = bench_save(svc, n, args.saves, args.budget)
            size_kb = os.path.getsize(os.path.join(tmp, "config.json")) / 1024
            print(f"N={n:4d} config.json {size_kb:7.1f} KiB")
            print(f"  save   ms  {pct(saves)}")
            print(f"  (I/O floor: atomic write + fsync of the same bytes, ms  {pct(bench_write_floor(tmp, args.saves, args.budget))})")
            renders = bench_render(tmp, args.renders, args.budget)
            print(f"  render ms  {pct(renders)}")
            p50[n] = (percentile(saves, 50), renders and percentile(renders, 50))
    base = sizes[0]
    print(f"\ngrowth of p50 relative to N={base}:")
    for n in sizes:
        save_ratio = p50[n][0] / p50[base][0]
        render_ratio = f"{p50[n][1] / p50[base][1]:5.2f}x" if p50[n][1] and p50[base][1] else "  n/a"
        print(f"  N={n:4d}  save {save_ratio:5.2f}x   render {render_ratio}")
    top = sizes[-1]
    save_ms = p50[top][0] * 1000
    print(f"\ntarget save p50 <= 10 ms at N={top}: {save_ms:.2f} ms -> {'MET' if save_ms <= 10 else 'MISSED'}")
    if p50[top][1]:
        render_ms = p50[top][1] * 1000
        print(f"target render p50 <= 50 ms at N={top}: {render_ms:.2f} ms -> {'MET' if render_ms <= 50 else 'MISSED'}")
    else:
        print("target render: not measured (pages missing)")


if __name__ == "__main__":
    main()
