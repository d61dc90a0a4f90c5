"""A loopback UDP NTP responder (server mode, versions 1-4), for tests and benchmarks.

It answers client-mode packets on 127.0.0.1 (port 0) with its own clock: the
machine's clock plus `offset_ms`. The stratum and leap indicator are settable,
`delay_before`/`delay_after` add latency on each side of reading the clock,
and `silent = True` drops every query, which is what a firewall that filters
UDP 123 looks like from the client.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

from fake.loopback import SocketServer

NTP_EPOCH = 2208988800        # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)
_PACKET = struct.Struct("!BBbb11I")     # 48 bytes: header, then 11 32-bit words


def _to_ntp(unix_seconds: float) -> tuple[int, int]:
    t = unix_seconds + NTP_EPOCH
    whole = int(t)
    return whole, int((t - whole) * 2**32) & 0xFFFFFFFF


class FakeNtp(SocketServer):
    """Start with `with FakeNtp(offset_ms=...) as ntp:`; query 127.0.0.1:ntp.port."""

    def __init__(self, offset_ms: float = 0.0, stratum: int = 2, leap: int = 0,
                 delay_before: float = 0.0, delay_after: float = 0.0,
                 silent: bool = False) -> None:
        self.offset_ms = offset_ms
        self.stratum = stratum
        self.leap = leap
        self.delay_before = delay_before
        self.delay_after = delay_after
        self.silent = silent
        self.queries = 0
        super().__init__(socket.SOCK_DGRAM)

    @property
    def address(self) -> str:
        """The `--ntp-server` value that points at this responder."""
        return f"127.0.0.1:{self.port}"

    def _now(self) -> float:
        return time.time() + self.offset_ms / 1000

    def _serve_one(self) -> None:
        data, peer = self._sock.recvfrom(1024)
        self.queries += 1
        if self.silent or len(data) < 48:
            return
        # Each answer on its own thread so a delayed one does not hold up the next.
        threading.Thread(target=self._answer, args=(data, peer), daemon=True).start()

    def _answer(self, data: bytes, peer: tuple) -> None:
        version = (data[0] >> 3) & 0x7 or 3
        client_transmit = data[40:48]
        if self.delay_before:
            time.sleep(self.delay_before)
        received = _to_ntp(self._now())
        transmit = _to_ntp(self._now())
        first = (self.leap << 6) | (version << 3) | 4          # mode 4: server
        reference = _to_ntp(self._now() - 16)
        packet = _PACKET.pack(first, self.stratum, 6, -20,
                              0x00000100, 0x00000200,            # root delay, dispersion
                              0x7F000001,                        # reference id
                              *reference, 0, 0, *received, *transmit)
        # The originate field echoes the client's transmit timestamp, as NTP requires.
        packet = packet[:24] + client_transmit + packet[32:]
        if self.delay_after:
            time.sleep(self.delay_after)
        try:
            self._sock.sendto(packet, peer)
        except OSError:
            pass
