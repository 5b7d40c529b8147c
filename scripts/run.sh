#!/usr/bin/env bash
# Set up and run the web UI on http://127.0.0.1:8080 against the config folder ./dev-config (no container needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TRIPLO_CONFIG_DIR="${TRIPLO_CONFIG_DIR:-$PWD/dev-config}"
.venv/bin/python -m webui seed          # first run only: builds config.json from config-template.json + env
exec .venv/bin/python -m webui serve "$@"
