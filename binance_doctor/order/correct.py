"""Corrected values: the nearest order that passes every filter without trading more.

The correction only ever moves an order towards what was asked for and never
beyond it: the quantity is rounded *down* to the step (and capped at maxQty
and maxNotional), a BUY price down and a SELL price up to the tick (a buyer
never pays more, a seller never receives less), a price outside the percent
band is pulled to the band's edge, icebergQty up to the fewest parts allowed,
trailingDelta into its range. When only a larger order would pass (below
minQty or the minimum notional), there is no correction: `smallest_quantity`
says how much would be needed, and the user decides.

Whatever is proposed is checked again with `filters.evaluate`; a proposal
that does not pass every filter is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from binance_doctor.order import filters as f
from binance_doctor.order.exchange_info import SymbolRules
from binance_doctor.order.filters import ZERO, Order, ceil_to, floor_to


@dataclass(frozen=True)
class Correction:
    order: Order                          # the corrected order (passes every filter)
    changed: tuple[tuple[str, str], ...]  # (parameter, new value) in request order


def _tick(rules: SymbolRules) -> tuple[Decimal, Decimal, Decimal]:
    lo = rules.number("PRICE_FILTER", "minPrice") or ZERO
    hi = rules.number("PRICE_FILTER", "maxPrice") or ZERO
    tick = rules.number("PRICE_FILTER", "tickSize") or ZERO
    return lo, hi, tick


def _round_price(rules: SymbolRules, value: Decimal, down: bool) -> Decimal:
    lo, hi, tick = _tick(rules)
    base = lo if f.is_futures(rules) else ZERO
    if tick:
        value = floor_to(value, tick, base) if down else ceil_to(value, tick, base)
    if lo and value < lo:
        value = lo if not tick else ceil_to(lo, tick, base)
    if hi and value > hi:
        value = hi if not tick else floor_to(hi, tick, base)
    return value


def _price(rules: SymbolRules, order: Order, ref: Decimal | None) -> Decimal | None:
    if order.price is None or not f.priced(rules, order):
        return order.price
    down = order.side == "BUY"
    price = _round_price(rules, order.price, down)
    if ref is not None:
        bounds = f.percent_bounds(rules, order, ref)
        if bounds is not None:
            _, lo, hi = bounds
            if hi is not None and price > hi:
                price = _round_price(rules, hi, True)
            if lo is not None and price < lo:
                price = _round_price(rules, lo, False)
    return price


def _quantity_filters(rules: SymbolRules, order: Order) -> list[str]:
    names = ["LOT_SIZE"] if rules.filter("LOT_SIZE") else []
    if f.is_market(order) and rules.filter("MARKET_LOT_SIZE"):
        names.append("MARKET_LOT_SIZE")
    return names


def _round_quantity(rules: SymbolRules, order: Order, value: Decimal) -> Decimal:
    """Down to every applicable step, and under every maxQty (never up)."""
    for _ in range(3):        # two grids: a second pass settles a coarser step
        for name in _quantity_filters(rules, order):
            lo = rules.number(name, "minQty") or ZERO
            hi = rules.number(name, "maxQty") or ZERO
            step = rules.number(name, "stepSize") or ZERO
            base = lo if f.is_futures(rules) else ZERO
            if hi and value > hi:
                value = hi
            if step:
                value = floor_to(value, step, base)
    return value


def _cap_notional(rules: SymbolRules, order: Order, qty: Decimal, price: Decimal | None
                  ) -> Decimal:
    """Lower the quantity until the notional is within maxNotional (spot NOTIONAL)."""
    hi = rules.number("NOTIONAL", "maxNotional")
    if f.is_futures(rules) or not hi or price is None or qty * price <= hi:
        return qty
    return _round_quantity(rules, order, hi / price)


def notional_floor(rules: SymbolRules, order: Order, ref: Decimal | None
                   ) -> Decimal | None:
    """The minimum notional this order must reach, or None when none applies."""
    if f.is_futures(rules):
        if rules.product.value != "usdm" or order.reduce_only:
            return None
        return rules.number("MIN_NOTIONAL", "notional")
    floors = []
    for name, key in (("MIN_NOTIONAL", "applyToMarket"), ("NOTIONAL", "applyMinToMarket")):
        flt = rules.filter(name)
        if flt is not None and (not f.is_market(order) or bool(flt.get(key, True))):
            floors.append(rules.number(name, "minNotional") or ZERO)
    return max(floors) if floors else None


def smallest_quantity(rules: SymbolRules, order: Order, ref: Decimal | None
                      ) -> Decimal | None:
    """The least quantity on the step that meets minQty and the minimum notional."""
    price, _ = f.notional_price(rules, order, ref)
    need = ZERO
    for name in _quantity_filters(rules, order):
        need = max(need, rules.number(name, "minQty") or ZERO)
    floor = notional_floor(rules, order, ref)
    if floor and price:
        need = max(need, floor / price)
    if need <= 0:
        return None
    for _ in range(3):
        for name in _quantity_filters(rules, order):
            step = rules.number(name, "stepSize") or ZERO
            lo = rules.number(name, "minQty") or ZERO
            if step:
                need = ceil_to(need, step, lo if f.is_futures(rules) else ZERO)
    return need


def _iceberg(rules: SymbolRules, qty: Decimal | None, iceberg: Decimal | None
             ) -> Decimal | None:
    if iceberg is None or qty is None:
        return iceberg
    step = rules.number("LOT_SIZE", "stepSize") or ZERO
    value = floor_to(iceberg, step) if step else iceberg
    limit = rules.number("ICEBERG_PARTS", "limit")
    if limit:
        fewest = qty / limit
        if value < fewest:
            value = ceil_to(fewest, step) if step else fewest
    return value


def _trailing(rules: SymbolRules, order: Order) -> Decimal | None:
    d = order.trailing_delta
    if d is None or rules.filter("TRAILING_DELTA") is None:
        return d
    where = "Above" if (order.type, order.side) in f._ABOVE else "Below"
    lo = rules.number("TRAILING_DELTA", f"minTrailing{where}Delta")
    hi = rules.number("TRAILING_DELTA", f"maxTrailing{where}Delta")
    if lo is not None and d < lo:
        d = lo
    if hi is not None and d > hi:
        d = hi
    return d


def _quote_qty(rules: SymbolRules, order: Order) -> Decimal | None:
    q = order.quote_order_qty
    hi = rules.number("NOTIONAL", "maxNotional")
    flt = rules.filter("NOTIONAL")
    if q is not None and hi and flt is not None and bool(flt.get("applyMaxToMarket", True)) \
            and q > hi:
        q = hi
    digits = rules.quote_precision
    if q is not None and digits is not None:
        q = floor_to(q, Decimal(1).scaleb(-digits))
    return q


def correct(rules: SymbolRules, order: Order, ref: Decimal | None,
            ref_name: str = "reference price") -> Correction | None:
    """The corrected order when one passes every filter and trades no more; else None."""
    price = _price(rules, order, ref)
    stop = (_round_price(rules, order.stop_price, order.side == "BUY")
            if order.stop_price is not None else None)
    qty = order.quantity
    if qty is not None:
        qty = _round_quantity(rules, order, qty)
        notional_price, _ = f.notional_price(rules, replace(order, price=price), ref)
        qty = _cap_notional(rules, order, qty, notional_price)
        if qty <= 0:
            return None
    fixed = replace(order, price=price, stop_price=stop, quantity=qty,
                    iceberg_qty=_iceberg(rules, qty, order.iceberg_qty),
                    trailing_delta=_trailing(rules, order),
                    quote_order_qty=_quote_qty(rules, order))
    if fixed.quantity is not None and order.quantity is not None and \
            fixed.quantity > order.quantity:
        return None
    checks = f.evaluate(rules, fixed, ref, ref_name)
    if any(c.ok is False for c in checks):
        return None
    before = {**dict(order.params()), **order.raw}
    changed = tuple((k, v) for k, v in fixed.params() if before.get(k) != v)
    return Correction(fixed, changed)
