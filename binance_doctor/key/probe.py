"""check-key's read-only requests: where to ask, what is asked, and what came back.

Online and concurrent: the clock offset of every host first, so the
timestamps are corrected and -1021 cannot hide the real problem, then the
key's own permissions (/sapi/v1/account/apiRestrictions), the spot account
and one signed read on USDⓈ-M and COIN-M futures; only when the key is
rejected as unknown, the same key on the other network (testnet or mainnet).

Every request goes through the read-only guard (net/guard.py), which also
records its documented weight. Nothing is retried: after a 418, 429 or 451 no
further request is sent. Server messages are redacted before they are kept.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from binance_doctor import credential
from binance_doctor.clock import offset as clocks
from binance_doctor.failure import BadInput, ExitCode
from binance_doctor.net import guard, transport
from binance_doctor.net.transport import NetworkFailure
from binance_doctor.product import MAINNET_HOSTS, TESTNET_HOSTS
from binance_doctor.signature import signing

if TYPE_CHECKING:
    import httpx

READ_ONLY_METHOD = guard.READ_ONLY_METHOD
PRODUCTS = ("spot", "usdm", "coinm")
RECV_WINDOW_MS = 10_000
CLOCK_SAMPLES = 3
# A 451, 418 or 429 ends the run: nothing more is sent after one of them.
HALTING = (ExitCode.RESTRICTED, ExitCode.IP_BANNED, ExitCode.RATE_LIMITED)
_REQUEST_IP = re.compile(r"request ip:\s*([0-9A-Fa-f:.]+)")


# -- where to ask --------------------------------------------------------------

@dataclass(frozen=True)
class Network:
    """The three REST hosts of one Binance environment."""

    name: str          # "mainnet" or "testnet"
    spot: str          # /api and /sapi
    futures: str       # /fapi (USDⓈ-M)
    delivery: str      # /dapi (COIN-M)

    def url(self, host: str) -> str:
        return getattr(self, host)


MAINNET = Network("mainnet", *MAINNET_HOSTS.values())
TESTNET = Network("testnet", *TESTNET_HOSTS.values())
_TIME_PATHS = {"spot": "/api/v3/time", "futures": "/fapi/v1/time", "delivery": "/dapi/v1/time"}


@dataclass(frozen=True)
class Call:
    """One signed read: what it shows and which of a network's hosts serves it."""

    id: str
    title: str
    path: str
    host: str                                  # "spot", "futures" or "delivery"
    product: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def endpoint(self) -> str:
        return f"{READ_ONLY_METHOD} {self.path}"


CALLS = {
    "restrictions": Call("restrictions", "Key permissions", "/sapi/v1/account/apiRestrictions",
                         "spot", "spot"),
    "spot": Call("spot", "Spot account", "/api/v3/account", "spot", "spot",
                 (("omitZeroBalances", "true"),)),
    "usdm": Call("usdm", "USDⓈ-M futures", "/fapi/v3/balance", "futures", "usdm"),
    "coinm": Call("coinm", "COIN-M futures", "/dapi/v1/balance", "delivery", "coinm"),
    # not part of check-key; `run(..., extra=("trading_status",))` adds it (doctor)
    "trading_status": Call("trading_status", "API trading status",
                           "/sapi/v1/account/apiTradingStatus", "spot", "spot"),
}


@dataclass(frozen=True)
class Settings:
    network: Network                          # where the key is checked
    other: Network | None                     # probed only if `network` rejects the key
    products: tuple[str, ...] = PRODUCTS
    timeout: float = 15.0
    recv_window: int = RECV_WINDOW_MS
    samples: int = CLOCK_SAMPLES


