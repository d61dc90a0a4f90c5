"""Clock offset against Binance and NTP, and whether a signed request would be accepted.

The offset to Binance is measured the way NTP's clock filter does it: each
sample records the local send and receive times, assumes the server read its
clock half-way through the round trip, and the sample with the smallest
round trip wins, because its midpoint guess can be wrong by at most half of
that round trip. The naive "serverTime minus local time" is off by a whole
one-way delay and is kept only for comparison.

All I/O comes in as parameters: the HTTP client, the NTP query function, the
clocks and the platform facts, so tests drive it against loopback servers.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from binance_doctor import transport
from binance_doctor.failure import ExitCode
from binance_doctor.transport import NetworkFailure

if TYPE_CHECKING:
    import httpx

TIME_PATHS = {"spot": "/api/v3/time", "usdm": "/fapi/v1/time", "coinm": "/dapi/v1/time"}
DEFAULT_BASE_URLS = {"spot": "https://api.binance.com", "usdm": "https://fapi.binance.com",
                     "coinm": "https://dapi.binance.com"}
# Wall and monotonic clocks agree to well under this over a run unless the wall
# clock was stepped (slewing changes the rate by at most ~0.05 %).
STEP_THRESHOLD_MS = 20.0
# serverTime is whole milliseconds (truncated): the true reading lies in [t, t + 1).
_RESOLUTION_MS = 1.0


@dataclass(frozen=True)
class Clock:
    """Where "now" comes from: the wall clock (what timestamps use) and a monotonic one."""

    wall: Callable[[], float] = time.time
    mono: Callable[[], float] = time.monotonic


SYSTEM_CLOCK = Clock()


@dataclass(frozen=True)
class Sample:
    """One request to the time endpoint. Times in ms; wall times on the local clock."""

    server_ms: int
    send_ms: float
    recv_ms: float
    rtt_ms: float          # from the monotonic clock, so a wall step cannot fake it
    step_ms: float         # wall elapsed minus monotonic elapsed during this sample

    @property
    def offset_ms(self) -> float:
        """Server minus local, assuming the server read its clock mid-flight."""
        return self.server_ms + _RESOLUTION_MS / 2 - (self.send_ms + self.recv_ms) / 2

    @property
    def naive_offset_ms(self) -> float:
        """serverTime minus the local time when the answer came: off by a one-way delay."""
        return self.server_ms - self.recv_ms


@dataclass(frozen=True)
class OffsetEstimate:
    """Binance's clock minus ours. Positive: our clock is behind; negative: ahead."""

    url: str
    offset_ms: float
    uncertainty_ms: float          # the true offset is within offset_ms ± this
    rtt_min_ms: float
    rtt_median_ms: float
    jitter_ms: float               # RMS spread of the other samples' offsets
    naive_offset_ms: float         # median of serverTime − receive time, for comparison
    step_ms: float                 # wall-clock step seen during the run (0.0 if none)
    samples: tuple[Sample, ...]
    used: tuple[int, ...]          # indexes of the samples taken after the last step
    best: int                      # index of the minimum-RTT sample

    def timestamp_ms(self, wall_seconds: float) -> int:
        """A request timestamp for local wall time `wall_seconds`, corrected to Binance's
        clock (what a client-side time offset does)."""
        return int(wall_seconds * 1000 + self.offset_ms)


def _server_time(response: httpx.Response) -> int:
    body = transport.json_body(response)
    value = body.get("serverTime") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(value, int) or isinstance(value, bool):
        raise NetworkFailure(
            f"{response.request.url} answered HTTP {response.status_code} without a "
            f"serverTime: {response.text[:200]!r}",
            "is --base-url a Binance API endpoint, and --product the right one for it?",
            ExitCode.SERVER_ERROR, response.status_code)
    return value


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure_offset(client: httpx.Client, base_url: str, path: str = TIME_PATHS["spot"],
                   samples: int = 5, *, clock: Clock = SYSTEM_CLOCK,
                   deadline: transport.Deadline | None = None, timeout: float = 5.0,
                   progress: Callable[[str], None] | None = None) -> OffsetEstimate:
    """Sample BASE_URL+PATH `samples` times (weight 1 each) and estimate the offset.

    Stops at the first failure (never retries: a 418/429 must not be repeated)."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    url = transport.check_base_url(base_url) + path
    taken: list[Sample] = []
    drifts: list[float] = []          # wall − monotonic at every reading, in ms
    for i in range(samples):
        if progress:
            progress(f"Asking {url} for its time ({i + 1}/{samples})")
        wait = deadline.timeout(timeout) if deadline else timeout
        mono0, wall0 = clock.mono(), clock.wall()
        response = transport.get(client, url, timeout=wait)
        wall1, mono1 = clock.wall(), clock.mono()
        server = _server_time(response)
        rtt = (mono1 - mono0) * 1000
        step = (wall1 - wall0) * 1000 - rtt
        taken.append(Sample(server, wall0 * 1000, wall1 * 1000, rtt, step))
        drifts += [(wall0 - mono0) * 1000, (wall1 - mono1) * 1000]
    # The clock that matters is the one after the last step: drop samples before it.
    first_used = 0
    total_step = 0.0
    for k in range(1, len(drifts)):
        jump = drifts[k] - drifts[k - 1]
        if abs(jump) > STEP_THRESHOLD_MS:
            total_step += jump
            first_used = (k + 1) // 2          # the first sample wholly after the jump
    used = tuple(range(first_used, len(taken))) or tuple(range(len(taken)))
    pool = [taken[i] for i in used]
    best = min(used, key=lambda i: taken[i].rtt_ms)
    chosen = taken[best]
    jitter = math.sqrt(sum((s.offset_ms - chosen.offset_ms) ** 2 for s in pool)
                       / max(len(pool) - 1, 1))
    return OffsetEstimate(
        url=url, offset_ms=chosen.offset_ms,
        uncertainty_ms=chosen.rtt_ms / 2 + _RESOLUTION_MS / 2,
        rtt_min_ms=chosen.rtt_ms, rtt_median_ms=_median([s.rtt_ms for s in pool]),
        jitter_ms=jitter, naive_offset_ms=_median([s.naive_offset_ms for s in pool]),
        step_ms=total_step, samples=tuple(taken), used=used, best=best)
