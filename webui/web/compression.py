"""Page weight: gzip for pages, JSON and static text (never SSE or other streams); static URLs carry a content hash
and are cached for a year (a changed file gets a new URL)."""

import gzip
import hashlib
import os

from flask import request

COMPRESSIBLE = ("text/html", "application/json", "text/css", "text/javascript", "application/javascript",
                "application/yaml", "image/svg+xml", "text/plain")
MIN_BYTES = 1024  # below this gzip's header costs more than it saves
LEVEL = 6
YEAR = 365 * 24 * 3600


def install(app):
    """Hash static URLs (?v=) and compress answers; call once in the app factory."""
    hashes = {}

    def content_hash(filename):
        path = os.path.join(app.static_folder, filename)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return None
        known = hashes.get(filename)
        if known is None or known[0] != stamp:
            with open(path, "rb") as fh:
                known = hashes[filename] = (stamp, hashlib.sha256(fh.read()).hexdigest()[:12])
        return known[1]

    @app.url_defaults
    def versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = content_hash(values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_and_compress(response):
        if request.endpoint == "static" and response.status_code == 200:
            digest = request.args.get("v")
            if digest and digest == content_hash(request.view_args.get("filename", "")):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return compress(response)


def compress(response):
    """The response gzip-encoded when the client takes it and it is worth it; streams are left alone."""
    if (response.status_code != 200 or response.is_streamed and not response.direct_passthrough
            or response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower() or request.method == "HEAD"):
        response.vary.add("Accept-Encoding")
        return response
    response.direct_passthrough = False  # a static file: read it (they are small) so it can be compressed
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
