"""A loopback TCP proxy a test can cut (refuse, or accept and stay silent) and restore: a server that goes away."""

import contextlib
import select
import socket
import threading


class TcpProxy:
    """127.0.0.1:<port> -> target. cut("refuse") closes every link and the listener; cut("silent") keeps accepting
    but forwards nothing (a blackholed server); restore() forwards again on the same port."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = "forward"
        self._links = set()
        self._lock = threading.Lock()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _listen(self, port):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.settimeout(0.1)
        return sock

    def _accept(self):
        while not self._stop:
            listener = self._listener
            if listener is None:
                threading.Event().wait(0.05)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.mode == "silent":
                with self._lock:
                    self._links.add((client, None))
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links.add((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream):
        pair = {client: upstream, upstream: client}
        try:
            while self.mode == "forward":
                ready, _, _ = select.select(list(pair), [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return
        finally:
            self._close((client, upstream))

    def _close(self, link):
        with self._lock:
            self._links.discard(link)
        for sock in link:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self, mode="refuse"):
        """Drop every open link; then refuse new ones ("refuse") or accept and never answer ("silent")."""
        self.mode = mode
        if mode == "refuse" and self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link)

    def restore(self):
        """Forward again (same port)."""
        with self._lock:
            silent = [link for link in self._links if link[1] is None]
        for link in silent:
            self._close(link)
        if self._listener is None:
            self._listener = self._listen(self.port)
        self.mode = "forward"

    def close(self):
        self._stop = True
        self.cut("refuse")
