"""One product host checked from the bottom up: DNS, TCP, TLS, ping, time, limits.

Each step runs only if the one below it worked, and every step takes its time
from the run's one `Deadline`. The DNS lookup runs on a daemon thread that is
abandoned at the deadline, because the system resolver has no timeout of its
own: a resolver that never answers costs the time left, never more. HTTP goes
through the guarded client (net/guard.py) and net/transport, so a 451, a
CloudFront 403, a 418 ban, a 429 or a 5xx reads the same as in every command.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from binance_doctor.clock import offset as clocks
from binance_doctor.failure import ExitCode
from binance_doctor.net import transport
from binance_doctor.net.transport import NetworkFailure

if TYPE_CHECKING:
    import httpx

PING_PATHS = {"spot": "/api/v3/ping", "usdm": "/fapi/v1/ping", "coinm": "/dapi/v1/ping"}
EXCHANGE_INFO_PATHS = {"usdm": "/fapi/v1/exchangeInfo", "coinm": "/dapi/v1/exchangeInfo"}
SYSTEM_STATUS_PATH = "/sapi/v1/system/status"
# Spot's REQUEST_WEIGHT limit per minute and IP (spot API docs, "LIMITS"); the futures
# limits are read from exchangeInfo instead.
SPOT_WEIGHT_LIMIT = 6000
USED_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M"
STEP_CAP = 5.0                 # seconds any one step may take, within the deadline

Lookup = Callable[..., Any]     # socket.getaddrinfo's signature


@dataclass(frozen=True)
class RateLimit:
    kind: str                  # REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
    interval: str              # "1 MINUTE", "10 SECOND"
    limit: int


@dataclass(frozen=True)
class HostReport:
    """What one host answered, step by step; `failure` names the step that stopped it."""

    product: str               # spot, usdm, coinm
    url: str
    addresses: tuple[str, ...] = ()
    dns_ms: float | None = None
    tcp_ms: float | None = None
    tls_ms: float | None = None
    ping_ms: float | None = None
    offset: clocks.OffsetEstimate | None = None
    failed_step: str | None = None        # dns, tcp, tls, ping, time
    failure: NetworkFailure | None = None
    used_weight: int | None = None        # X-MBX-USED-WEIGHT-1M on the last answer
    weight_limit: int | None = None       # REQUEST_WEIGHT per minute
    limits: tuple[RateLimit, ...] = ()    # futures: from exchangeInfo
    system_status: tuple[int, str] | None = None   # spot on mainnet: (0, "normal")
    notes: tuple[str, ...] = ()           # what could not be read, and why

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def ok(self) -> bool:
        return self.failure is None


def resolve(host: str, port: int, deadline: transport.Deadline,
            lookup: Lookup | None = None) -> tuple[str, ...]:
    """The host's addresses, or NetworkFailure when the lookup fails or outlasts the
    deadline (the lookup thread is then left behind; it holds nothing)."""
    lookup = lookup or socket.getaddrinfo
    wait = deadline.timeout(STEP_CAP)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["answer"] = lookup(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"dns {host}", daemon=True)
    worker.start()
    worker.join(wait)
    if worker.is_alive():
        raise NetworkFailure(f"DNS lookup of {host} got no answer in {wait:.1f} s",
                             "this machine's resolver does not answer: check "
                             "/etc/resolv.conf, a VPN or a corporate DNS that drops the "
                             "query", ExitCode.UNREACHABLE)
    if "error" in box:
        raise NetworkFailure(f"DNS lookup of {host} failed: {box['error']}",
                             "check the host name and this machine's DNS resolver "
                             "(/etc/resolv.conf, a VPN, a corporate DNS that blocks it)",
                             ExitCode.UNREACHABLE)
    return tuple(dict.fromkeys(info[4][0] for info in box["answer"]))


def _connect(url: str, address: str, deadline: transport.Deadline
             ) -> tuple[float, float | None]:
    """TCP connect time and, for https, TLS handshake time (ms); the socket is closed."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    start = time.monotonic()
    try:
        sock = socket.create_connection((address, port), timeout=deadline.timeout(STEP_CAP))
    except OSError as exc:
        raise transport.network_failure(exc, url) from None
    tcp_ms = (time.monotonic() - start) * 1000
    with sock:
        if parts.scheme != "https":
            return tcp_ms, None
        start = time.monotonic()
        try:
            sock.settimeout(deadline.timeout(STEP_CAP))
            context = ssl.create_default_context()
            with context.wrap_socket(sock, server_hostname=parts.hostname):
                pass
        except OSError as exc:                  # ssl.SSLError is an OSError
            raise transport.network_failure(exc, url) from None
        return tcp_ms, (time.monotonic() - start) * 1000


