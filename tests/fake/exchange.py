"""Public market-data endpoints for the loopback Binance (tests/fake/server.py): exchangeInfo
and the prices the filters compare against, for check-order.

`FakeExchange(server)` registers, through `server.route()`:

- GET /api/v3/exchangeInfo (?symbol= narrows; an unknown symbol is -1121 "Invalid symbol."),
- GET /api/v3/referencePrice (a price, a null referencePrice, or -2043 when the symbol
  never had one), GET /api/v3/avgPrice,
- GET /fapi/v1/exchangeInfo, /fapi/v1/premiumIndex (an object),
- GET /dapi/v1/exchangeInfo, /dapi/v1/premiumIndex (a list, as COIN-M answers).

The exchangeInfo answers are the test fixtures in tests/fixtures/order/ (written from the
documented examples, with the awkward cases: stepSize "1.00000000", tickSize
"0.00000010", a minQty that is not a multiple of the step, asymmetric
PERCENT_PRICE_BY_SIDE, NOTIONAL with applyMinToMarket false, MARKET_LOT_SIZE all zeros).
"""

from __future__ import annotations

import json
from pathlib import Path

from fake.server import FakeBinance, Reply, Request, binance_error, reply_json

FIXTURES = Path(__file__).parent.parent / "fixtures" / "order"
NULL = object()          # referencePrice answered as null
NEVER = object()         # the symbol never had a reference price: -2043


class FakeExchange:
    """Market data per product; change `reference`, `average`, `mark` between requests."""

    def __init__(self, server: FakeBinance) -> None:
        self.info = {p: json.loads((FIXTURES / f"{p}.json").read_text())
                     for p in ("spot", "usdm", "coinm")}
        self.reference: dict[str, object] = {}      # symbol -> "price", NULL or NEVER
        self.average: dict[str, str] = {}
        self.mark: dict[str, str] = {}
        routes = {"/api/v3/exchangeInfo": self._spot_info,
                  "/fapi/v1/exchangeInfo": self._futures_info("usdm"),
                  "/dapi/v1/exchangeInfo": self._futures_info("coinm"),
                  "/api/v3/referencePrice": self._reference,
                  "/api/v3/avgPrice": self._average,
                  "/fapi/v1/premiumIndex": self._premium(False),
                  "/dapi/v1/premiumIndex": self._premium(True)}
        for path, handler in routes.items():
            server.route("GET", path, handler)

    def _symbols(self, product: str) -> dict[str, dict]:
        return {s["symbol"]: s for s in self.info[product]["symbols"]}

    def _spot_info(self, req: Request, srv: FakeBinance) -> Reply:
        symbol = req.param("symbol")
        if symbol is None:
            return reply_json(self.info["spot"])
        entry = self._symbols("spot").get(symbol)
        if entry is None:
            return binance_error(400, -1121, "Invalid symbol.")
        return reply_json({**self.info["spot"], "symbols": [entry]})

    def _futures_info(self, product: str):
        def handle(req: Request, srv: FakeBinance) -> Reply:
            return reply_json(self.info[product])
        return handle

    def _known(self, req: Request, product: str) -> str | Reply:
        symbol = req.param("symbol")
        if not symbol:
            return binance_error(400, -1102, "Mandatory parameter 'symbol' was not sent, "
                                 "was empty/null, or malformed.")
        if symbol not in self._symbols(product):
            return binance_error(400, -1121, "Invalid symbol.")
        return symbol

    def _reference(self, req: Request, srv: FakeBinance) -> Reply:
        symbol = self._known(req, "spot")
        if isinstance(symbol, Reply):
            return symbol
        value = self.reference.get(symbol, NEVER)
        if value is NEVER:
            return binance_error(400, -2043, "This symbol doesn't have a reference price.")
        return reply_json({"symbol": symbol,
                           "referencePrice": None if value is NULL else value,
                           "timestamp": srv.now_ms()})

    def _average(self, req: Request, srv: FakeBinance) -> Reply:
        symbol = self._known(req, "spot")
        if isinstance(symbol, Reply):
            return symbol
        return reply_json({"mins": 5, "price": self.average.get(symbol, "1.00000000"),
                           "closeTime": srv.now_ms()})

    def _premium(self, coinm: bool):
        product = "coinm" if coinm else "usdm"

        def handle(req: Request, srv: FakeBinance) -> Reply:
            symbol = self._known(req, product)
            if isinstance(symbol, Reply):
                return symbol
            body = {"symbol": symbol, "markPrice": self.mark.get(symbol, "1.00000000"),
                    "indexPrice": self.mark.get(symbol, "1.00000000"),
                    "lastFundingRate": "0.00010000", "time": srv.now_ms()}
            if coinm:
                return reply_json([{**body, "pair": symbol.split("_")[0]}])
            return reply_json(body)
        return handle


