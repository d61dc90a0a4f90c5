"""The exchangeInfo filters, one function per filter and product, in Decimal.

Each rule is the documented one, and only that:

- Spot: binance-spot-api-docs `filters.md` (as of the 2026-05-06 CHANGELOG entry,
  live 2026-05-08: PERCENT_PRICE, PERCENT_PRICE_BY_SIDE, MIN_NOTIONAL and NOTIONAL
  use the reference price when it exists and is non-null, else the average price).
  LOT_SIZE and MARKET_LOT_SIZE test `quantity % stepSize == 0` (CHANGELOG
  2023-03-13 dropped the old `(quantity - minQty) % stepSize`). PRICE_FILTER
  parts equal to 0 are disabled. A failure is answered with -1013 and
  "Filter failure: NAME" (errors.md "Filter failures").
- USDⓈ-M and COIN-M: developers.binance.com derivatives "common-definition"
  Filters: PRICE_FILTER `(price - minPrice) % tickSize == 0`, LOT_SIZE and
  MARKET_LOT_SIZE `(quantity - minQty) % stepSize == 0`, PERCENT_PRICE against the
  mark price (BUY `price <= markPrice * multiplierUp`, SELL `price >= markPrice *
  multiplierDown`), MIN_NOTIONAL `price * quantity >= notional` with MARKET orders
  at the mark price (USDⓈ-M only; COIN-M documents no MIN_NOTIONAL: its quantity is
  in contracts of `contractSize`). Failures carry the futures codes of the error-code
  pages (-4013/-4002/-4014 price, -4004/-4005/-4023 quantity, -4016/-4024 percent
  price, -4164 notional "unless you choose reduce only").

Where the documents are silent (which price a STOP_LOSS market order's notional is
taken at, for one) the rule is reported as not checked rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from binance_doctor.order.exchange_info import SymbolRules
from binance_doctor.product import Product

ZERO = Decimal(0)
SPOT_PRICED = {"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}
SPOT_MARKET_ON_TRIGGER = {"STOP_LOSS", "TAKE_PROFIT"}
FUTURES_PRICED = {"LIMIT", "STOP", "TAKE_PROFIT"}
FUTURES_MARKET_ON_TRIGGER = {"STOP_MARKET", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
# TRAILING_DELTA: which bound applies (filters.md "TRAILING_DELTA").
_NEEDS_TIF = {False: {"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}, True: {"LIMIT"}}
_ABOVE = {("STOP_LOSS", "BUY"), ("STOP_LOSS_LIMIT", "BUY"), ("TAKE_PROFIT", "SELL"),
          ("TAKE_PROFIT_LIMIT", "SELL")}


@dataclass(frozen=True)
class Order:
    """The order as it would be sent; every number a Decimal, None when not sent."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    quote_order_qty: Decimal | None = None
    iceberg_qty: Decimal | None = None
    trailing_delta: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool = False
    position_side: str | None = None
    close_position: bool = False
    raw: dict[str, str] = field(default_factory=dict, compare=False)   # decimals as typed

    def params(self) -> list[tuple[str, str]]:
        """The order's request parameters, in Binance's names, as plain decimal strings."""
        out = [("symbol", self.symbol), ("side", self.side), ("type", self.type)]
        if self.time_in_force:
            out.append(("timeInForce", self.time_in_force))
        for name, value in (("quantity", self.quantity), ("quoteOrderQty", self.quote_order_qty),
                            ("price", self.price), ("stopPrice", self.stop_price),
                            ("icebergQty", self.iceberg_qty),
                            ("trailingDelta", self.trailing_delta)):
            if value is not None:
                out.append((name, plain(value)))
        if self.position_side:
            out.append(("positionSide", self.position_side))
        if self.reduce_only:
            out.append(("reduceOnly", "true"))
        if self.close_position:
            out.append(("closePosition", "true"))
        return out


@dataclass(frozen=True)
class Check:
    """One rule's verdict: ok True/False, or None when it could not be evaluated."""

    filter: str
    ok: bool | None
    detail: str
    code: int | None = None
    message: str | None = None
    field: str | None = None


