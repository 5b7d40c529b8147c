"""OpenTelemetry spans exported over OTLP/HTTP to a receiver on loopback: GenAI attributes, no content by default."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.app_fixtures import BASIC, http_session
from webui.core.observe import tracing

KEY = "sk-trace-test-planted-key-0000000000"
PROMPT = "The secret password of the castle is swordfish"


class Receiver:
    """An OTLP/HTTP trace receiver on 127.0.0.1: keeps every POST /v1/traces body."""

    def __init__(self):
        self.bodies = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.bodies.append((self.path, self.headers.get("Content-Type"), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def spans(self):
        """Every exported span, decoded with the OTLP protobuf definitions."""
        out = []
        for path, kind, body in self.bodies:
            assert path == "/v1/traces" and kind == "application/x-protobuf"
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    out += list(scope.spans)
        return out


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def attrs(span):
    """A span's attributes as a plain dict."""
    out = {}
    for kv in span.attributes:
        value = kv.value
        kind = value.WhichOneof("value")
        out[kv.key] = [v.string_value for v in value.array_value.values] if kind == "array_value" else \
            getattr(value, kind)
    return out


def _traced(live_server, fake_openai, receiver, **env):
    live = live_server(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, **env)
    http = http_session(live.url, BASIC)
    r = http.post(f"{live.url}/api/llm/profiles?restart=false", json={
        "id": "traced", "name": "Traced", "provider": "open_ai", "model": "gpt-4o-mini", "temperature": 0.3,
        "base_url": fake_openai.base_url, "api_key": KEY, "fallback_profile_ids": []})
    assert r.status_code == 201, r.text
    r = http.post(f"{live.url}/v1/chat/completions", headers={"X-Request-Id": "traced-req-1"},
                  json={"model": "traced", "messages": [{"role": "user", "content": PROMPT}]})
    assert r.status_code == 200, r.text
    tracing.flush()
    return receiver.spans(), receiver.bodies


def test_spans_carry_genai_attributes_and_no_content(provider_env, fake_openai, live_server, receiver):
    spans, bodies = _traced(live_server, fake_openai, receiver)
    by_name = {s.name: s for s in spans}
    call, attempt = by_name["gateway v1"], by_name["chat gpt-4o-mini"]
    assert attempt.parent_span_id == call.span_id and attempt.trace_id == call.trace_id
    assert attempt.kind == attempt.SPAN_KIND_CLIENT
    a = attrs(attempt)
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "openai"
    assert a["gen_ai.request.model"] == "gpt-4o-mini" and a["gen_ai.request.temperature"] == 0.3
    assert a["gen_ai.usage.input_tokens"] == 11 and a["gen_ai.usage.output_tokens"] == 7
    assert a["gen_ai.response.finish_reasons"] == ["stop"] and a["webui.profile_id"] == "traced"
    assert attrs(call)["webui.request_id"] == "traced-req-1"
    raw = b"".join(body for _, _, body in bodies)
    assert PROMPT.encode() not in raw and b"adventurer" not in raw  # neither prompt nor completion
    assert KEY.encode() not in raw
    assert not any(k.startswith("gen_ai.input") or k.startswith("gen_ai.output") for k in a)


def test_content_only_with_the_variable(provider_env, fake_openai, live_server, receiver):
    spans, bodies = _traced(live_server, fake_openai, receiver, WEBUI_TRACE_CONTENT="1")
    a = attrs(next(s for s in spans if s.name.startswith("chat ")))
    assert PROMPT in a["gen_ai.input.messages"] and fake_openai.reply in a["gen_ai.output.messages"]
    assert KEY.encode() not in b"".join(body for _, _, body in bodies)


def test_off_without_the_variable_imports_nothing():
    import subprocess
    import sys

    code = ("import sys, tempfile; from tests.app_fixtures import make_app; make_app(tempfile.mkdtemp()); "
            "print(any(m.startswith('opentelemetry') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
