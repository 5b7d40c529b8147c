#!/usr/bin/env bash
# First-run seeding of config.json from the environment (SPEC §7). All the logic, and all JSON escaping,
# lives in `python -m webui seed`; pass --force to rebuild (the old file is backed up first).
set -euo pipefail
exec "${WEBUI_PYTHON:-python3}" -m webui seed "$@"
