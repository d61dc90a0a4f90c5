"""The read-only guard: the one list of requests a command may send, and its enforcement.

binance-doctor never changes account state. Every HTTP client a command gets
from `transport.make_client` carries `refuse_unlisted` as a request hook, so a
request whose (method, path) is not in `ALLOWED` raises `ReadOnlyViolation`
before a byte leaves the machine. A new capability that needs another GET adds
it here, with its documented request weight, and a test that drives it.

`RequestLog` also records the weight of each answered request, for the reports
that state what a run cost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from binance_doctor.failure import DoctorError, ExitCode

if TYPE_CHECKING:
    import httpx

READ_ONLY_METHOD = "GET"

# (method, path) -> the request weight Binance documents for it (IP weight, as
# counted in X-MBX-USED-WEIGHT-1M). Source: the endpoint pages of
# developers.binance.com (spot, derivatives USDⓈ-M and COIN-M, wallet).
ALLOWED: dict[tuple[str, str], int] = {
    # clock: server time of each product (clock, check-key)
    ("GET", "/api/v3/time"): 1,
    ("GET", "/fapi/v1/time"): 1,
    ("GET", "/dapi/v1/time"): 1,
    # doctor: reachability, system status, futures rate limits, trading restrictions
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/fapi/v1/ping"): 1,
    ("GET", "/dapi/v1/ping"): 1,
    ("GET", "/sapi/v1/system/status"): 1,
    ("GET", "/fapi/v1/exchangeInfo"): 1,
    ("GET", "/dapi/v1/exchangeInfo"): 1,
    ("GET", "/sapi/v1/account/apiTradingStatus"): 1,
    # check-key: the key's permissions and one signed read per product
    ("GET", "/sapi/v1/account/apiRestrictions"): 1,
    ("GET", "/api/v3/account"): 20,
    ("GET", "/fapi/v3/balance"): 5,
    ("GET", "/dapi/v1/balance"): 1,
    # check-order: a symbol's trading rules and the price they compare against
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/referencePrice"): 2,
    ("GET", "/api/v3/avgPrice"): 2,
    ("GET", "/fapi/v1/premiumIndex"): 1,       # (futures exchangeInfo: under doctor)
    ("GET", "/dapi/v1/premiumIndex"): 10,
    # check-order --account: balances, open-order counts, position mode, leverage, margin
    ("GET", "/api/v3/openOrders"): 6,
    ("GET", "/fapi/v1/positionSide/dual"): 30,
    ("GET", "/fapi/v1/symbolConfig"): 5,
    ("GET", "/fapi/v1/leverageBracket"): 1,
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("GET", "/fapi/v3/account"): 5,
    ("GET", "/fapi/v1/openOrders"): 1,
    ("GET", "/dapi/v1/positionSide/dual"): 30,
    ("GET", "/dapi/v2/leverageBracket"): 1,
    ("GET", "/dapi/v1/positionRisk"): 1,
    ("GET", "/dapi/v1/account"): 5,
    ("GET", "/dapi/v1/openOrders"): 1,
    # order-status: one order by id, the symbol's open orders (listed above), the
    # order's trades
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/myTrades"): 5,
    ("GET", "/fapi/v1/order"): 1,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("GET", "/dapi/v1/order"): 1,
    ("GET", "/dapi/v1/userTrades"): 20,
}


class ReadOnlyViolation(DoctorError):
    """A request outside the allowlist was about to be sent: a bug, never sent."""

    exit_code = ExitCode.INTERNAL


def allowed(method: str, path: str) -> bool:
    return (method.upper(), path) in ALLOWED


def weight(method: str, path: str) -> int:
    """The documented weight of an allowlisted request."""
    return ALLOWED[(method.upper(), path)]


def refuse_unlisted(request: httpx.Request) -> None:
    """httpx request hook: stop anything but an allowlisted request before it is sent."""
    path = request.url.path
    if not allowed(request.method, path):
        raise ReadOnlyViolation(f"refused to send {request.method} {path}: binance-doctor "
                                "only sends the read-only requests it lists")


def protect(client: httpx.Client) -> httpx.Client:
    """Install the guard on a client (once); returns the client."""
    hooks = client.event_hooks
    requests = hooks.get("request", [])
    if refuse_unlisted not in requests:
        client.event_hooks = {**hooks, "request": [*requests, refuse_unlisted]}
    return client


@dataclass(frozen=True)
class Sent:
    """One answered request and its documented weight."""

    method: str
    host: str
    path: str
    weight: int


class RequestLog:
    """httpx hooks: the guard, plus a record of the documented weight of each request that
    got an answer (a refused connection costs nothing)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def record(self, response: httpx.Response) -> None:
        request = response.request
        url = request.url
        with self._lock:
            self.sent.append(Sent(request.method, url.netloc.decode("ascii"), url.path,
                                  weight(request.method, url.path)))

    def install(self, client: httpx.Client) -> None:
        protect(client)
        hooks = client.event_hooks
        client.event_hooks = {**hooks, "response": [*hooks.get("response", []), self.record]}