def _used_weight(response: httpx.Response) -> int | None:
    value = response.headers.get(USED_WEIGHT_HEADER, "")
    return int(value) if value.isdigit() else None


def _rate_limits(body: Any) -> tuple[RateLimit, ...]:
    out = []
    for item in body.get("rateLimits", []) if isinstance(body, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("limit"), int):
            out.append(RateLimit(str(item.get("rateLimitType")),
                                 f"{item.get('intervalNum')} {item.get('interval')}",
                                 item["limit"]))
    return tuple(out)


class _Steps:
    """The answers gathered so far for one host; `stop` ends the walk."""

    def __init__(self, product: str, url: str) -> None:
        self.fields: dict[str, Any] = {"product": product, "url": url}
        self.notes: list[str] = []

    def report(self, step: str | None = None,
               failure: NetworkFailure | None = None) -> HostReport:
        return HostReport(**self.fields, failed_step=step, failure=failure,
                          notes=tuple(self.notes))

    def answered(self, response: httpx.Response) -> None:
        used = _used_weight(response)
        if used is not None:
            self.fields["used_weight"] = used


def check_host(client: httpx.Client, product: str, url: str, deadline: transport.Deadline,
               *, sapi: bool, lookup: Lookup | None = None,
               clock: clocks.Clock = clocks.SYSTEM_CLOCK) -> HostReport:
    """DNS, TCP+TLS, ping, one time sample, then system status (spot with /sapi) or the
    exchangeInfo rate limits (futures). Weight: 2, plus 1 for status or exchangeInfo."""
    steps = _Steps(product, url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        start = time.monotonic()
        addresses = resolve(host, parts.port or 443, deadline, lookup)
        steps.fields.update(addresses=addresses, dns_ms=(time.monotonic() - start) * 1000)
    except NetworkFailure as failure:
        return steps.report("dns", failure)
    try:
        tcp_ms, tls_ms = _connect(url, addresses[0], deadline)
        steps.fields.update(tcp_ms=tcp_ms, tls_ms=tls_ms)
    except NetworkFailure as failure:
        return steps.report("tls" if failure.exit_code is ExitCode.TLS else "tcp", failure)
    try:
        start = time.monotonic()
        response = transport.get(client, url + PING_PATHS[product],
                                 timeout=deadline.timeout(STEP_CAP))
        steps.fields["ping_ms"] = (time.monotonic() - start) * 1000
        steps.answered(response)
        if response.status_code != 200:           # the time request below decides
            steps.notes.append(f"{PING_PATHS[product]} answered HTTP {response.status_code}")
    except NetworkFailure as failure:
        return steps.report("ping", failure)
    try:
        steps.fields["offset"] = clocks.measure_offset(
            client, url, clocks.TIME_PATHS[product], 1, clock=clock, deadline=deadline,
            timeout=STEP_CAP)
    except NetworkFailure as failure:
        return steps.report("time", failure)
    if product == "spot":
        steps.fields["weight_limit"] = SPOT_WEIGHT_LIMIT
        if sapi:
            _system_status(client, url, deadline, steps)
    else:
        _exchange_info(client, product, url, deadline, steps)
    return steps.report()


def _system_status(client: httpx.Client, url: str, deadline: transport.Deadline,
                   steps: _Steps) -> None:
    try:
        response = transport.get(client, url + SYSTEM_STATUS_PATH,
                                 timeout=deadline.timeout(STEP_CAP))
        steps.answered(response)
        body = transport.json_body(response)
    except NetworkFailure as failure:
        steps.notes.append(f"system status not read: {failure.message}")
        return
    if response.status_code == 200 and isinstance(body, dict) \
            and isinstance(body.get("status"), int):
        steps.fields["system_status"] = (body["status"], str(body.get("msg", "")))
    else:
        steps.notes.append(f"system status not read: HTTP {response.status_code}")


def _exchange_info(client: httpx.Client, product: str, url: str,
                   deadline: transport.Deadline, steps: _Steps) -> None:
    try:
        response = transport.get(client, url + EXCHANGE_INFO_PATHS[product],
                                 timeout=deadline.timeout(STEP_CAP))
        steps.answered(response)
        limits = _rate_limits(transport.json_body(response))
    except NetworkFailure as failure:
        steps.notes.append(f"rate limits not read: {failure.message}")
        return
    steps.fields["limits"] = limits
    weight = [r.limit for r in limits if r.kind == "REQUEST_WEIGHT" and r.interval == "1 MINUTE"]
    if weight:
        steps.fields["weight_limit"] = weight[0]