def plain(value: Decimal) -> str:
    """A Decimal as a plain string: no exponent, no trailing zeros ("0.00100000" -> "0.001")."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def decimals(value: Decimal) -> int:
    """Digits after the point as written (Decimal keeps "1.50" as two)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def floor_to(value: Decimal, step: Decimal, base: Decimal = ZERO) -> Decimal:
    """The largest base + k*step <= value (k a whole number)."""
    with localcontext() as ctx:
        ctx.prec = 60
        k = ((value - base) / step).to_integral_value(rounding=ROUND_FLOOR)
        return base + k * step


def ceil_to(value: Decimal, step: Decimal, base: Decimal = ZERO) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        k = ((value - base) / step).to_integral_value(rounding=ROUND_CEILING)
        return base + k * step


def on_grid(value: Decimal, step: Decimal, base: Decimal = ZERO) -> bool:
    with localcontext() as ctx:
        ctx.prec = 60
        return (value - base) % step == 0


def is_futures(rules: SymbolRules) -> bool:
    return rules.product in (Product.USDM, Product.COINM)


def priced(rules: SymbolRules, order: Order) -> bool:
    """Whether the order type carries a limit price that the price rules apply to."""
    return order.type in (FUTURES_PRICED if is_futures(rules) else SPOT_PRICED)


def is_market(order: Order) -> bool:
    return order.type == "MARKET"


# -- failure answers ---------------------------------------------------------------

def _spot_failure(name: str) -> tuple[int, str]:
    return -1013, f"Filter failure: {name}"


# Futures codes per failing part (USDⓈ-M / COIN-M error-code pages; messages as there).
FUTURES_ANSWERS = {
    "price_min": (-4013, "Price less than min price."),
    "price_max": (-4002, "Price greater than max price."),
    "price_tick": (-4014, "Price not increased by tick size."),
    "qty_min": (-4004, "Quantity less than min quantity."),
    "qty_max": (-4005, "Quantity greater than max quantity."),
    "qty_step": (-4023, "Qty not increased by step size."),
    "percent_up": (-4016, "Price is higher than mark price multiplier cap."),
    "percent_down": (-4024, "Price is lower than mark price multiplier floor."),
}


def _answer(rules: SymbolRules, name: str, part: str) -> tuple[int, str]:
    return FUTURES_ANSWERS[part] if is_futures(rules) else _spot_failure(name)


# -- the rules -------------------------------------------------------------------------

def _bounds(rules: SymbolRules, name: str, keys: tuple[str, str, str]
            ) -> tuple[Decimal, Decimal, Decimal]:
    lo, hi, step = (rules.number(name, k) or ZERO for k in keys)
    return lo, hi, step


def price_filter(rules: SymbolRules, param: str, value: Decimal) -> Check:
    """PRICE_FILTER on price or stopPrice; each part disabled when 0 (both products)."""
    lo, hi, tick = _bounds(rules, "PRICE_FILTER", ("minPrice", "maxPrice", "tickSize"))
    base = lo if is_futures(rules) else ZERO
    what = f"{param} {plain(value)}"
    if lo and value < lo:
        code, msg = _answer(rules, "PRICE_FILTER", "price_min")
        return Check("PRICE_FILTER", False, f"{what} is below minPrice {plain(lo)}", code, msg,
                     param)
    if hi and value > hi:
        code, msg = _answer(rules, "PRICE_FILTER", "price_max")
        return Check("PRICE_FILTER", False, f"{what} is above maxPrice {plain(hi)}", code, msg,
                     param)
    if tick and not on_grid(value, tick, base):
        code, msg = _answer(rules, "PRICE_FILTER", "price_tick")
        rule = "(price - minPrice) % tickSize" if is_futures(rules) else "price % tickSize"
        return Check("PRICE_FILTER", False,
                     f"{what} is not a multiple of tickSize {plain(tick)} ({rule} != 0); "
                     f"nearest: {plain(floor_to(value, tick, base))} or "
                     f"{plain(ceil_to(value, tick, base))}", code, msg, param)
    return Check("PRICE_FILTER", True, f"{what} within [{plain(lo)}, {plain(hi) if hi else '∞'}]"
                 + (f", on tickSize {plain(tick)}" if tick else ""), field=param)


