"""Load generator, run as its own process (127.0.0.1 only): keep-alive HTTP/1.1 POSTs, bounded in time and sockets.

python bench/_loadgen.py PORT PATH BODY_JSON HEADERS_JSON closed CONNECTIONS SECONDS
python bench/_loadgen.py PORT PATH BODY_JSON HEADERS_JSON open RATE SECONDS
closed: CONNECTIONS clients, each sending its next request as soon as the last answer arrived (finds saturation).
open: RATE requests per second on a schedule (below saturation: the point is the latency at a given rate), on at
most 256 connections; latency from writing the request to the last byte of the answer.
Prints one JSON object: n, errors, seconds, lat (seconds per request).
"""

import asyncio
import json
import sys
import time

MAX_CONNECTIONS = 256
MAX_SECONDS = 60


class Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def exchange(self, request):
        """Send one request, read one Content-Length answer; its status."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise ValueError("an answer without Content-Length")
        await self.reader.readexactly(length)
        return status


async def connect(port):
    return Conn(*await asyncio.open_connection("127.0.0.1", port))


async def closed(port, request, connections, seconds, lat, errors):
    end = time.perf_counter() + seconds

    async def client():
        conn = await connect(port)
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                ok = await conn.exchange(request) == 200
            except (OSError, ValueError, asyncio.IncompleteReadError):
                errors.append(1)
                conn = await connect(port)
                continue
            if ok:
                lat.append(time.perf_counter() - started)
            else:
                errors.append(1)
        conn.writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))


async def open_loop(port, request, rate, seconds, lat, errors):
    idle, opened, tasks = [], [0], []
    start = time.perf_counter()

    async def one(scheduled):
        if idle:
            conn = idle.pop()
        elif opened[0] < MAX_CONNECTIONS:
            opened[0] += 1
            conn = await connect(port)
        else:
            errors.append(1)  # more in flight than the cap: the target is past saturation
            return
        sent = time.perf_counter()
        try:
            ok = await conn.exchange(request) == 200
        except (OSError, ValueError, asyncio.IncompleteReadError):
            opened[0] -= 1
            errors.append(1)
            return
        (lat.append(time.perf_counter() - sent) if ok else errors.append(1))
        idle.append(conn)

    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(scheduled)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    for conn in idle:
        conn.writer.close()


def main():
    port, path, body, headers, mode, amount, seconds = sys.argv[1:8]
    port, seconds, body = int(port), min(float(seconds), MAX_SECONDS), body.encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in json.loads(headers).items())
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{head}"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    lat, errors = [], []
    started = time.perf_counter()
    if mode == "closed":
        asyncio.run(closed(port, request, min(int(amount), MAX_CONNECTIONS), seconds, lat, errors))
    else:
        asyncio.run(open_loop(port, request, float(amount), seconds, lat, errors))
    print(json.dumps({"n": len(lat), "errors": len(errors), "seconds": time.perf_counter() - started,
                      "lat": [round(x, 6) for x in lat]}))


if __name__ == "__main__":
    main()
