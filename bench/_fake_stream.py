"""A lean fake OpenAI provider for the load benchmarks, run as its own process (127.0.0.1 only).

python bench/_fake_stream.py PORT [--deltas 20] [--delay 0.1]
POST …/chat/completions: "stream": true -> chunked SSE (role chunk, `--deltas` content chunks t00 … `--delay` s
apart, finish chunk, [DONE]); otherwise a complete chat.completion at once (zero latency). GET …/models: one
model. Keep-alive HTTP/1.1; every frame is encoded once at start, so a stream costs this process little and a
real provider's cost (another machine) is not billed to the loop under test or to the clients.
"""

import argparse
import json
import os
import resource
import time

import gevent
from gevent.server import StreamServer

REPLY = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake-model",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there"},
                      "logprobs": None, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}, "system_fingerprint": None}
MODELS = {"object": "list", "data": [{"id": "fake-model", "object": "model", "created": 0, "owned_by": "fake"}]}


def _chunk(delta, finish=None):
    body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake-model",
            "system_fingerprint": None, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                     "finish_reason": finish}]}
    data = f"data: {json.dumps(body)}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(data), data)  # one HTTP chunk per SSE event, as providers flush them


def _answer(status, body, content_type="application/json"):
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode() \
        + body


class Fake:
    def __init__(self, deltas, delay):
        self.delay = delay
        self.head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + _chunk({"role": "assistant", "content": ""}))
        self.deltas = [_chunk({"content": f"t{i:02d} "}) for i in range(deltas)]
        tail = b"data: [DONE]\n\n"
        self.tail = _chunk({}, "stop") + b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail)
        self.reply = _answer("200 OK", json.dumps(REPLY).encode())
        self.models = _answer("200 OK", json.dumps(MODELS).encode())
        self.missing = _answer("404 Not Found", b'{"error": {"message": "not found"}}')

    def handle(self, sock, _address):
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, path = lines[0].split(b" ")[:2]
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                if method == b"POST" and path.endswith(b"/chat/completions"):
                    if json.loads(body or b"{}").get("stream"):
                        self.stream(sock)
                    else:
                        sock.sendall(self.reply)
                elif method == b"GET" and path.split(b"?")[0].endswith(b"/models"):
                    sock.sendall(self.models)
                else:
                    sock.sendall(self.missing)
        except OSError:
            return
        finally:
            sock.close()

    def stream(self, sock):
        sock.sendall(self.head)
        for i, frame in enumerate(self.deltas):
            if i and self.delay:
                gevent.sleep(self.delay)
            sock.sendall(frame)
        sock.sendall(self.tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--deltas", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=900, help="exit after this long in any case")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    server = StreamServer(("127.0.0.1", args.port), Fake(args.deltas, args.delay).handle, backlog=4096)
    server.start()
    print("ready", flush=True)
    parent, end = os.getppid(), time.monotonic() + args.seconds
    while time.monotonic() < end and os.getppid() == parent:  # bounded, and gone with the benchmark
        gevent.sleep(0.5)
    server.stop(timeout=1)


if __name__ == "__main__":
    main()