def settings_for(testnet: bool, mainnet: Network, testnet_urls: Network,
                 products: tuple[str, ...] = PRODUCTS, timeout: float = 15.0) -> Settings:
    """Check one network and keep the other for the mix-up probe; URLs are validated."""
    def checked(n: Network) -> Network:
        return Network(n.name, *(transport.check_base_url(u)
                                 for u in (n.spot, n.futures, n.delivery)))

    main, test = checked(mainnet), checked(testnet_urls)
    if timeout <= 0:
        raise BadInput(f"--timeout must be positive, not {timeout:g}")
    ordered = tuple(p for p in PRODUCTS if p in products) or PRODUCTS
    return Settings(test if testnet else main, main if testnet else test, ordered, timeout)


def is_binance_us(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "binance.us" or host.endswith(".binance.us")


# -- what came back ---------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What one signed read came back with."""

    call: Call
    url: str
    http_status: int | None = None
    code: int | None = None
    message: str = ""
    body: Any = field(default=None, repr=False, compare=False)
    failure: NetworkFailure | None = field(default=None, compare=False)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and self.code is None and self.failure is None

    @property
    def request_ip(self) -> str | None:
        match = _REQUEST_IP.search(self.message)
        return match.group(1).rstrip(".") if match else None

    @property
    def unknown_key(self) -> bool:
        """Rejected the way Binance rejects a key it does not know."""
        return self.code == -2008 or (self.code == -2015 and self.request_ip is None)

    @property
    def known_key(self) -> bool:
        """Accepted, or rejected for a reason that shows the key exists here."""
        return self.ok or (self.code == -2015 and self.request_ip is not None) \
            or self.code in (-1022, -1021)


@dataclass(frozen=True)
class Phase:
    network: Network
    clocks: dict[str, clocks.OffsetEstimate | NetworkFailure]
    outcomes: dict[str, Outcome]


class Session:
    """Sends one network's requests; after a 451, 418 or 429 it sends nothing more."""

    def __init__(self, client: httpx.Client, creds: credential.Credentials, api_key: str,
                 settings: Settings, clock: clocks.Clock, deadline: transport.Deadline,
                 progress: Callable[[str], None] | None) -> None:
        self.client, self.creds, self.api_key = client, creds, api_key
        self.settings, self.clock, self.deadline = settings, clock, deadline
        self.progress = progress
        self.halt: NetworkFailure | None = None
        self._lock = threading.Lock()

    def _stop(self, failure: NetworkFailure) -> None:
        if failure.exit_code in HALTING:
            with self._lock:
                self.halt = self.halt or failure

    def _say(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def offset(self, url: str, host: str) -> clocks.OffsetEstimate | NetworkFailure:
        if self.halt:
            return self.halt
        self._say(f"Measuring the clock offset of {url}")
        try:
            return clocks.measure_offset(self.client, url, _TIME_PATHS[host],
                                         samples=self.settings.samples, clock=self.clock,
                                         deadline=self.deadline, timeout=5.0)
        except NetworkFailure as failure:
            self._stop(failure)
            return failure

    def signed(self, call: Call, base: str,
               estimate: clocks.OffsetEstimate | NetworkFailure) -> Outcome:
        if isinstance(estimate, NetworkFailure):
            return Outcome(call, base, skipped=f"not sent: the time request to {base} failed")
        if self.halt:
            return Outcome(call, base, skipped="not sent: Binance answered HTTP "
                           f"{self.halt.status} earlier, and nothing is sent after that")
        # Aim just behind Binance's clock: a timestamp 1 s ahead is refused outright,
        # one slightly behind is well inside the recvWindow.
        stamp = estimate.timestamp_ms(self.clock.wall()) - int(estimate.uncertainty_ms)
        params = [*call.params, ("recvWindow", str(self.settings.recv_window)),
                  ("timestamp", str(stamp))]
        url = f"{base}{call.path}?{signing.signed_query(self.creds.key, params)}"
        self._say(f"Asking {base}{call.path}")
        try:
            response = transport.get(self.client, url, timeout=self.deadline.timeout(5.0),
                                     headers={"X-MBX-APIKEY": self.api_key})
            if response.status_code == 200:
                return Outcome(call, base, 200, body=transport.json_body(response))
        except NetworkFailure as failure:
            self._stop(failure)
            return Outcome(call, base, failure.status, failure=failure,
                           message=self.creds.redact(failure.message))
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), int):
            return Outcome(call, base, response.status_code, body["code"],
                           self.creds.redact(str(body.get("msg", ""))))
        return Outcome(call, base, response.status_code,
                       message=self.creds.redact(response.text[:200]))

    def run(self, network: Network, calls: list[Call]) -> Phase:
        hosts: dict[str, str] = {}
        for c in calls:                  # one clock measurement per distinct host
            hosts.setdefault(network.url(c.host), c.host)
        def one(c: Call) -> Outcome:
            return self.signed(c, network.url(c.host), measured[network.url(c.host)])

        with ThreadPoolExecutor(max_workers=4) as pool:
            measured = dict(zip(hosts, pool.map(lambda u: self.offset(u, hosts[u]), hosts)))
            # The cheapest signed read goes alone first: if it meets a 418, 429 or 451,
            # nothing else is sent. The rest are independent and go together.
            outcomes = {calls[0].id: one(calls[0])} if calls else {}
            outcomes.update(zip((c.id for c in calls[1:]), pool.map(one, calls[1:])))
        return Phase(network, measured, outcomes)