def lot_size(rules: SymbolRules, name: str, param: str, value: Decimal) -> Check:
    """LOT_SIZE (quantity, icebergQty) or MARKET_LOT_SIZE (quantity); a part equal to 0
    is taken as disabled, as MARKET_LOT_SIZE's all-zero answers mean."""
    lo, hi, step = _bounds(rules, name, ("minQty", "maxQty", "stepSize"))
    base = lo if is_futures(rules) else ZERO
    what = f"{param} {plain(value)}"
    if value <= 0:
        code, msg = _answer(rules, name, "qty_min")
        return Check(name, False, f"{what} must be positive", code, msg, param)
    if lo and value < lo:
        code, msg = _answer(rules, name, "qty_min")
        return Check(name, False, f"{what} is below minQty {plain(lo)}", code, msg, param)
    if hi and value > hi:
        code, msg = _answer(rules, name, "qty_max")
        return Check(name, False, f"{what} is above maxQty {plain(hi)}", code, msg, param)
    if step and not on_grid(value, step, base):
        code, msg = _answer(rules, name, "qty_step")
        rule = "(quantity - minQty) % stepSize" if is_futures(rules) else "quantity % stepSize"
        return Check(name, False, f"{what} is not a multiple of stepSize {plain(step)} "
                     f"({rule} != 0); rounded down: {plain(floor_to(value, step, base))}",
                     code, msg, param)
    if not (lo or hi or step):
        return Check(name, True, f"{what}: every part is 0 (disabled)", field=param)
    return Check(name, True, f"{what} within [{plain(lo)}, {plain(hi) if hi else '∞'}]"
                 + (f", on stepSize {plain(step)}" if step else ""), field=param)


def percent_bounds(rules: SymbolRules, order: Order, ref: Decimal
                   ) -> tuple[str, Decimal | None, Decimal | None] | None:
    """(filter, lowest, highest) allowed price for this side, or None when no such filter."""
    if is_futures(rules):
        if rules.filter("PERCENT_PRICE") is None:
            return None
        up = rules.number("PERCENT_PRICE", "multiplierUp")
        down = rules.number("PERCENT_PRICE", "multiplierDown")
        # Only one side is documented per order side.
        if order.side == "BUY":
            return "PERCENT_PRICE", None, ref * up if up is not None else None
        return "PERCENT_PRICE", ref * down if down is not None else None, None
    if rules.filter("PERCENT_PRICE_BY_SIDE") is not None:
        prefix = "bid" if order.side == "BUY" else "ask"
        up = rules.number("PERCENT_PRICE_BY_SIDE", f"{prefix}MultiplierUp")
        down = rules.number("PERCENT_PRICE_BY_SIDE", f"{prefix}MultiplierDown")
        return ("PERCENT_PRICE_BY_SIDE", ref * down if down is not None else None,
                ref * up if up is not None else None)
    if rules.filter("PERCENT_PRICE") is not None:
        up = rules.number("PERCENT_PRICE", "multiplierUp")
        down = rules.number("PERCENT_PRICE", "multiplierDown")
        return ("PERCENT_PRICE", ref * down if down is not None else None,
                ref * up if up is not None else None)
    return None


