"""Property: applying `corrected` to any failing order gives an order that passes every
filter and never trades more than was asked (quantity, quoteOrderQty)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from binance_doctor.order import check, exchange_info, filters
from binance_doctor.product import Product

FIXTURES = Path(__file__).parent / "fixtures" / "order"
SYMBOLS = [("spot", "BTCUSDT", "30000"), ("spot", "DOGEUSDT", "0.1"), ("spot", "ETHBTC", "0.05"),
           ("usdm", "BTCUSDT", "30000"), ("usdm", "XYZUSDT", "1"),
           ("coinm", "BTCUSD_PERP", "30000")]
RULES = {(p, s): exchange_info.load_file(str(FIXTURES / f"{p}.json"), s, Product(p))
         for p, s, _ in SYMBOLS}


def _scaled(ref: str):
    """A decimal around the reference price, with up to 10 decimals."""
    return st.builds(lambda m, d: (Decimal(ref) * Decimal(m) / 1000).quantize(
        Decimal(1).scaleb(-d)), st.integers(1, 3000), st.integers(0, 10))


def _qty():
    return st.builds(lambda n, d: Decimal(n).scaleb(-d), st.integers(0, 10**7),
                     st.integers(0, 10))


@st.composite
def orders(draw):
    product, symbol, ref = draw(st.sampled_from(SYMBOLS))
    kind = draw(st.sampled_from(["LIMIT", "MARKET"]))
    side = draw(st.sampled_from(["BUY", "SELL"]))
    params = {"symbol": symbol, "side": side, "type": kind}
    if kind == "LIMIT":
        params["price"] = format(draw(_scaled(ref)), "f")
        params["timeInForce"] = "GTC"
    if product == "spot" and kind == "MARKET" and draw(st.booleans()):
        params["quoteOrderQty"] = format(draw(_qty()), "f")
    else:
        params["quantity"] = format(draw(_qty()), "f")
    if product == "spot" and kind == "LIMIT" and draw(st.booleans()):
        params["icebergQty"] = format(draw(_qty()), "f")
    if product == "usdm" and draw(st.booleans()):
        params["reduceOnly"] = "true"
    mark = draw(_scaled(ref)) if draw(st.booleans()) else Decimal(ref)
    return RULES[(product, symbol)], check.order_from_params(params), mark


@settings(max_examples=400, deadline=None)
@given(orders())
def test_corrected_orders_pass_and_never_trade_more(case):
    rules, order, mark = case
    price = check.PriceRef(mark, "--price-ref", check.ref_name(rules.product))
    result = check.run(rules, order, price)
    if result.verdict == "pass" or result.correction is None:
        return
    fixed = result.correction.order
    again = filters.evaluate(rules, fixed, mark, price.name)
    assert all(c.ok is not False for c in again), [c for c in again if c.ok is False]
    if order.quantity is not None:
        assert fixed.quantity <= order.quantity
    if order.quote_order_qty is not None:
        assert fixed.quote_order_qty <= order.quote_order_qty
    changed = dict(result.correction.changed)
    assert changed, "a correction always changes something"
    # The corrected values are what the corrected request line sends.
    line = result.request_line()
    for key, value in changed.items():
        assert f"{key}={value}" in line
