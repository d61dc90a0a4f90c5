"""The whole doctor run: every check between this machine and Binance, in one deadline.

1. every product host at once (host.py): DNS, TCP+TLS, ping, time, then system
   status (spot, mainnet) or exchangeInfo rate limits (futures);
2. if no host answered 451, 418 or 429 (after those nothing more is sent), at
   once: the clock (clock/offset.check: the `clock` command's measurement and
   verdict) on the first healthy host, and, with credentials, the check-key
   probes and analysis (key/) plus GET /sapi/v1/account/apiTradingStatus;
3. findings.py turns it all into check lines and one exit code.

Only allowlisted GETs leave (net/guard.py); `RequestLog` counts their weight.
I/O (HTTP client, resolver, NTP query, clocks) comes in as parameters.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from binance_doctor import credential
from binance_doctor.clock import offset as clocks
from binance_doctor.doctor import findings, host as hosts
from binance_doctor.doctor.findings import Check
from binance_doctor.failure import ExitCode
from binance_doctor.key import analysis as keyanalysis
from binance_doctor.key import check as keycheck
from binance_doctor.key import probe as keyprobe
from binance_doctor.net import guard, transport
from binance_doctor.net.transport import NetworkFailure

if TYPE_CHECKING:
    import httpx

PRODUCTS = ("spot", "usdm", "coinm")
KEY_PRODUCTS = {"spot": "spot", "usdm": "usdm", "coinm": "coinm"}
_HALTING = keyprobe.HALTING
CLOCK_SAMPLES = 3
# The weight of one run, from the allowlist's documented weights (stated in --help and
# checked against a real run by the tests): per host ping + one time sample, spot's
# system status, each futures host's exchangeInfo, the clock's samples; with a key,
# check-key's requests and apiTradingStatus.
BASE_WEIGHT = 3 * 2 + 1 + 2 + CLOCK_SAMPLES
KEY_WEIGHT = 3 * keyprobe.CLOCK_SAMPLES + 1 + 20 + 5 + 1 + 1


@dataclass(frozen=True)
class Settings:
    hosts: tuple[tuple[str, str], ...]        # (product, base URL), spot first
    network: str = "mainnet"                  # "testnet": no /sapi
    recv_window: int = clocks.DEFAULT_RECV_WINDOW
    ntp_servers: tuple[str, ...] | None = clocks.DEFAULT_NTP_SERVERS
    timeout: float = 20.0


@dataclass(frozen=True)
class KeyInput:
    """Credentials as check-key prepares them (key/offline.prepare)."""

    api_key: str
    creds: credential.Credentials
    offline: tuple[keyanalysis.Check, ...]
    sendable: bool = True


@dataclass(frozen=True)
class DoctorReport:
    network: str
    checks: tuple[Check, ...]                 # most important first
    hosts: tuple[hosts.HostReport, ...]
    clock: clocks.ClockReport | None
    key: keyanalysis.KeyReport | None
    not_run: tuple[tuple[str, str], ...]      # (what, why)
    requests: tuple[guard.Sent, ...]
    exit_code: ExitCode

    @property
    def weight(self) -> int:
        return sum(r.weight for r in self.requests)

    @property
    def status(self) -> str:
        if any(c.status == findings.FAIL for c in self.checks):
            return findings.FAIL
        return findings.WARN if any(c.status == findings.WARN for c in self.checks) \
            else findings.OK

    @property
    def top(self) -> Check | None:
        """The most important problem, or None when every check passed."""
        first = self.checks[0] if self.checks else None
        return first if first is not None and first.status != findings.OK else None


def _key_settings(settings: Settings, healthy: list[hosts.HostReport],
                  timeout: float) -> keyprobe.Settings:
    urls = dict(settings.hosts)
    spot = urls.get("spot") or next(iter(urls.values()))
    network = keyprobe.Network(settings.network, spot, urls.get("usdm", spot),
                               urls.get("coinm", spot))
    products = tuple(KEY_PRODUCTS[h.product] for h in healthy)
    # No testnet/mainnet probe here: that is check-key's job, and it needs the other
    # network's URLs, which doctor does not take.
    return keyprobe.Settings(network, None, products, max(timeout, 0.1),
                             keyprobe.RECV_WINDOW_MS, keyprobe.CLOCK_SAMPLES)


def run(settings: Settings, client: httpx.Client, *, key: KeyInput | None = None,
        lookup: hosts.Lookup | None = None, ntp_query: clocks.NtpQuery = clocks.ntplib_query,
        clock: clocks.Clock = clocks.SYSTEM_CLOCK,
        platform: clocks.PlatformFacts | None = None,
        progress: Callable[[str], None] | None = None) -> DoctorReport:
    log = guard.RequestLog()
    log.install(client)
    deadline = transport.Deadline(settings.timeout, clock.mono)
    sapi = settings.network == "mainnet"
    say = progress or (lambda text: None)
    say("Checking " + ", ".join(url for _, url in settings.hosts))
    with ThreadPoolExecutor(max_workers=max(len(settings.hosts), 2)) as pool:
        seen = list(pool.map(
            lambda h: hosts.check_host(client, h[0], h[1], deadline, sapi=sapi,
                                       lookup=lookup, clock=clock), settings.hosts))
        healthy = [h for h in seen if h.ok]
        halted = next((h.failure for h in seen if h.failure is not None
                       and h.failure.exit_code in _HALTING), None)
        not_run: list[tuple[str, str]] = []
        clock_job = key_job = None
        if halted is not None:
            why = (f"Binance answered HTTP {halted.status}, and nothing more is sent after "
                   "that")
            not_run += [("clock", why)] + ([("API key", why)] if key else [])
        elif not healthy:
            not_run += [("clock", "no host answered")] + \
                       ([("API key", "no host answered")] if key else [])
        else:
            first = healthy[0]
            say("Measuring the clock and checking the key")
            clock_job = pool.submit(
                clocks.check, client, first.url, product=first.product,
                samples=CLOCK_SAMPLES, recv_window=settings.recv_window,
                ntp_servers=settings.ntp_servers, ntp_query=ntp_query, clock=clock,
                platform=platform, deadline=deadline, timeout=hosts.STEP_CAP)
            if key is not None:
                key_job = pool.submit(
                    keycheck.check_with, key.creds, key.api_key,
                    _key_settings(settings, healthy, deadline.remaining()), client,
                    offline=key.offline, clock=clock, online=key.sendable,
                    extra=("trading_status",) if sapi else ())
        clock_report = key_report = trading = None
        if clock_job is not None:
            try:
                clock_report = clock_job.result()
            except NetworkFailure as failure:
                not_run.append(("clock", failure.message))
        if key_job is not None:
            key_report, probes = key_job.result()
            outcome = probes.extra.get("trading_status")
            if outcome is not None and outcome.ok:
                trading = findings.trading_check(outcome.body, clock.wall() * 1000)
    if key is None:
        not_run.append(("API key", f"no credentials: set {credential.ENV_API_KEY} and "
                                   f"{credential.ENV_SECRET}, or use a profile"))
    checks: list[Check] = [findings.host_check(h) for h in seen]
    checks += [c for h in seen for c in (findings.status_check(h), findings.limits_check(h))
               if c is not None]
    spent: dict[str, int] = {}
    for sent in log.sent:
        spent[sent.host] = spent.get(sent.host, 0) + sent.weight
    weight = findings.weight_check(seen, spent)
    checks += [weight] if weight else []
    checks += [findings.clock_check(clock_report)] if clock_report else []
    checks += [findings.key_check(key_report)] if key_report else []
    checks += [trading] if trading else []
    ordered = findings.ordered(checks)
    return DoctorReport(settings.network, ordered, tuple(seen), clock_report, key_report,
                        tuple(not_run), tuple(log.sent), findings.exit_code(ordered))