class FakeOrderAccount:
    """Account state behind check-order's `--account` rules, on the signed endpoints of the
    loopback Binance. Requests are authenticated by `accounts` (fake/account.py: key,
    IP, timestamp, signature, permissions), so a key without futures access gets -2015."""

    SPOT = ("/api/v3/openOrders",)
    USDM = ("/fapi/v1/positionSide/dual", "/fapi/v1/symbolConfig", "/fapi/v1/leverageBracket",
            "/fapi/v3/positionRisk", "/fapi/v3/account", "/fapi/v1/openOrders")
    COINM = ("/dapi/v1/positionSide/dual", "/dapi/v2/leverageBracket",
             "/dapi/v1/positionRisk", "/dapi/v1/account", "/dapi/v1/openOrders")

    def __init__(self, server: FakeBinance, accounts) -> None:
        self.accounts = accounts
        self.balances = {"USDT": "100.00000000", "BTC": "0.01000000"}
        self.taker = "0.00100000"
        self.open_orders: list[dict] = []
        self.hedge = False
        self.leverage = 20
        self.brackets = [{"bracket": 1, "initialLeverage": 125, "notionalCap": 50000,
                          "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0},
                         {"bracket": 2, "initialLeverage": 20, "notionalCap": 600000,
                          "notionalFloor": 50000, "maintMarginRatio": 0.005, "cum": 50.0},
                         {"bracket": 3, "initialLeverage": 10, "notionalCap": 3000000,
                          "notionalFloor": 600000, "maintMarginRatio": 0.01, "cum": 3050.0}]
        self.positions: list[dict] = []
        self.available = "1000.00000000"
        server.route("GET", "/api/v3/account", self._spot_account)
        # COIN-M: caps in the base coin; positions carry the leverage and notionalValue
        self.coin_brackets = [{"bracket": 1, "initialLeverage": 125, "qtyCap": 50,
                               "qtylFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0},
                              {"bracket": 2, "initialLeverage": 50, "qtyCap": 200,
                               "qtylFloor": 50, "maintMarginRatio": 0.005, "cum": 0.05}]
        self.coin_available = {"BTC": "1.00000000"}
        for path in self.SPOT + self.USDM + self.COINM:
            server.route("GET", path, self._handle)

    def _auth(self, req: Request) -> Reply | None:
        key = self.accounts.authenticate(req)
        if isinstance(key, Reply):
            return key
        perms = key.permissions()
        if req.path.startswith(("/fapi", "/dapi")) and not perms["enableFutures"]:
            return binance_error(401, -2015, "Invalid API-key, IP, or permissions for action, "
                                 f"request ip: {req.client}")
        return None

    def _spot_account(self, req: Request, srv: FakeBinance) -> Reply:
        refused = self._auth(req)
        if refused is not None:
            return refused
        return reply_json({"canTrade": True, "accountType": "SPOT",
                           "commissionRates": {"maker": "0.00100000", "taker": self.taker,
                                               "buyer": "0.00000000", "seller": "0.00000000"},
                           "balances": [{"asset": a, "free": v, "locked": "0.00000000"}
                                        for a, v in self.balances.items()],
                           "updateTime": srv.now_ms()})

    def _handle(self, req: Request, srv: FakeBinance) -> Reply:
        refused = self._auth(req)
        if refused is not None:
            return refused
        symbol = req.param("symbol")
        if req.path.endswith("/openOrders"):
            return reply_json([o for o in self.open_orders if o.get("symbol") == symbol])
        if req.path.endswith("/positionSide/dual"):
            return reply_json({"dualSidePosition": self.hedge})
        if req.path.endswith("/symbolConfig"):
            return reply_json([{"symbol": symbol, "marginType": "CROSSED",
                                "isAutoAddMargin": False, "leverage": self.leverage,
                                "maxNotionalValue": "600000"}])
        if req.path == "/dapi/v2/leverageBracket":
            return reply_json([{"symbol": symbol, "brackets": self.coin_brackets}])
        if req.path.endswith("/leverageBracket"):
            return reply_json([{"symbol": symbol, "notionalCoef": 1.0,
                                "brackets": self.brackets}])
        if req.path == "/dapi/v1/positionRisk":      # by pair; every symbol of it is listed
            pair = req.param("pair") or ""
            return reply_json([p for p in self.positions
                               if str(p.get("symbol", "")).startswith(pair)])
        if req.path.endswith("/positionRisk"):
            return reply_json([p for p in self.positions if p.get("symbol") == symbol])
        if req.path == "/dapi/v1/account":
            return reply_json({"assets": [{"asset": a, "availableBalance": v, "walletBalance": v}
                                          for a, v in self.coin_available.items()],
                               "positions": []})
        return reply_json({"totalWalletBalance": self.available,
                           "availableBalance": self.available, "assets": [],
                           "positions": []})