def percent_price(rules: SymbolRules, order: Order, ref: Decimal | None,
                  ref_name: str) -> list[Check]:
    names = (["PERCENT_PRICE"] if is_futures(rules)
             else [n for n in ("PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE") if rules.filter(n)])
    if not names or not priced(rules, order) or order.price is None:
        return []
    if ref is None:
        return [Check(n, None, f"not checked: no {ref_name} (pass --price-ref)") for n in names
                if rules.filter(n)]
    found = percent_bounds(rules, order, ref)
    if found is None:
        return []
    name, lo, hi = found
    p = order.price
    span = f"[{plain(lo) if lo is not None else '0'}, {plain(hi) if hi is not None else '∞'}]"
    basis = f"{ref_name} {plain(ref)}"
    if hi is not None and p > hi:
        code, msg = _answer(rules, name, "percent_up")
        return [Check(name, False, f"price {plain(p)} is above {plain(hi)}, the most a "
                      f"{order.side} may ask for {basis} (allowed {span})", code, msg, "price")]
    if lo is not None and p < lo:
        code, msg = _answer(rules, name, "percent_down")
        return [Check(name, False, f"price {plain(p)} is below {plain(lo)}, the least a "
                      f"{order.side} may ask for {basis} (allowed {span})", code, msg, "price")]
    return [Check(name, True, f"price {plain(p)} within {span} for {basis}", field="price")]


def notional_price(rules: SymbolRules, order: Order, ref: Decimal | None
                   ) -> tuple[Decimal | None, str]:
    """The price a notional is taken at, with its name; None when the docs do not say."""
    if priced(rules, order):
        return order.price, "price"
    if is_market(order):
        return ref, "mark price" if is_futures(rules) else "reference/average price"
    return None, ""


def spot_notional(rules: SymbolRules, order: Order, ref: Decimal | None,
                  ref_name: str) -> list[Check]:
    out: list[Check] = []
    for name in ("MIN_NOTIONAL", "NOTIONAL"):
        f = rules.filter(name)
        if f is None:
            continue
        market = is_market(order)
        apply_min = (bool(f.get("applyToMarket", True)) if name == "MIN_NOTIONAL"
                     else bool(f.get("applyMinToMarket", True)))
        apply_max = name == "NOTIONAL" and bool(f.get("applyMaxToMarket", True))
        lo = rules.number(name, "minNotional") or ZERO
        hi = rules.number(name, "maxNotional") if name == "NOTIONAL" else None
        if market and not apply_min and not apply_max:
            out.append(Check(name, True, f"not applied to MARKET orders "
                             f"({'applyToMarket' if name == 'MIN_NOTIONAL' else 'applyMinToMarket and applyMaxToMarket'} false)"))
            continue
        if order.type in SPOT_MARKET_ON_TRIGGER:
            out.append(Check(name, None, f"not checked: the documents do not say which price "
                             f"a {order.type} order's notional is taken at"))
            continue
        if market and order.quote_order_qty is not None:
            value, how = order.quote_order_qty, f"quoteOrderQty {plain(order.quote_order_qty)}"
        else:
            price, pname = notional_price(rules, order, ref)
            if price is None or order.quantity is None:
                out.append(Check(name, None, f"not checked: no {ref_name} "
                                 "(pass --price-ref)" if market else "not checked: no price"))
                continue
            value = order.quantity * price
            how = f"{plain(order.quantity)} × {pname} {plain(price)} = {plain(value)}"
        check_min = apply_min or not market
        check_max = hi is not None and hi > 0 and (apply_max or not market)
        code, msg = _spot_failure(name)
        if check_min and value < lo:
            out.append(Check(name, False, f"notional {how} is below minNotional {plain(lo)}",
                             code, msg, "quantity"))
        elif check_max and value > hi:
            out.append(Check(name, False, f"notional {how} is above maxNotional {plain(hi)}",
                             code, msg, "quantity"))
        else:
            limits = f"≥ {plain(lo)}" + (f" and ≤ {plain(hi)}" if check_max else "")
            out.append(Check(name, True, f"notional {how} {limits}"))
    return out


