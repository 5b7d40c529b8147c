"""A loopback TCP proxy a test can cut and restore (an outage of the server behind it), or slow down."""

import socket
import threading
import time


class TcpProxy:
    """127.0.0.1:<port> -> target; cut() refuses and drops every connection, restore() serves again on the same port;
    delay (seconds) holds each chunk from the server before passing it on."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.delay = 0.0
        self._lock = threading.Lock()
        self._conns = set()
        self._listener = None
        self.port = None

    def start(self):
        self._listen()
        return self

    def _listen(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port or 0))
        sock.listen(256)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source, sink, slow):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if slow and self.delay:
                    time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        """Stop listening and drop every open connection: clients see refusals and resets."""
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self):
        """Listen again on the same port."""
        if self._listener is None:
            self._listen()

    def stop(self):
        self.cut()
