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
from enum import Enum
from typing import TYPE_CHECKING, Callable

from binance_doctor import epoch
from binance_doctor.net import transport
from binance_doctor.failure import ExitCode
from binance_doctor.net.transport import NetworkFailure

if TYPE_CHECKING:
    import httpx

TIME_PATHS = {"spot": "/api/v3/time", "usdm": "/fapi/v1/time", "coinm": "/dapi/v1/time"}
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
    if not epoch.is_real_ms(value):
        raise NetworkFailure(
            f"{response.request.url} answered a serverTime of {value}, which is not a real "
            "time", "is --base-url a Binance API endpoint? Something else is answering",
            ExitCode.SERVER_ERROR, response.status_code)
    return value


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure_offset(client: httpx.Client, base_url: str, path: str = TIME_PATHS["spot"],
                   samples: int = 5, *, clock: Clock = SYSTEM_CLOCK,
                   deadline: transport.Deadline | None = None, timeout: float = 5.0,
                   progress: Callable[[str], None] | None = None) -> OffsetEstimate:
    """Sample BASE_URL+PATH `samples` times (weight 1 each) and estimate the offset.

    Stops at the first failure (never retries: a 418/429 must not be repeated).
    When the deadline runs out after at least one answer, the answers already in
    are kept and used: fewer samples, said as such, instead of nothing."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    url = transport.check_base_url(base_url) + path
    taken: list[Sample] = []
    drifts: list[float] = []          # wall − monotonic at every reading, in ms
    for i in range(samples):
        if progress:
            progress(f"Asking {url} for its time ({i + 1}/{samples})")
        try:
            wait = deadline.timeout(timeout) if deadline else timeout
            mono0, wall0 = clock.mono(), clock.wall()
            response = transport.get(client, url, timeout=wait)
        except NetworkFailure as failure:
            if failure.exit_code is ExitCode.TIMEOUT and taken:
                break
            raise
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


# -- NTP ------------------------------------------------------------------------

DEFAULT_NTP_SERVERS = ("pool.ntp.org", "time.google.com", "time.cloudflare.com")
NTP_TIMEOUT = 2.0


@dataclass(frozen=True)
class NtpAnswer:
    """What one NTP query returns: the server's clock minus ours, the round trip, stratum."""

    offset_ms: float
    delay_ms: float
    stratum: int
    leap: int = 0


NtpQuery = Callable[[str, int, float], NtpAnswer]


def ntplib_query(host: str, port: int, timeout: float) -> NtpAnswer:
    """The real query, through ntplib (against the system wall clock)."""
    import ntplib

    answer = ntplib.NTPClient().request(host, version=4, port=port, timeout=timeout)
    return NtpAnswer(answer.offset * 1000, answer.delay * 1000, answer.stratum, answer.leap)


@dataclass(frozen=True)
class NtpReading:
    server: str                    # host[:port] as given
    answer: NtpAnswer | None
    error: str | None              # why there is no usable answer


@dataclass(frozen=True)
class NtpSummary:
    readings: tuple[NtpReading, ...]
    consensus_ms: float | None     # median offset of the usable answers; None if none

    @property
    def usable(self) -> tuple[NtpReading, ...]:
        return tuple(r for r in self.readings if r.answer is not None)


