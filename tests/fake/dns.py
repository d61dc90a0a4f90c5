"""A DNS resolver that never answers, for the one host name it is given.

The system resolver cannot be pointed at a loopback server, so this stands in
at the one door every lookup goes through, `socket.getaddrinfo`: a lookup of
`HOST` (any port) blocks until the test ends, as a resolver that drops queries
does; every other name resolves as usual. Use as a context manager; leaving it
releases the blocked threads and restores the real function.
"""

from __future__ import annotations

import socket
import threading

HOST = "never-answers.dns.invalid"       # .invalid: never a real name (RFC 2606)


class DnsBlackHole:
    def __init__(self, host: str = HOST) -> None:
        self.host = host
        self.lookups = 0
        self._release = threading.Event()
        self._real = socket.getaddrinfo
        self._lock = threading.Lock()

    def url(self, port: int = 80, scheme: str = "http") -> str:
        return f"{scheme}://{self.host}:{port}"

    def _getaddrinfo(self, host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host == self.host:
            with self._lock:
                self.lookups += 1
            self._release.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return self._real(host, *args, **kwargs)

    def __enter__(self) -> DnsBlackHole:
        socket.getaddrinfo = self._getaddrinfo
        return self

    def __exit__(self, *exc: object) -> None:
        socket.getaddrinfo = self._real
        self._release.set()
