"""Order endpoints for the loopback Binance (tests/fake/server.py), signed like account.py.

`FakeOrders(server, keys)` registers, per product (spot /api/v3, USDⓈ-M /fapi/v1,
COIN-M /dapi/v1):

- POST order (place), GET order (query by orderId or origClientOrderId), DELETE order,
- GET openOrders, GET myTrades (spot) / userTrades (futures),

checking every request with `FakeAccounts.authenticate` (key, IP, timestamp,
recvWindow, signature). `orders` is the exchange's own record: tests assert on it
("one order, never two"). What it can be told to do:

- `lose_answer("bad_gateway" | "drop", times=1)`: accept the order, record it, and
  lose the answer (a 502 HTML page, or a connection closed without a reply);
- `reject_unknown(code=-1007, times=1)`: answer -1007 (or -1006) WITHOUT accepting;
- `balance`: quote asset available; an order costing more is refused with -2010;
- a newClientOrderId already used by an open order is refused with -2010
  "Duplicate order sent." (Binance's spot matching engine message).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fake.account import FakeAccounts, FakeKey
from fake.server import FakeBinance, Reply, Request, binance_error, reply_json

PRODUCTS = {"/api/v3": "myTrades", "/fapi/v1": "userTrades", "/dapi/v1": "userTrades"}
BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
NO_ORDER = "Order does not exist."
UNKNOWN_MESSAGES = {
    -1006: "An unexpected response was received from the message bus. Execution status "
           "unknown.",
    -1007: "Timeout waiting for response from backend server. Send status unknown; "
           "execution status unknown.",
}


@dataclass
class FakeOrder:
    symbol: str
    orderId: int
    clientOrderId: str
    side: str
    type: str
    origQty: str
    price: str
    status: str
    time: int
    prefix: str
    api_key: str

    def json(self) -> dict:
        filled = self.origQty if self.status == "FILLED" else "0"
        return {"symbol": self.symbol, "orderId": self.orderId,
                "clientOrderId": self.clientOrderId, "price": self.price,
                "origQty": self.origQty, "executedQty": filled, "status": self.status,
                "type": self.type, "side": self.side, "time": self.time,
                "updateTime": self.time}


@dataclass
class _Scenario:
    lose: list[str] = field(default_factory=list)        # "bad_gateway" / "drop", in turn
    unknown: list[int] = field(default_factory=list)     # -1006 / -1007, in turn


class FakeOrders:
    """Orders on one FakeBinance, checked with the keys of `accounts` (made if absent)."""

    def __init__(self, server: FakeBinance, keys: list[FakeKey] | None = None, *,
                 accounts: FakeAccounts | None = None, balance: float = 1_000_000.0) -> None:
        self.server = server
        self.accounts = accounts or FakeAccounts(server, keys or [])
        self.orders: list[FakeOrder] = []
        self.balance = balance
        self._scenario = _Scenario()
        self._lock = threading.Lock()
        for prefix, trades in PRODUCTS.items():
            for method in ("POST", "GET", "DELETE"):
                server.route(method, f"{prefix}/order", self._order)
            server.route("GET", f"{prefix}/openOrders", self._open)
            server.route("GET", f"{prefix}/{trades}", self._trades)

    # -- scenarios ------------------------------------------------------------

    def lose_answer(self, kind: str = "bad_gateway", times: int = 1) -> None:
        assert kind in ("bad_gateway", "drop")
        self._scenario.lose += [kind] * times

    def reject_unknown(self, code: int = -1007, times: int = 1) -> None:
        assert code in UNKNOWN_MESSAGES
        self._scenario.unknown += [code] * times

    def placed(self, client_order_id: str | None = None) -> list[FakeOrder]:
        """The exchange's own record, optionally of one client order id."""
        with self._lock:
            return [o for o in self.orders
                    if client_order_id is None or o.clientOrderId == client_order_id]

    def add(self, symbol: str, client_order_id: str, status: str = "NEW",
            prefix: str = "/api/v3", api_key: str = "") -> FakeOrder:
        """Put an order on the book directly, as if placed earlier."""
        with self._lock:
            order = FakeOrder(symbol, 1000 + len(self.orders), client_order_id, "BUY",
                              "LIMIT", "0.01000000", "20000.00", status,
                              self.server.now_ms(), prefix, api_key)
            self.orders.append(order)
            return order

    # -- endpoints ------------------------------------------------------------

    def _prefix(self, req: Request) -> str:
        return req.path.rsplit("/", 1)[0]

    def _order(self, req: Request, srv: FakeBinance) -> Reply:
        key = self.accounts.authenticate(req)
        if isinstance(key, Reply):
            return key
        if req.method == "POST":
            return self._place(req, key, srv)
        symbol = req.param("symbol")
        if not symbol:
            return binance_error(400, -1102, "Mandatory parameter 'symbol' was not sent, "
                                 "was empty/null, or malformed.")
        order = self._find(req, key)
        if order is None:
            return binance_error(400, -2013 if req.method == "GET" else -2011,
                                 NO_ORDER if req.method == "GET" else "Unknown order sent.")
        if req.method == "DELETE":
            if order.status != "NEW":
                return binance_error(400, -2011, "Unknown order sent.")
            order.status = "CANCELED"
        return reply_json(order.json())

    def _find(self, req: Request, key: FakeKey) -> FakeOrder | None:
        by_id, by_client = req.param("orderId"), req.param("origClientOrderId")
        with self._lock:
            for o in self.orders:
                if o.api_key != key.api_key or o.symbol != req.param("symbol") or \
                        o.prefix != self._prefix(req):
                    continue
                if (by_id and str(o.orderId) == by_id) or (by_client and
                                                           o.clientOrderId == by_client):
                    return o
        return None

    def _place(self, req: Request, key: FakeKey, srv: FakeBinance) -> Reply:
        with self._lock:
            if self._scenario.unknown:
                code = self._scenario.unknown.pop(0)
                return binance_error(500 if code == -1006 else 408, code,
                                     UNKNOWN_MESSAGES[code])
            symbol, side, kind = req.param("symbol"), req.param("side"), req.param("type")
            qty, price = req.param("quantity") or "0", req.param("price") or "20000"
            if not symbol or not side or not kind:
                return binance_error(400, -1102, "Mandatory parameter 'symbol' was not "
                                     "sent, was empty/null, or malformed.")
            client_id = req.param("newClientOrderId") or f"x-fake-{len(self.orders)}"
            prefix = self._prefix(req)
            if any(o.clientOrderId == client_id and o.status == "NEW" and o.prefix == prefix
                   and o.api_key == key.api_key for o in self.orders):
                return binance_error(400, -2010, "Duplicate order sent.")
            if float(qty) * float(price) > self.balance:
                return binance_error(400, -2010, "Account has insufficient balance for "
                                     "requested action.")
            order = FakeOrder(symbol, 1000 + len(self.orders), client_id, side, kind, qty,
                              price, "FILLED" if kind == "MARKET" else "NEW", srv.now_ms(),
                              prefix, key.api_key)
            self.orders.append(order)
            lost = self._scenario.lose.pop(0) if self._scenario.lose else None
        if lost == "drop":
            return Reply(drop=True)
        if lost == "bad_gateway":
            return Reply(502, BAD_GATEWAY)
        return reply_json(order.json())

    def _open(self, req: Request, srv: FakeBinance) -> Reply:
        key = self.accounts.authenticate(req)
        if isinstance(key, Reply):
            return key
        symbol = req.param("symbol")
        with self._lock:
            found = [o.json() for o in self.orders
                     if o.status == "NEW" and o.api_key == key.api_key
                     and o.prefix == self._prefix(req) and (not symbol or o.symbol == symbol)]
        return reply_json(found)

    def _trades(self, req: Request, srv: FakeBinance) -> Reply:
        key = self.accounts.authenticate(req)
        if isinstance(key, Reply):
            return key
        with self._lock:
            trades = [{"symbol": o.symbol, "id": 5000 + i, "orderId": o.orderId,
                       "price": o.price, "qty": o.origQty, "time": o.time,
                       "isBuyer": o.side == "BUY"}
                      for i, o in enumerate(self.orders)
                      if o.status == "FILLED" and o.api_key == key.api_key
                      and o.prefix == self._prefix(req) and o.symbol == req.param("symbol")]
        return reply_json(trades)
