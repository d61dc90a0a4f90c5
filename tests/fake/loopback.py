"""The shared shell of the raw-socket loopback servers: bind on 127.0.0.1:0, serve
on a daemon thread until stopped, close the socket on exit."""

from __future__ import annotations

import socket
import threading


class SocketServer:
    """Subclasses implement `_serve_one()`, which waits at most the socket timeout."""

    def __init__(self, kind: int) -> None:
        self._sock = socket.socket(socket.AF_INET, kind)
        self._sock.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            self._sock.listen(8)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def _serve(self) -> None:
        self._sock.settimeout(0.05)          # wake up often enough to notice stop()
        while not self._stop.is_set():
            try:
                self._serve_one()
            except OSError:
                continue

    def _serve_one(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(1)
        self._sock.close()
