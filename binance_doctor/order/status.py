"""order-status: was an order placed? Asked read-only, after an unknown execution status.

Owns the questions (the product's server time, then the order by client order id or
order id, the open orders of the symbol, and the order's trades when its id is
known) and the verdict drawn from the answers: filled, partially filled, open,
cancelled, expired or rejected; not found, so a resend with the SAME client order id
is safe (an open order with that id refuses a second one with "Duplicate order
sent."); or still unknown (the query itself met a 5xx, -1006, -1007, a timeout or a
rate limit), ask again in N seconds. Only GETs on the read-only allowlist
(net/guard.py) are sent; nothing is retried. I/O comes in: the HTTP client, the
signing credentials and the clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from binance_doctor.failure import BadInput, DoctorError, ExitCode
from binance_doctor.product import Product

if TYPE_CHECKING:
    import httpx

    from binance_doctor.credential import Credentials


@dataclass(frozen=True)
class Endpoints:
    """A product's read-only endpoints for one order (weights: developers.binance.com,
    spot account endpoints; USDⓈ-M and COIN-M trade endpoints)."""

    time: str
    order: str
    open_orders: str
    trades: str
    gone: str          # which orders Binance stops returning (its own words, summarised)


ENDPOINTS = {
    Product.SPOT: Endpoints("/api/v3/time", "/api/v3/order", "/api/v3/openOrders",
                            "/api/v3/myTrades",
                            "spot stops returning cancelled or expired orders that had no "
                            "fills once they are 90 days old"),
    Product.USDM: Endpoints("/fapi/v1/time", "/fapi/v1/order", "/fapi/v1/openOrders",
                            "/fapi/v1/userTrades",
                            "USDⓈ-M stops returning cancelled or expired orders that had "
                            "no fills 3 days after they were created"),
    Product.COINM: Endpoints("/dapi/v1/time", "/dapi/v1/order", "/dapi/v1/openOrders",
                             "/dapi/v1/userTrades",
                             "COIN-M stops returning cancelled or expired orders that had "
                             "no fills 3 days after they were created"),
}
ASK_AGAIN = 5.0            # seconds, when nothing says how long
_NOT_FOUND = -2013
_UNKNOWN_CODES = frozenset({-1000, -1001, -1006, -1007, -1008, -1003, -1015})
_STATES = {"FILLED": "filled", "PARTIALLY_FILLED": "partially_filled", "NEW": "open",
           "PENDING_NEW": "open", "CANCELED": "cancelled", "PENDING_CANCEL": "cancelled",
           "EXPIRED": "expired", "EXPIRED_IN_MATCH": "expired", "REJECTED": "rejected"}


@dataclass(frozen=True)
class Asked:
    """One request sent and what it answered, in words."""

    path: str
    answer: str


@dataclass(frozen=True)
class Verdict:
    state: str          # filled/partially_filled/open/cancelled/expired/rejected/not_found/unknown
    product: Product
    symbol: str
    client_order_id: str | None
    order_id: int | None
    order: dict | None = None
    trades: tuple[dict, ...] = ()
    ask_again: float | None = None          # seconds, for "unknown"
    reason: str = ""                        # why unknown, or what not_found rests on
    asked: tuple[Asked, ...] = field(default=())

    @property
    def exit_code(self) -> ExitCode:
        if self.state == "unknown":
            return ExitCode.ORDER_STATUS_UNKNOWN
        if self.state == "not_found":
            return ExitCode.ORDER_NOT_FOUND
        return ExitCode.OK

    @property
    def placed(self) -> bool | None:
        """True: Binance has the order; False: it does not; None: not yet known."""
        return None if self.state == "unknown" else self.state != "not_found"


class _Unknown(Exception):
    def __init__(self, reason: str, wait: float | None) -> None:
        self.reason, self.wait = reason, wait


def check(client: httpx.Client, creds: Credentials, base_url: str, product: Product,
          symbol: str, *, client_order_id: str | None = None, order_id: int | None = None,
          recv_window: int = 5000, clock: Callable[[], float] = time.time) -> Verdict:
    """The verdict on one order. Raises NetworkFailure/DoctorError for what ends the check
    (a ban, a restricted location, a rejected key); a transient failure is a verdict."""
    if product not in ENDPOINTS:
        raise BadInput(f"order-status covers spot, usdm and coinm, not {product.value}")
    if (client_order_id is None) == (order_id is None):
        raise BadInput("give exactly one of --client-order-id or --order-id")
    symbol = symbol.strip().upper()
    ends = ENDPOINTS[product]
    asked: list[Asked] = []
    ask = _Asker(client, creds, base_url.rstrip("/"), recv_window, clock, asked)

    def verdict(state: str, **found: Any) -> Verdict:
        return Verdict(state, product, symbol, client_order_id, order_id,
                       asked=tuple(asked), **found)

    try:
        ask.sync(ends.time)
        key = {"origClientOrderId": client_order_id} if client_order_id else {
            "orderId": str(order_id)}
        order = ask.signed(ends.order, {"symbol": symbol, **key})
        if order is not None:
            trades = ()
            if order.get("orderId") is not None and float(order.get("executedQty") or 0):
                found = ask.signed(ends.trades, {"symbol": symbol,
                                                 "orderId": str(order["orderId"])})
                trades = tuple(found or ())
            state = _STATES.get(str(order.get("status")), "open")
            return verdict(state, order=order, trades=trades)
        listed = ask.signed(ends.open_orders, {"symbol": symbol}) or []
        mine = [o for o in listed if (client_order_id and o.get("clientOrderId") ==
                                      client_order_id) or (order_id is not None and
                                                           o.get("orderId") == order_id)]
        if mine:
            return verdict("open", order=mine[0], reason="listed among the open orders")
        if order_id is not None:
            trades = tuple(ask.signed(ends.trades, {"symbol": symbol,
                                                    "orderId": str(order_id)}) or ())
            if trades:
                return verdict("filled", trades=trades,
                               reason="the order is not returned, but it has trades")
    except _Unknown as u:
        return verdict("unknown", ask_again=u.wait or ASK_AGAIN, reason=u.reason)
    return verdict("not_found", reason="Binance answers \"Order does not exist.\" and it is "
                                       f"not among the open orders. Note: {ends.gone}.")


class _Asker:
    """Signed GETs through the guarded client; answers become data or `_Unknown`."""

    def __init__(self, client: httpx.Client, creds: Credentials, base: str,
                 recv_window: int, clock: Callable[[], float], asked: list[Asked]) -> None:
        self.client, self.creds, self.base = client, creds, base
        self.recv_window, self.clock, self.asked = recv_window, clock, asked
        self.offset_ms = 0.0

    def sync(self, path: str) -> None:
        before = self.clock()
        answer = self._json(self._get(path, None))
        after = self.clock()
        server = answer.get("serverTime") if isinstance(answer, dict) else None
        if isinstance(server, int):
            self.offset_ms = server - (before + after) / 2 * 1000
        self.asked.append(Asked(path, f"server time (offset {self.offset_ms:+.0f} ms)"))

    def signed(self, path: str, params: dict[str, str]) -> Any:
        """The decoded answer, or None when Binance says the order does not exist."""
        from binance_doctor.signature import signing

        pairs = [*params.items(), ("recvWindow", str(self.recv_window)),
                 ("timestamp", str(int(self.clock() * 1000 + self.offset_ms)))]
        response = self._get(path, signing.signed_query(self.creds.key, pairs))
        if response.is_success:
            answer = self._json(response)
            self.asked.append(Asked(path, _summary(answer)))
            return answer
        body = self._json(response) if response.content[:1] == b"{" else {}
        code = body.get("code") if isinstance(body, dict) else None
        msg = body.get("msg") if isinstance(body, dict) else None
        self.asked.append(Asked(path, f"HTTP {response.status_code} {code} {msg}"))
        if code == _NOT_FOUND:
            return None
        if code in _UNKNOWN_CODES or response.status_code in (408, 409):
            raise _Unknown(f"{path} answered {code}: {msg}", None)
        from binance_doctor.output.mask import mask

        raise DoctorError(f"{path} answered {code}: {mask(str(msg))}",
                          hint=f"binance-doctor explain {code}" + (
                              "; binance-doctor check-key tests the key" if code in
                              (-2015, -2014, -2008, -1022) else ""),
                          exit_code=ExitCode.KEY_PROBLEM if code in (-2015, -2014, -2008)
                          else ExitCode.BAD_INPUT)

    def _get(self, path: str, query: str | None) -> httpx.Response:
        from binance_doctor.net import transport

        url = f"{self.base}{path}" + (f"?{query}" if query else "")
        headers = {"X-MBX-APIKEY": self.creds.api_key or ""}
        try:
            return transport.get(self.client, url, headers=headers)
        except transport.NetworkFailure as failure:
            if failure.exit_code in (ExitCode.SERVER_ERROR, ExitCode.TIMEOUT,
                                     ExitCode.RATE_LIMITED):
                self.asked.append(Asked(path, failure.message))
                raise _Unknown(failure.message, failure.retry_after) from None
            raise

    def _json(self, response: httpx.Response) -> Any:
        from binance_doctor.net import transport

        try:
            return transport.json_body(response)
        except transport.NetworkFailure as failure:
            raise _Unknown(failure.message, None) from None


def _summary(answer: Any) -> str:
    if isinstance(answer, dict):
        return f"order {answer.get('orderId')} {answer.get('status')}"
    if isinstance(answer, list):
        return f"{len(answer)} listed"
    return "answered"