def futures_notional(rules: SymbolRules, order: Order, ref: Decimal | None,
                     ref_name: str) -> list[Check]:
    if rules.product is not Product.USDM or rules.filter("MIN_NOTIONAL") is None:
        return []
    lo = rules.number("MIN_NOTIONAL", "notional") or ZERO
    raw_lo = str(rules.filter("MIN_NOTIONAL").get("notional"))
    if order.close_position:
        return [Check("MIN_NOTIONAL", True, "closePosition orders have no quantity")]
    price, pname = notional_price(rules, order, ref)
    if order.quantity is None:
        return []
    if price is None:
        why = (f"no {ref_name} (pass --price-ref)" if is_market(order) else
               f"the documents do not say which price a {order.type} order's notional "
               "is taken at")
        return [Check("MIN_NOTIONAL", None, f"not checked: {why}")]
    value = order.quantity * price
    how = f"{plain(order.quantity)} × {pname} {plain(price)} = {plain(value)}"
    if value >= lo:
        return [Check("MIN_NOTIONAL", True, f"notional {how} ≥ {plain(lo)}")]
    if order.reduce_only:
        return [Check("MIN_NOTIONAL", True, f"notional {how} is below {plain(lo)}, but "
                      "reduceOnly orders are exempt")]
    return [Check("MIN_NOTIONAL", False, f"notional {how} is below the minimum {plain(lo)}",
                  -4164, f"Order's notional must be no smaller than {raw_lo} "
                         "(unless you choose reduce only)", "quantity")]


def iceberg_parts(rules: SymbolRules, order: Order) -> list[Check]:
    if order.iceberg_qty is None or order.quantity is None:
        return []
    out = [lot_size(rules, "LOT_SIZE", "icebergQty", order.iceberg_qty)]
    limit = rules.number("ICEBERG_PARTS", "limit")
    if limit is not None and order.iceberg_qty > 0:
        parts = ceil_to(order.quantity / order.iceberg_qty, Decimal(1))
        ok = parts <= limit
        code, msg = _spot_failure("ICEBERG_PARTS") if not ok else (None, None)
        out.append(Check("ICEBERG_PARTS", ok, f"CEIL({plain(order.quantity)} / "
                         f"{plain(order.iceberg_qty)}) = {plain(parts)} parts, limit "
                         f"{plain(limit)}", code, msg, "icebergQty"))
    return out


def trailing_delta(rules: SymbolRules, order: Order) -> list[Check]:
    if order.trailing_delta is None or rules.filter("TRAILING_DELTA") is None:
        return []
    where = "Above" if (order.type, order.side) in _ABOVE else "Below"
    lo = rules.number("TRAILING_DELTA", f"minTrailing{where}Delta")
    hi = rules.number("TRAILING_DELTA", f"maxTrailing{where}Delta")
    d = order.trailing_delta
    ok = (lo is None or d >= lo) and (hi is None or d <= hi)
    code, msg = _spot_failure("TRAILING_DELTA") if not ok else (None, None)
    return [Check("TRAILING_DELTA", ok, f"trailingDelta {plain(d)} BIPS, allowed for "
                  f"{order.type} {order.side}: [{plain(lo) if lo is not None else '0'}, "
                  f"{plain(hi) if hi is not None else '∞'}] ({where.lower()} the market)",
                  code, msg, "trailingDelta")]


def precision(rules: SymbolRules, order: Order) -> list[Check]:
    """-1111: more decimals than the symbol's precision (spot: base/quote asset precision;
    futures: quantityPrecision/pricePrecision)."""
    out = []
    if is_futures(rules):
        limits = (("quantity", order.quantity, rules.quantity_precision),
                  ("price", order.price, rules.price_precision),
                  ("stopPrice", order.stop_price, rules.price_precision))
        message = "Precision is over the maximum defined for this asset."
    else:
        limits = (("quantity", order.quantity, rules.base_precision),
                  ("icebergQty", order.iceberg_qty, rules.base_precision),
                  ("price", order.price, rules.quote_precision),
                  ("stopPrice", order.stop_price, rules.quote_precision),
                  ("quoteOrderQty", order.quote_order_qty, rules.quote_precision))
        message = ""
    for param, value, digits in limits:
        if value is None or digits is None:
            continue
        written = decimals(value)
        if written > digits:
            out.append(Check("PRECISION", False, f"{param} {plain(value)} has {written} "
                             f"decimals; at most {digits} are accepted", -1111,
                             message or f"Parameter '{param}' has too much precision.", param))
    return out