# -- the run ---------------------------------------------------------------------

def _calls(network: Network, products: tuple[str, ...], *, probe: bool) -> list[Call]:
    sapi = network.name == "mainnet"            # the testnets have no /sapi
    if probe and sapi:
        return [CALLS["restrictions"]]          # weight 1 is enough to know the key
    ids = (["restrictions"] if sapi else []) + list(products)
    return [CALLS[i] for i in ids
            if not (i in ("usdm", "coinm") and is_binance_us(network.url(CALLS[i].host)))]


def rejected_as_unknown(phase: Phase) -> bool:
    """Every answer refused the key the way Binance refuses a key it does not know."""
    answered = [o for o in phase.outcomes.values() if o.skipped is None and o.failure is None]
    return bool(answered) and all(o.unknown_key for o in answered)


@dataclass(frozen=True)
class Probes:
    """Everything the online part of a check-key run saw."""

    primary: Phase | None                 # None when nothing was sent
    probe: Phase | None                   # the other network, when the key was unknown
    sent: tuple[guard.Sent, ...]
    extra: dict[str, Outcome] = field(default_factory=dict)   # `extra` calls, by id


def run(creds: credential.Credentials, api_key: str, settings: Settings,
        client: httpx.Client, *, clock: clocks.Clock = clocks.SYSTEM_CLOCK,
        progress: Callable[[str], None] | None = None, online: bool = True,
        extra: tuple[str, ...] = ()) -> Probes:
    """Send the read-only requests (none unless `online`) and keep what came back.

    `extra` names further CALLS sent on the checked network's spot host once the key is
    known there (with the clock offset already measured), e.g. "trading_status"."""
    log = guard.RequestLog()
    log.install(client)
    session = Session(client, creds, api_key, settings, clock,
                      transport.Deadline(settings.timeout, clock.mono), progress)
    primary = probe = None
    if online:
        primary = session.run(settings.network,
                              _calls(settings.network, settings.products, probe=False))
        if rejected_as_unknown(primary) and session.halt is None and settings.other:
            probe = session.run(settings.other,
                                _calls(settings.other, settings.products, probe=True))
    more: dict[str, Outcome] = {}
    if primary is not None and any(o.ok for o in primary.outcomes.values()):
        for cid in extra:
            call = CALLS[cid]
            base = settings.network.url(call.host)
            if base in primary.clocks:
                more[cid] = session.signed(call, base, primary.clocks[base])
    return Probes(primary, probe, tuple(log.sent), more)
