"""check-order's orchestration: the order in, the rules and prices found, the verdict out.

Owns turning typed or pasted parameters into an `Order` (strict decimals), and
running the filter checks (`filters`), the account rules (`account`, with a key)
and the correction (`correct`) into one frozen `Result`. Where the rules and
prices come from (a saved file and --price-ref, or read-only GETs) is decided by
the caller; this module takes them as values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from binance_doctor.failure import BadInput
from binance_doctor.order import correct as corrections
from binance_doctor.order import filters
from binance_doctor.order.exchange_info import SymbolRules
from binance_doctor.order.filters import Check, Order
from binance_doctor.product import Product

_DECIMAL = re.compile(r"\d+(\.\d*)?|\.\d+")
SIDES = ("BUY", "SELL")
POSITION_SIDES = ("BOTH", "LONG", "SHORT")
DECIMAL_PARAMS = {"quantity": "quantity", "price": "price", "stopPrice": "stop_price",
                  "quoteOrderQty": "quote_order_qty", "icebergQty": "iceberg_qty",
                  "trailingDelta": "trailing_delta"}
ORDER_PATHS = {"/api/v3/order": Product.SPOT, "/api/v3/order/test": Product.SPOT,
               "/fapi/v1/order": Product.USDM, "/fapi/v1/order/test": Product.USDM,
               "/dapi/v1/order": Product.COINM}
REQUEST_PATH = {Product.SPOT: "/api/v3/order", Product.USDM: "/fapi/v1/order",
                Product.COINM: "/dapi/v1/order"}


@dataclass(frozen=True)
class PriceRef:
    """The price the rules compare against, and where it came from."""

    value: Decimal | None
    source: str                 # "--price-ref", "referencePrice", "avgPrice", "markPrice"
    name: str                   # how the detail lines call it

    @classmethod
    def none(cls, product: Product) -> PriceRef:
        return cls(None, "none", ref_name(product))


def ref_name(product: Product) -> str:
    return "mark price" if product in (Product.USDM, Product.COINM) else "reference price"


@dataclass(frozen=True)
class Result:
    rules: SymbolRules
    order: Order
    price: PriceRef
    checks: tuple[Check, ...]
    correction: corrections.Correction | None
    smallest_quantity: Decimal | None
    pasted_error: tuple[int, str] | None = None
    sent: tuple[str, ...] = ()            # "GET host/path" of every request sent

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.ok is False)

    @property
    def verdict(self) -> str:
        return "fail" if self.failed else "pass"

    @property
    def matching(self) -> tuple[Check, ...]:
        """The failing checks that answer with the pasted error's code."""
        if self.pasted_error is None:
            return ()
        code, msg = self.pasted_error
        same = tuple(c for c in self.failed if c.code == code)
        named = tuple(c for c in same if c.message and c.message.lower() in msg.lower()
                      or c.filter in msg)
        return named or same

    def request_line(self, order: Order | None = None) -> str:
        from urllib.parse import urlencode

        chosen = order or (self.correction.order if self.correction else self.order)
        return f"POST {REQUEST_PATH[self.rules.product]}?{urlencode(chosen.params())}"


def _decimal(name: str, text: str) -> Decimal:
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        raise BadInput(f"{name} is not a plain positive decimal: {text!r}",
                       hint="write it as Binance takes it, e.g. 0.001 (no sign, no exponent)")
    return Decimal(value)


def _flag(value: str | None) -> bool:
    return str(value).strip().lower() == "true"


