"""One small client over either the Flask test client or real HTTP, so API tests run both ways."""

import gzip
import json
from dataclasses import dataclass

import pytest

from tests.app_fixtures import BASIC, http_session

CANARY = "sk-proj-CANARY-fake-leak-test-key-0001"  # distinctive: found verbatim if it ever leaks


@dataclass
class Reply:
    """What a test looks at: status, headers, parsed JSON (None when not JSON), raw text."""

    status: int
    headers: dict
    body: object
    text: str


class Api:
    """Authenticated JSON calls: api.get("/api/config"), api.post(path, {...}, headers=..., params=...)."""

    def __init__(self, app, base_url=None, auth_headers=BASIC):
        self.app = app
        self.base_url = base_url
        self.auth_headers = dict(auth_headers)
        self._client = app.test_client() if base_url is None else None
        self._http = http_session(base_url) if base_url else None

    @property
    def live(self):
        return self.base_url is not None

    def call(self, method, path, body=None, headers=None, params=None, data=None):
        headers = {**self.auth_headers, **(headers or {})}
        kwargs = {"json": body} if body is not None else {}
        if data is not None:
            kwargs = {"data": data}
        if self._client is not None:
            resp = self._client.open(path, method=method, headers=headers, query_string=params, **kwargs)
            raw = resp.get_data()
            if resp.headers.get("Content-Encoding") == "gzip":  # asked for (Accept-Encoding): read it as a client would
                raw = gzip.decompress(raw)
            text = raw.decode()
            return Reply(resp.status_code, dict(resp.headers), _parse(text), text)
        resp = self._http.request(method, self.base_url + path, headers=headers, params=params, timeout=20, **kwargs)
        return Reply(resp.status_code, dict(resp.headers), _parse(resp.text), resp.text)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.call("DELETE", path, body, **kw)

    def create_profile(self, **fields):
        """POST a valid profile (OpenAI unless told otherwise; a field given as ... is left out); returns its view."""
        payload = {"name": "OpenAI", "provider": "open_ai", "model": "gpt-4o", "api_key": "sk-test-0000000000000000"}
        payload.update(fields)
        payload = {k: v for k, v in payload.items() if v is not ...}
        reply = self.post("/api/llm/profiles", payload)
        assert reply.status == 201, reply.text
        return reply.body["profile"]


def _parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


@pytest.fixture(params=["client", "live"])
def http(request, app, live_server):
    """The same Api over the test client and over real HTTP on loopback."""
    if request.param == "client":
        return Api(app)
    return Api(app, live_server(app).url)


@pytest.fixture
def tc(app):
    """The Api over the Flask test client only (for cases where the transport does not matter)."""
    return Api(app)