def status(rules: SymbolRules) -> list[Check]:
    if rules.status == "TRADING":
        return []
    if is_futures(rules):
        return [Check("STATUS", False, f"{rules.symbol} is {rules.status}, not TRADING")]
    return [Check("STATUS", False, f"{rules.symbol} is {rules.status}, not TRADING", -2010,
                  "Market is closed.")]


# Spot's matching-engine answers (-2010) for what a symbol does not allow (errors.md,
# "Messages for -1010, -2010, -2011 and -2038").
_NOT_SUPPORTED = {"MARKET": "Market orders", "STOP_LOSS": "Stop loss orders",
                  "STOP_LOSS_LIMIT": "Stop loss limit orders",
                  "TAKE_PROFIT": "Take profit orders",
                  "TAKE_PROFIT_LIMIT": "Take profit limit orders"}


def order_type(rules: SymbolRules, order: Order) -> list[Check]:
    """The type must be one of the symbol's orderTypes (futures: no documented code)."""
    if not rules.order_types or order.type in rules.order_types:
        return []
    what = (f"{order.type} is not among {rules.symbol}'s orderTypes "
            f"({', '.join(rules.order_types)})")
    if is_futures(rules) or order.type not in _NOT_SUPPORTED:
        return [Check("ORDER_TYPE", False, what)]
    return [Check("ORDER_TYPE", False, what, -2010,
                  f"{_NOT_SUPPORTED[order.type]} are not supported for this symbol.")]


def required(rules: SymbolRules, order: Order) -> list[Check]:
    """The parameters a type needs (spot rest-api.md "New order"; futures "New Order")."""
    need: list[str] = []
    if priced(rules, order) and order.price is None:
        need.append("price")
    if order.quantity is None and not order.close_position and not (
            is_market(order) and order.quote_order_qty is not None):
        need.append("quantity")
    if order.type in ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT") or (
            order.type == "TAKE_PROFIT" and not is_futures(rules)):
        if order.stop_price is None and order.trailing_delta is None:
            need.append("stopPrice")
    elif order.type in ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET") and \
            order.stop_price is None:
        need.append("stopPrice")
    if order.type in _NEEDS_TIF[is_futures(rules)] and not order.time_in_force:
        need.append("timeInForce")
    return [Check("PARAMETERS", False, f"{order.type} needs {p}", -1102,
                  f"Mandatory parameter '{p}' was not sent, was empty/null, or malformed.", p)
            for p in need]


def evaluate(rules: SymbolRules, order: Order, ref: Decimal | None,
             ref_name: str = "reference price") -> list[Check]:
    """Every filter the order meets, in the order a reader checks them."""
    checks = (status(rules) + order_type(rules, order) + required(rules, order)
              + precision(rules, order))
    if order.price is not None and priced(rules, order) and rules.filter("PRICE_FILTER"):
        checks.append(price_filter(rules, "price", order.price))
    if order.stop_price is not None and rules.filter("PRICE_FILTER"):
        checks.append(price_filter(rules, "stopPrice", order.stop_price))
    checks += percent_price(rules, order, ref, ref_name)
    if order.quantity is not None:
        if rules.filter("LOT_SIZE"):
            checks.append(lot_size(rules, "LOT_SIZE", "quantity", order.quantity))
        if is_market(order) and rules.filter("MARKET_LOT_SIZE"):
            checks.append(lot_size(rules, "MARKET_LOT_SIZE", "quantity", order.quantity))
    if is_futures(rules):
        checks += futures_notional(rules, order, ref, ref_name)
    else:
        checks += spot_notional(rules, order, ref, ref_name)
        checks += iceberg_parts(rules, order)
        checks += trailing_delta(rules, order)
    return checks


def with_values(order: Order, **values: Decimal | None) -> Order:
    return replace(order, **values)
