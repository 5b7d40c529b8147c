"""FakeProvider: a scriptable, recording HTTP server on 127.0.0.1 speaking one provider's wire format."""

import collections
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .wire import message_for, split_words


@dataclass
class Recorded:
    """One request the fake received; header names are lower-case."""

    method: str
    path: str
    query: dict
    headers: dict
    body: object = None
    raw: bytes = b""


@dataclass
class Failure:
    """A scripted error answer."""

    status: int
    body: object
    headers: dict = field(default_factory=dict)
    on: str | None = None  # "chat", "models" or None for any request


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake):
        self.fake = fake
        self.open_sockets = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up mid-answer is not news
            super().handle_error(request, client_address)

    def drop_connections(self):
        """Cut every open connection (idle keep-alives would otherwise hold handler threads)."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like real providers
    disable_nagle_algorithm = True  # each flushed event leaves at once
    timeout = 30  # idle keep-alive connections end by themselves

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.fake._serve(self)

    do_POST = do_PUT = do_DELETE = do_GET

    # --- writing ------------------------------------------------------------------------------------

    def send_bytes(self, status, data, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status, body, headers=None):
        if isinstance(body, str):
            body = body.encode()
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_bytes(status, data, headers=headers)

    def start_stream(self, content_type, chunked):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")  # close-delimited body
            self.close_connection = True
        self.end_headers()
        self._chunked = chunked

    def write_frame(self, data):
        if self._chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.wfile.write(data)
        self.wfile.flush()

    def end_stream(self):
        if self._chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def abort(self):
        """Close mid-body: no terminating chunk, so the client sees a truncated response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeProvider:
    """A fake of one provider on 127.0.0.1:0; scripted through attributes, records every request.

    Settings (attributes, also constructor keywords): reply, chunks (stream deltas; default: the reply's
    words), models, page_size, usage (prompt, completion; None: none reported), finish_reason, matched_stop
    (the stop sequence the reply ended on, where the format can say so), tool_calls
    ([{"id", "name", "arguments": dict}]: the reply calls these tools), required_key, strict_models,
    stall (s before answering), chunk_delay (s between deltas), close_after (deltas before the connection
    is cut), error_after (deltas before a mid-stream error event), malformed (invalid JSON / events),
    gate (threading.Event the stream waits on after its first delta), hold (threading.Event a chat request waits on
    before any answer, up to 30 s: a slow model the test releases), chunked (False: close-delimited),
    script (a callable taking the request handler that answers every request instead; see fakes/hostile.py);
    context_size (custom: prompts of more words are refused as llama.cpp does), cache_read / cache_write
    (prompt-cache tokens inside the usage's prompt count, reported in each format's words), thinking (Anthropic and
    Gemini: thinking text before the answer);
    Ollama's /api/pull: pull_layers, pull_steps (progress lines per layer), pull_gate (threading.Event the pull
    waits on after its first progress line), pull_error (an {"error"} line instead of success).
    """

    def __init__(self, kind, **settings):
        from .formats import format_for

        self.kind = kind
        self.fmt = format_for(kind)
        self.reply = "Hello there, adventurer!"
        self.chunks = None
        self.models = list(self.fmt.default_models)
        self.page_size = self.fmt.default_page_size
        self.usage = (11, 7)
        self.finish_reason = None
        self.matched_stop = None  # the stop sequence that ended the reply (Anthropic stop_sequence; vLLM stop_reason)
        self.tool_calls = []  # [{"id", "name", "arguments": dict}]: the reply is these calls, in the kind's format
        self.required_key = None
        self.strict_models = False
        self.stall = 0.0
        self.chunk_delay = 0.0
        self.close_after = None
        self.error_after = None
        self.malformed = False
        self.gate = None
        self.hold = None
        self.chunked = True
        self.script = None
        self.context_size = None  # custom (llama.cpp-like): prompts of more words are refused (400, or in-stream)
        self.cache_read, self.cache_write = 0, 0  # prompt-cache tokens, part of usage's prompt count
        self.thinking = None  # Anthropic/Gemini: thinking text sent before the answer
        self.pull_layers, self.pull_steps, self.pull_gate, self.pull_error = 2, 4, None, None
        for name, value in settings.items():
            if not hasattr(self, name):
                raise TypeError(f"unknown FakeProvider setting {name!r}")
            setattr(self, name, value)
        self.requests = []
        self.failures = collections.deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = None
        self._thread = None

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self):
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"fake-{self.kind}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving, cut open connections, wake any stalled handler."""
        self._stopping.set()
        for gate in (self.gate, self.pull_gate, self.hold):
            if gate is not None:
                gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.drop_connections()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        """http://127.0.0.1:PORT (the server root)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self):
        """The base URL our adapter for this kind takes (see tests/fakes/__init__.py)."""
        return self.url + self.fmt.base_path

    # --- scripting ----------------------------------------------------------------------------------

    def fail(self, status, message=None, body=None, headers=None, times=1, on=None):
        """Queue `times` error answers: provider-shaped body unless `body` (dict, str or bytes) is given."""
        if body is None:
            body = self.fmt.error_body(status, message or message_for(status))
        for _ in range(times):
            self.failures.append(Failure(status, body, dict(headers or {}), on))
        return self

    def deltas(self):
        """The stream deltas the fake sends."""
        return list(self.chunks) if self.chunks is not None else split_words(self.reply)

    def sleep(self, seconds):
        """A sleep that ends early when the fake stops."""
        self._stopping.wait(seconds)

    def reset(self):
        """Forget recorded requests and queued failures."""
        with self._lock:
            self.requests.clear()
            self.failures.clear()

    def last(self, op=None):
        """The latest recorded request (optionally the latest whose path contains `op`)."""
        with self._lock:
            for rec in reversed(self.requests):
                if op is None or op in rec.path:
                    return rec
        raise AssertionError(f"the fake saw no request{' for ' + op if op else ''}")

    def count(self, op=None):
        """How many requests were seen (optionally whose path contains `op`)."""
        with self._lock:
            return sum(1 for r in self.requests if op is None or op in r.path)

    # --- serving ------------------------------------------------------------------------------------

    def _take_failure(self, op):
        with self._lock:
            for i, failure in enumerate(self.failures):
                if failure.on in (None, op):
                    del self.failures[i]
                    return failure
        return None

    def _serve(self, h):
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append(Recorded(h.command, parts.path, query, headers, body, raw))
        if self.script is not None:
            return self.script(h)
        route = self.fmt.route(h.command, parts.path, query, body if isinstance(body, dict) else {})
        if route is None:
            return h.send_json(404, self.fmt.error_body(404, f"No route for {h.command} {parts.path}"))
        op, info = route
        if self.stall:
            self.sleep(self.stall)
        if self.hold is not None and op == "chat":
            self.hold.wait(30)  # the test releases it once it saw what it wanted while this model was still busy
        failure = self._take_failure(op)
        if failure:
            return h.send_json(failure.status, failure.body, failure.headers)
        if self.required_key and info.get("auth", True):
            received = self.fmt.credential(headers, query)
            if received != self.required_key:
                return h.send_json(*self.fmt.auth_error(received))
        if op == "models":
            return h.send_json(200, self.fmt.models_body(self, query))
        if op == "fixed":
            return h.send_json(*info["answer"])
        if op == "embed":
            return h.send_json(200, self.fmt.embed_body(self, body or {}))
        if op == "pull":
            return self._pull(h, (body or {}).get("model") or (body or {}).get("name") or "")
        model = info.get("model") or (body or {}).get("model") or "fake-model"
        if self.strict_models and model not in self.models:
            return h.send_json(404, self.fmt.model_not_found(model))
        refusal = getattr(self.fmt, "refusal", lambda *a: None)(self, body or {}, info.get("stream"))
        if refusal is not None:  # the server's own rules (llama.cpp: roles, context size)
            status, answer = refusal
            if status != 200:
                return h.send_json(status, answer)
            h.start_stream(self.fmt.stream_type, self.chunked)
            h.write_frame(answer)
            return h.end_stream()
        if self.malformed and not info.get("stream"):
            return h.send_bytes(200, b'{"choices": [{"message": ')
        if info.get("stream"):
            return self._stream(h, model, body or {})
        return h.send_json(200, self.fmt.chat_body(self, model, body or {}))

    def _stream(self, h, model, body):
        h.start_stream(self.fmt.stream_type, self.chunked)
        if self.malformed:
            h.write_frame(b"data: {not json\n\n")
            return h.end_stream()
        sent = 0
        for is_delta, frame in self.fmt.frames(self, model, body):
            if is_delta:
                if self.close_after is not None and sent >= self.close_after:
                    return h.abort()
                if self.error_after is not None and sent >= self.error_after:
                    h.write_frame(self.fmt.error_frame())
                    return h.end_stream()
                if sent == 1 and self.gate is not None:
                    self.gate.wait(10)  # the test releases it after it saw the first delta
                if sent and self.chunk_delay:
                    self.sleep(self.chunk_delay)
            h.write_frame(frame)
            sent += is_delta
        h.end_stream()

    def _pull(self, h, model):
        """Ollama's /api/pull as NDJSON status lines; on success the model joins the list."""
        from .formats_native import ollama_pull_lines

        h.start_stream("application/x-ndjson", self.chunked)
        for i, line in enumerate(ollama_pull_lines(self, model)):
            if line.get("status") == "success":
                if self.pull_error:
                    h.write_frame(json.dumps({"error": self.pull_error}).encode() + b"\n")
                    return h.end_stream()
                with self._lock:  # listed before the client reads "success"
                    if model and model not in self.models:
                        self.models.append(model)
            h.write_frame(json.dumps(line).encode() + b"\n")
            if i == 1 and self.pull_gate is not None:
                self.pull_gate.wait(30)  # the test releases it once it saw the pull in progress
            if self.chunk_delay:
                time.sleep(self.chunk_delay)  # a long pull that keeps making progress
        h.end_stream()
