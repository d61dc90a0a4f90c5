"""Public status endpoints for the loopback Binance: system status and futures exchangeInfo.

`FakeMarket(server, maintenance=False, futures_weight_limit=2400)` registers,
through `server.route()`:

- GET /sapi/v1/system/status: {"status": 0, "msg": "normal"}, or 1 and
  "system_maintenance" (the two values Binance documents);
- GET /fapi/v1/exchangeInfo and /dapi/v1/exchangeInfo: the rateLimits array
  (REQUEST_WEIGHT and ORDERS, per minute and per 10 seconds) with no symbols,
  since the checks that use it read only the limits.

Set `sapi=False` for a testnet host (the testnets have no /sapi).
"""

from __future__ import annotations

from fake.server import FakeBinance, Request, Reply, reply_json

SYSTEM_STATUS = "/sapi/v1/system/status"
EXCHANGE_INFO = ("/fapi/v1/exchangeInfo", "/dapi/v1/exchangeInfo")


class FakeMarket:
    def __init__(self, server: FakeBinance, *, maintenance: bool = False,
                 futures_weight_limit: int = 2400, sapi: bool = True) -> None:
        self.server = server
        self.maintenance = maintenance
        self.futures_weight_limit = futures_weight_limit
        if sapi:
            server.route("GET", SYSTEM_STATUS, self._status)
        for path in EXCHANGE_INFO:
            server.route("GET", path, self._exchange_info)

    def _status(self, req: Request, srv: FakeBinance) -> Reply:
        if self.maintenance:
            return reply_json({"status": 1, "msg": "system_maintenance"})
        return reply_json({"status": 0, "msg": "normal"})

    def _exchange_info(self, req: Request, srv: FakeBinance) -> Reply:
        return reply_json({
            "timezone": "UTC", "serverTime": srv.now_ms(),
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": self.futures_weight_limit},
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
                 "limit": 1200},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
                 "limit": 300},
            ],
            "exchangeFilters": [], "assets": [], "symbols": []})
