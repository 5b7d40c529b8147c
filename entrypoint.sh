#!/usr/bin/env bash
# Container entrypoint: seed config.json on first run, then supervisord in the foreground (desktop app + web UI).
# Every default below can be overridden from the environment; supervisord.conf reads them as %(ENV_X)s.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export TRIPLO_CONFIG_DIR="${TRIPLO_CONFIG_DIR:-${HOME:-/root}/.config/Triplo AI}"
export WEBUI_HOST="${WEBUI_HOST:-127.0.0.1}"
export WEBUI_PORT="${WEBUI_PORT:-8080}"
export WEBUI_DIR="${WEBUI_DIR:-$here}"
export WEBUI_GUNICORN="${WEBUI_GUNICORN:-gunicorn}"
export WEBUI_LOGFILE="${WEBUI_LOGFILE:-/dev/stdout}"

export SUPERVISOR_CONF="${SUPERVISOR_CONF:-$here/supervisord.conf}"
export SUPERVISOR_SOCKET="${SUPERVISOR_SOCKET:-/var/run/supervisor.sock}"
export SUPERVISOR_LOG_DIR="${SUPERVISOR_LOG_DIR:-/var/log/supervisor}"
export SUPERVISOR_PIDFILE="${SUPERVISOR_PIDFILE:-/var/run/supervisord.pid}"
# the web UI restarts the desktop app through this socket (SPEC §4)
export SUPERVISOR_SERVER_URL="${SUPERVISOR_SERVER_URL:-unix://$SUPERVISOR_SOCKET}"
export TRIPLO_PROGRAM="${TRIPLO_PROGRAM:-triplo}"

export DISPLAY="${DISPLAY:-:99}"
export XVFB_COMMAND="${XVFB_COMMAND:-Xvfb $DISPLAY -screen 0 ${XVFB_SCREEN:-1920x1080x24} -nolisten tcp}"
export TRIPLO_COMMAND="${TRIPLO_COMMAND:-/opt/triplo/triplo.ai --no-sandbox --disable-gpu}"

# An image built with INSTALL_TRIPLO=false has no desktop app (nor Xvfb): say so, and run the web UI alone.
installed() { command -v "${1%% *}" >/dev/null 2>&1; }
if [[ -z "${TRIPLO_AUTOSTART:-}" ]]; then
    if installed "$TRIPLO_COMMAND"; then TRIPLO_AUTOSTART=true; else
        echo "entrypoint: desktop app not found (${TRIPLO_COMMAND%% *}); not starting it" >&2
        TRIPLO_AUTOSTART=false
    fi
fi
if [[ -z "${XVFB_AUTOSTART:-}" ]]; then
    if [[ "$TRIPLO_AUTOSTART" == true ]] && installed "$XVFB_COMMAND"; then XVFB_AUTOSTART=true; else XVFB_AUTOSTART=false; fi
fi
export TRIPLO_AUTOSTART XVFB_AUTOSTART

mkdir -p "$TRIPLO_CONFIG_DIR" "$SUPERVISOR_LOG_DIR" "$(dirname "$SUPERVISOR_SOCKET")" "$(dirname "$SUPERVISOR_PIDFILE")"
chmod 700 "$TRIPLO_CONFIG_DIR"

# First run only (it skips when config.json exists); a bad seed value stops the container with its message.
"${INIT_CONFIG:-$here/init-config.sh}"

exec "${SUPERVISORD:-supervisord}" -n -c "$SUPERVISOR_CONF"