def order_from_params(params: dict[str, str]) -> Order:
    """An Order from request parameters (Binance's names); malformed values are bad input."""
    missing = [k for k in ("symbol", "side", "type") if not params.get(k)]
    if missing:
        raise BadInput(f"the order has no {', '.join(missing)}",
                       hint="give SYMBOL SIDE TYPE, or paste the whole request")
    side = params["side"].strip().upper()
    if side not in SIDES:
        raise BadInput(f"side must be BUY or SELL, not {params['side']!r}")
    position = (params.get("positionSide") or "").strip().upper() or None
    if position is not None and position not in POSITION_SIDES:
        raise BadInput(f"positionSide must be BOTH, LONG or SHORT, not {position!r}")
    values = {attr: _decimal(name, params[name]) for name, attr in DECIMAL_PARAMS.items()
              if params.get(name) not in (None, "")}
    raw = {name: params[name].strip() for name in DECIMAL_PARAMS
           if params.get(name) not in (None, "")}
    return Order(symbol=params["symbol"].strip().upper(), side=side,
                 type=params["type"].strip().upper(),
                 time_in_force=(params.get("timeInForce") or "").strip().upper() or None,
                 reduce_only=_flag(params.get("reduceOnly")), position_side=position,
                 close_position=_flag(params.get("closePosition")), raw=raw, **values)


def product_of_path(path: str | None) -> Product | None:
    if not path:
        return None
    for prefix, product in (("/fapi/", Product.USDM), ("/dapi/", Product.COINM),
                            ("/api/", Product.SPOT)):
        if prefix in path:
            return product
    return None


def run(rules: SymbolRules, order: Order, price: PriceRef, *,
        account: tuple[Check, ...] = (), pasted_error: tuple[int, str] | None = None,
        sent: tuple[str, ...] = ()) -> Result:
    """Every filter, then the account rules, then the correction (filters only: the
    account rules are facts about the account, not values to round)."""
    if order.symbol != rules.symbol.upper():
        raise BadInput(f"the order is for {order.symbol} but the rules are for {rules.symbol}")
    checks = tuple(filters.evaluate(rules, order, price.value, price.name)) + account
    fix = None
    smallest = None
    if any(c.ok is False for c in checks):
        fix = corrections.correct(rules, order, price.value, price.name)
        if fix is not None and not fix.changed:
            fix = None
        if order.quantity is not None and fix is None:
            smallest = corrections.smallest_quantity(rules, order, price.value)
            if smallest is not None and smallest <= order.quantity:
                smallest = None
    return Result(rules, order, price, checks, fix, smallest, pasted_error, sent)


_ERROR = re.compile(r'"code"\s*:\s*(-?\d+)\s*,\s*"msg"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ERROR_REVERSED = re.compile(r'"msg"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"code"\s*:\s*(-?\d+)')
_REQUEST_LINE = re.compile(r"(curl\s.*|https?://\S+|/[a-z]api/\S+|\S*symbol=\S+)",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Pasted:
    params: dict[str, str]
    product: Product | None
    base_url: str | None
    error: tuple[int, str] | None


def read_pasted(text: str) -> Pasted:
    """An order pasted as a URL, a curl line or a query/body, maybe with Binance's error
    answer ({"code":-1013,"msg":...}) in the same text."""
    from urllib.parse import parse_qsl, urlsplit

    from binance_doctor.signature import request as requests

    error = None
    m = _ERROR.search(text)
    if m:
        error = (int(m.group(1)), m.group(2))
    else:
        m = _ERROR_REVERSED.search(text)
        if m:
            error = (int(m.group(2)), m.group(1))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    candidates = [ln for ln in lines if "symbol=" in ln.lower() or ln.startswith("curl")]
    if not candidates:
        raise BadInput("no order found in the pasted text: no URL, curl line or query with "
                       "symbol=", hint="paste the request as sent, e.g. "
                       "'https://api.binance.com/api/v3/order?symbol=...&side=...'")
    line = candidates[0]
    found = _REQUEST_LINE.search(line)
    sent = requests.parse(found.group(1) if found and not line.startswith("curl") else line)
    params: dict[str, str] = {}
    for part in (sent.query, sent.body):
        params.update(parse_qsl(part, keep_blank_values=True))
    body = sent.json_body
    if body:
        params.update({k: str(v) for k, v in body.items()})
    path = urlsplit(sent.url).path if sent.url else None
    base = None
    if sent.url and "://" in sent.url:
        parts = urlsplit(sent.url)
        base = f"{parts.scheme}://{parts.netloc}"
    return Pasted(params, product_of_path(path), base, error)
