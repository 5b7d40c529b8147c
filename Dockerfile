# Triplo AI desktop app + its web UI, both under supervisord (PID 1 after the entrypoint's first-run seeding).
#
#   docker build -t triplo-webui .
#   docker build --build-arg INSTALL_TRIPLO=false -t triplo-webui:web-only .     # no desktop app download
#   docker run -p 8080:8080 -v triplo-config:"/root/.config/Triplo AI" -e OPENAI_API_KEY=... triplo-webui
FROM python:3.11-slim-bookworm

# The desktop app is downloaded at build time, as the original container did (the vendor's AppImage from its
# GitHub releases). A URL ending in .deb is installed with apt instead; then set TRIPLO_BINARY to its binary.
ARG INSTALL_TRIPLO=true
ARG TRIPLO_DOWNLOAD_URL=https://github.com/Elbruz-Technologies/triplo/releases/download/v5.4.0/Triplo-AI-5.4.0.AppImage
ARG TRIPLO_BINARY=/opt/triplo/triplo.ai

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Xvfb and the libraries an Electron app needs, only when the desktop app is part of the image.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    if [ "$INSTALL_TRIPLO" = "true" ]; then \
        apt-get install -y --no-install-recommends xvfb dbus-x11 xdg-utils libgtk-3-0 libnotify4 libnss3 \
            libxss1 libxtst6 libatspi2.0-0 libdrm2 libgbm1 libasound2 libsecret-1-0; \
    fi; \
    rm -rf /var/lib/apt/lists/*

RUN set -eux; \
    if [ "$INSTALL_TRIPLO" = "true" ]; then \
        case "$TRIPLO_DOWNLOAD_URL" in https://*) ;; *) echo "TRIPLO_DOWNLOAD_URL must be https://" >&2; exit 1 ;; esac; \
        cd /tmp; \
        case "$TRIPLO_DOWNLOAD_URL" in \
            *.deb) \
                curl -fsSL --retry 3 -o /tmp/triplo.deb "$TRIPLO_DOWNLOAD_URL"; \
                apt-get update; apt-get install -y --no-install-recommends /tmp/triplo.deb; \
                rm -rf /var/lib/apt/lists/* /tmp/triplo.deb ;; \
            *) \
                curl -fsSL --retry 3 -o /tmp/triplo.AppImage "$TRIPLO_DOWNLOAD_URL"; \
                chmod +x /tmp/triplo.AppImage; \
                /tmp/triplo.AppImage --appimage-extract >/dev/null; \
                mv /tmp/squashfs-root /opt/triplo; \
                rm -f /tmp/triplo.AppImage ;; \
        esac; \
        test -x "$TRIPLO_BINARY"; \
    fi

WORKDIR /app
COPY pyproject.toml README.md config-template.json ./
COPY webui ./webui
COPY templates ./templates
COPY static ./static
COPY entrypoint.sh init-config.sh supervisord.conf ./
# Editable install: the app finds templates/, static/ and config-template.json next to the package.
RUN pip install --no-cache-dir -e . "supervisor>=4.2,<5" \
    && chmod 0755 /app/entrypoint.sh /app/init-config.sh

ENV TRIPLO_CONFIG_DIR="/root/.config/Triplo AI" \
    WEBUI_HOST=0.0.0.0 \
    WEBUI_PORT=8080 \
    WEBUI_MAX_STREAMS=1000 \
    WEBUI_MAX_CONNECTIONS=2000 \
    WEBUI_DIR=/app \
    DISPLAY=:99 \
    SUPERVISOR_CONF=/app/supervisord.conf \
    SUPERVISOR_SOCKET=/var/run/supervisor.sock \
    SUPERVISOR_SERVER_URL=unix:///var/run/supervisor.sock \
    TRIPLO_PROGRAM=triplo \
    TRIPLO_COMMAND="${TRIPLO_BINARY} --no-sandbox --disable-gpu"

VOLUME ["/root/.config/Triplo AI"]
EXPOSE 8080

# /healthz is unauthenticated and touches neither disk nor providers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEBUI_PORT', '8080'), timeout=4)" || exit 1

ENTRYPOINT ["/app/entrypoint.sh"]