def parse_ntp_server(text: str) -> tuple[str, int]:
    """host, host:port, [v6]:port or a bare IPv6 address; the port defaults to 123."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "123"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "123"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not a host[:port]: {text!r}")
    return host, int(port)


def _ntp_error(exc: Exception) -> str:
    import socket

    if isinstance(exc, socket.gaierror):
        return "DNS lookup failed"
    text = str(exc) or type(exc).__name__
    if "No response" in text or isinstance(exc, TimeoutError):
        return "no answer (UDP 123 blocked?)"
    return text


_NTP_GRACE_S = 0.5     # past the socket timeout, for the thread to hand its answer back


class _Pending:
    """One NTP query running in a daemon thread."""

    def __init__(self, server: str, query: NtpQuery, timeout: float) -> None:
        import threading

        self.server = server
        self._done = threading.Event()
        self._reading: NtpReading | None = None

        def run() -> None:
            try:
                self._reading = _one_ntp(server, query, timeout)
            finally:
                self._done.set()

        threading.Thread(target=run, daemon=True, name="binance-doctor-ntp").start()

    def reading(self, seconds: float) -> NtpReading:
        if self._done.wait(max(seconds, 0.0)) and self._reading is not None:
            return self._reading
        return NtpReading(self.server, None, "no answer in time (DNS lookup or UDP 123 "
                                             "not answering)")


def _one_ntp(server: str, query: NtpQuery, timeout: float) -> NtpReading:
    host, port = parse_ntp_server(server)
    try:
        answer = query(host, port, timeout)
    except Exception as exc:  # noqa: BLE001 - any failure of one server is a row, not a crash
        return NtpReading(server, None, _ntp_error(exc))
    if answer.stratum == 0 or answer.stratum > 15 or answer.leap == 3:
        return NtpReading(server, None, f"not synchronised (stratum {answer.stratum}, "
                                        f"leap {answer.leap})")
    return NtpReading(server, answer, None)


def query_ntp(servers: tuple[str, ...], query: NtpQuery = ntplib_query, *,
              timeout: float = NTP_TIMEOUT,
              deadline: transport.Deadline | None = None) -> NtpSummary:
    """Ask every server at once (a filtered UDP 123 then costs one timeout, not three).

    Each query runs in a daemon thread: a DNS lookup that never answers costs the
    timeout (and is reported as such), never a hang at exit or after Ctrl-C."""
    wait = max(0.05, min(timeout, deadline.remaining())) if deadline else timeout
    end = time.monotonic() + wait + _NTP_GRACE_S
    pending = [_Pending(server, query, wait) for server in servers]
    readings = tuple(p.reading(end - time.monotonic()) for p in pending)
    offsets = [r.answer.offset_ms for r in readings if r.answer is not None]
    return NtpSummary(readings, _median(offsets) if offsets else None)


# -- the verdict --------------------------------------------------------------------

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
AHEAD_LIMIT_MS = 1000          # a timestamp this far ahead of serverTime is rejected
_SAFETY_MS = 1000              # head room added to a suggested recvWindow


class Verdict(str, Enum):
    PASS = "pass"              # accepted even at the edges of the uncertainty
    AT_RISK = "at_risk"        # accepted by the best estimate, rejected at an edge
    REJECTED = "rejected"      # rejected by the best estimate


@dataclass(frozen=True)
class WindowCheck:
    """Would a request timestamped with the local clock now be accepted?

    lag = Binance's clock when the request arrives minus its timestamp. Binance
    rejects lag <= -1000 (timestamp 1 s or more ahead) and lag > recvWindow."""

    recv_window_ms: int
    verdict: Verdict
    lag_ms: float              # best estimate: offset + half the minimum round trip
    lag_low_ms: float          # offset − uncertainty, delivered instantly
    lag_high_ms: float         # offset + uncertainty, delivered after a median round trip
    ahead_margin_ms: float     # worst-case room before the 1000 ms "ahead" limit
    behind_margin_ms: float    # worst-case room before recvWindow runs out
    cause: str | None          # "ahead" or "behind" when not a pass
    suggested_recv_window: int | None   # a recvWindow that passes; None if none can
    client_offset_ms: int      # add this to local timestamps to match Binance's clock


def check_recv_window(est: OffsetEstimate, recv_window: int = DEFAULT_RECV_WINDOW
                      ) -> WindowCheck:
    if not 0 < recv_window <= MAX_RECV_WINDOW:
        raise ValueError(f"recvWindow must be 1..{MAX_RECV_WINDOW} ms")
    # The request's one-way trip is somewhere between nothing and a whole round trip.
    lag = est.offset_ms + est.rtt_min_ms / 2
    low = est.offset_ms - est.uncertainty_ms
    high = est.offset_ms + est.uncertainty_ms + est.rtt_median_ms
    ahead_margin = low + AHEAD_LIMIT_MS
    behind_margin = recv_window - high
    if lag <= -AHEAD_LIMIT_MS or lag > recv_window:
        verdict = Verdict.REJECTED
    elif ahead_margin <= 0 or behind_margin < 0:
        verdict = Verdict.AT_RISK
    else:
        verdict = Verdict.PASS
    cause = None
    if verdict != Verdict.PASS:
        cause = "ahead" if (lag <= -AHEAD_LIMIT_MS or ahead_margin <= 0) else "behind"
    suggested = None
    if ahead_margin > 0:
        need = max(DEFAULT_RECV_WINDOW, math.ceil((high + _SAFETY_MS) / 1000) * 1000)
        suggested = need if need <= MAX_RECV_WINDOW else None
    return WindowCheck(recv_window, verdict, lag, low, high, ahead_margin, behind_margin,
                       cause, suggested, round(est.offset_ms))


# -- how to fix it on this machine ---------------------------------------------------

SYNC_TOOLS = ("chronyc", "timedatectl", "ntpd", "sntp", "w32tm")


@dataclass(frozen=True)
class PlatformFacts:
    system: str                    # platform.system(): Linux, Darwin, Windows, ...
    tools: frozenset[str]          # which of SYNC_TOOLS are on PATH


def detect_platform() -> PlatformFacts:
    import platform
    import shutil

    return PlatformFacts(platform.system(),
                         frozenset(t for t in SYNC_TOOLS if shutil.which(t)))


@dataclass(frozen=True)
class Resync:
    service: str                   # what keeps time on this machine, as far as we can tell
    commands: tuple[str, ...]      # run these, in order, to step the clock now
    note: str


def resync_advice(facts: PlatformFacts) -> Resync:
    system, tools = facts.system, facts.tools
    if system == "Darwin":
        return Resync("timed (macOS)", ("sudo sntp -sS time.apple.com",),
                      "then keep 'Set time and date automatically' on in System Settings")
    if system == "Windows":
        return Resync("Windows Time (w32time)", ("w32tm /resync",),
                      "in an administrator prompt; if the service is stopped, run "
                      "'net start w32time' first")
    if "chronyc" in tools:
        return Resync("chrony", ("sudo chronyc makestep",),
                      "steps the clock at once; 'chronyc tracking' shows the result")
    if "timedatectl" in tools:
        return Resync("systemd-timesyncd", ("sudo timedatectl set-ntp true",
                                            "sudo systemctl restart systemd-timesyncd"),
                      "'timedatectl timesync-status' shows the server and offset")
    if "ntpd" in tools:
        return Resync("ntpd", ("sudo ntpd -gq",),
                      "stop the ntp service first (ntpd -gq cannot share port 123 with "
                      "a running daemon), then start it again")
    if system == "Linux":
        return Resync("none found", ("sudo apt-get install chrony   (or your distribution's "
                                     "package)", "sudo chronyc makestep"),
                      "no chrony, systemd-timesyncd or ntpd was found; in a container the "
                      "clock is the host's, so fix it on the host")
    return Resync("unknown", (),
                  f"resync the clock with the NTP client of {system or 'this system'}")


# -- the whole check ---------------------------------------------------------------

@dataclass(frozen=True)
class ClockReport:
    product: str
    binance: OffsetEstimate
    ntp: NtpSummary | None         # None with --no-ntp
    binance_vs_ntp_ms: float | None   # Binance's clock minus NTP time (as seen from here)
    window: WindowCheck
    resync: Resync
    warnings: tuple[str, ...]


def _signed(ms: float) -> str:
    return f"{ms:+.1f} ms"


def check(client: httpx.Client, base_url: str, *, product: str = "spot", samples: int = 5,
          recv_window: int = DEFAULT_RECV_WINDOW, ntp_servers: tuple[str, ...] | None = (),
          ntp_query: NtpQuery = ntplib_query, clock: Clock = SYSTEM_CLOCK,
          platform: PlatformFacts | None = None, deadline: transport.Deadline | None = None,
          timeout: float = 5.0, progress: Callable[[str], None] | None = None) -> ClockReport:
    """Measure against Binance and NTP, and judge recvWindow. `ntp_servers=None` skips NTP."""
    warnings: list[str] = []
    summary = None
    if ntp_servers is not None:
        if progress:
            progress(f"Asking {len(ntp_servers)} NTP server(s)")
        summary = query_ntp(ntp_servers, ntp_query, timeout=min(timeout, NTP_TIMEOUT),
                            deadline=deadline)
        if summary.consensus_ms is None:
            warnings.append("No NTP server answered (UDP port 123 is often filtered in "
                            "clouds and offices); the check goes on with Binance alone.")
    estimate = measure_offset(client, base_url, TIME_PATHS[product], samples, clock=clock,
                              deadline=deadline, timeout=timeout, progress=progress)
    if len(estimate.samples) < samples:
        warnings.append(f"Only {len(estimate.samples)} of {samples} samples came back before "
                        "the time limit; the estimate uses those. Raise --timeout for more.")
    if estimate.step_ms:
        warnings.append(f"The wall clock stepped by {_signed(estimate.step_ms)} during the "
                        "measurement (something else is setting it); only samples after "
                        "the step were used. Run the check again.")
    vs_ntp = None
    if summary is not None and summary.consensus_ms is not None:
        vs_ntp = estimate.offset_ms - summary.consensus_ms
    return ClockReport(product, estimate, summary, vs_ntp,
                       check_recv_window(estimate, recv_window),
                       resync_advice(platform or detect_platform()), tuple(warnings))
