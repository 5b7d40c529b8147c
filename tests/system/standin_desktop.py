"""A stand-in for the Triplo desktop app: reads config.json once at start, records what it loaded, then sleeps."""

import json
import os
import signal
import sys
import time

KEY_FIELDS = {"open_ai": "openai_key", "open_router": "openrouter_key", "anthropic": "anthropic_key"}


def loaded():
    """What the desktop app would run with: provider, model and a key hint (last 4 characters only)."""
    path = os.path.join(os.environ.get("TRIPLO_CONFIG_DIR", "."), "config.json")
    try:
        with open(path, encoding="utf-8") as handle:
            settings = json.load(handle).get("settings", {})
    except (OSError, ValueError) as exc:
        return {"error": f"{exc.__class__.__name__}: cannot read {path}"}
    source = settings.get("ai_source")
    if source == "ollama":
        model, key = settings.get("ollama_models"), None
    else:
        model, key = settings.get("openai_model"), settings.get(KEY_FIELDS.get(source, ""))
    return {"ai_source": source, "model": model, "ollama_url": settings.get("ollama_url") if source == "ollama" else None,
            "key_hint": key[-4:] if key else None}


def main():
    record = dict(loaded(), pid=os.getpid(), started=time.time())
    target = os.environ.get("STANDIN_RECORD")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    print(f"stand-in desktop app running: pid {record['pid']}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # supervisord stops it with SIGTERM
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
