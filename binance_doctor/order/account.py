"""Account rules for check-order (`--account`): what the account itself allows, read with
signed, read-only GETs.

Spot (rest-api.md "Account information", "Current open orders"; filters.md):
- BALANCE: the free balance of the asset the order locks (quote for a BUY,
  base for a SELL) against what it locks; short of it Binance answers -2010
  "Account has insufficient balance for requested action." The taker
  commission rate (`commissionRates` of /api/v3/account) is shown with the
  cost of a fill; it is charged on fills, not locked when the order is placed;
- MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS (STOP_LOSS*, TAKE_PROFIT*), MAX_NUM_ICEBERG_ORDERS
  against the open orders on the symbol, and MAX_POSITION for a BUY ("Filter failure:
  NAME").

USDⓈ-M (developers.binance.com derivatives, account and trade endpoints):
- POSITION_SIDE: `GET /fapi/v1/positionSide/dual`; Hedge Mode needs LONG or SHORT,
  One-way Mode BOTH (or none): otherwise -4061;
- REDUCE_ONLY: reduceOnly cannot be sent in Hedge Mode: -1106;
- LEVERAGE_BRACKET: the position's notional after the order against the bracket cap
  at the symbol's leverage (`GET /fapi/v1/symbolConfig`, `GET /fapi/v1/leverageBracket`,
  `GET /fapi/v3/positionRisk`): over it, -2027;
- MARGIN: the order's initial margin (notional / leverage) against availableBalance
  (`GET /fapi/v3/account`): short of it, -2019 (fees and other open orders' margin
  come on top, so passing this is necessary, not sufficient);
- MAX_NUM_ORDERS: open orders on the symbol (`GET /fapi/v1/openOrders`): -2025.

A read the key is not allowed (or another error) is reported as "not checked" with
Binance's answer: missing permissions are reported, never guessed.

COIN-M: the same rules on /dapi (`/dapi/v1/positionSide/dual`, `/dapi/v2/leverageBracket`
whose caps are `qtyCap` in the base coin, `/dapi/v1/positionRisk` for the leverage and
`notionalValue`, `/dapi/v1/account` per margin asset, `/dapi/v1/openOrders`); an order's
size there is contracts × contractSize / price, in the base coin.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from binance_doctor.order.exchange_info import SymbolRules, to_decimal
from binance_doctor.order.filters import (SPOT_MARKET_ON_TRIGGER, Check, Order, ZERO,
                                          is_market, plain, priced)
from binance_doctor.product import Product

# A signed GET: (path, params) -> (HTTP status, decoded body)
Fetch = Callable[[str, list[tuple[str, str]]], tuple[int, Any]]
SPOT_PATHS = {"account": "/api/v3/account", "open": "/api/v3/openOrders"}
USDM_PATHS = {"dual": "/fapi/v1/positionSide/dual", "config": "/fapi/v1/symbolConfig",
              "brackets": "/fapi/v1/leverageBracket", "positions": "/fapi/v3/positionRisk",
              "account": "/fapi/v3/account", "open": "/fapi/v1/openOrders"}
COINM_PATHS = {"dual": "/dapi/v1/positionSide/dual", "brackets": "/dapi/v2/leverageBracket",
               "positions": "/dapi/v1/positionRisk", "account": "/dapi/v1/account",
               "open": "/dapi/v1/openOrders"}
ALGO_TYPES = {"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"}
INSUFFICIENT = "Account has insufficient balance for requested action."


class _Reads:
    """Signed reads, each once; a failed read becomes the reason a rule is not checked."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.cache: dict[tuple[str, tuple], tuple[bool, Any]] = {}

    def get(self, path: str, params: list[tuple[str, str]] = ()) -> tuple[bool, Any]:
        key = (path, tuple(params))
        if key not in self.cache:
            status, body = self.fetch(path, list(params))
            if status == 200:
                self.cache[key] = (True, body)
            else:
                said = (f"{body.get('code')} {body.get('msg')}" if isinstance(body, dict)
                        and "code" in body else f"HTTP {status}")
                self.cache[key] = (False, f"not checked: GET {path} was answered {said}"
                                   + (" (the key may lack this permission; see "
                                      "`binance-doctor check-key`)"
                                      if isinstance(body, dict) and body.get("code") in
                                      (-2015, -2014, -2008, -1022, -1002) else ""))
        return self.cache[key]


def _notional(rules: SymbolRules, order: Order, ref: Decimal | None) -> Decimal | None:
    if order.quantity is None:
        return order.quote_order_qty
    price = order.price if priced(rules, order) else ref if is_market(order) else None
    if price is None and order.type in SPOT_MARKET_ON_TRIGGER | {"STOP_MARKET",
                                                                 "TAKE_PROFIT_MARKET"}:
        price = order.stop_price
    return order.quantity * price if price is not None else None


def _open_counts(rules: SymbolRules, order: Order, opened: list[dict],
                 spot: bool) -> list[Check]:
    out = []
    specs = [("MAX_NUM_ORDERS", "maxNumOrders" if spot else "limit", lambda o: True, True)]
    if spot:
        specs += [("MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders",
                   lambda o: o.get("type") in ALGO_TYPES, order.type in ALGO_TYPES),
                  ("MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders",
                   lambda o: Decimal(str(o.get("icebergQty") or 0)) > 0,
                   order.iceberg_qty is not None and order.iceberg_qty > 0)]
    for name, key, counts, applies in specs:
        limit = rules.number(name, key)
        if limit is None or not applies:
            continue
        n = sum(1 for o in opened if counts(o))
        ok = n + 1 <= limit
        code, msg = ((-1013, f"Filter failure: {name}") if spot
                     else (-2025, "Reach max open order limit."))
        out.append(Check(name, ok, f"{n} open on {rules.symbol}; this order makes {n + 1}, "
                         f"limit {plain(limit)}", None if ok else code,
                         None if ok else msg))
    return out


def _open_orders(reads: _Reads, path: str, rules: SymbolRules, order: Order,
                 spot: bool) -> list[Check]:
    ok, body = reads.get(path, [("symbol", rules.symbol)])
    if not ok:
        return [Check("MAX_NUM_ORDERS", None, body)]
    return _open_counts(rules, order, body, spot) if isinstance(body, list) else []


def spot(fetch: Fetch, rules: SymbolRules, order: Order, ref: Decimal | None) -> list[Check]:
    reads = _Reads(fetch)
    out: list[Check] = []
    ok, body = reads.get(SPOT_PATHS["account"], [("omitZeroBalances", "true")])
    if not ok:
        out.append(Check("BALANCE", None, body))
    else:
        out.append(_spot_balance(rules, order, ref, body))
    out += _open_orders(reads, SPOT_PATHS["open"], rules, order, True)
    return out + _max_position(reads, rules, order)


def _max_position(reads: _Reads, rules: SymbolRules, order: Order) -> list[Check]:
    """MAX_POSITION (BUY orders): free + locked base asset + the quantity of open BUY
    orders + this order, against maxPosition. Open BUY orders are counted on this symbol
    only (the one openOrders read), which the detail says."""
    limit = rules.number("MAX_POSITION", "maxPosition")
    if limit is None or order.side != "BUY" or order.quantity is None:
        return []
    ok, account = reads.get(SPOT_PATHS["account"], [("omitZeroBalances", "true")])
    ok_open, opened = reads.get(SPOT_PATHS["open"], [("symbol", rules.symbol)])
    if not (ok and ok_open):
        return [Check("MAX_POSITION", None, account if not ok else opened)]
    held = sum((to_decimal(b.get(k, "0"), k) for b in account.get("balances", [])
                if b.get("asset") == rules.base_asset for k in ("free", "locked")), ZERO)
    buying = sum((to_decimal(o.get("origQty", "0"), "origQty") for o in opened
                  if o.get("side") == "BUY"), ZERO)
    total = held + buying + order.quantity
    detail = (f"{rules.base_asset} held {plain(held)} + open BUY orders on {rules.symbol} "
              f"{plain(buying)} + this order {plain(order.quantity)} = {plain(total)}; "
              f"maxPosition {plain(limit)}")
    if total <= limit:
        return [Check("MAX_POSITION", True, detail)]
    return [Check("MAX_POSITION", False, detail, -1013, "Filter failure: MAX_POSITION",
                  "quantity")]


def _spot_balance(rules: SymbolRules, order: Order, ref: Decimal | None, account: Any
                  ) -> Check:
    balances = {b.get("asset"): b for b in (account or {}).get("balances", [])
                if isinstance(b, dict)}
    if order.side == "BUY":
        asset, need = rules.quote_asset, _notional(rules, order, ref)
    else:
        asset = rules.base_asset
        need = order.quantity if order.quantity is not None else (
            order.quote_order_qty / ref if order.quote_order_qty is not None and ref else None)
    if need is None:
        return Check("BALANCE", None, "not checked: no price to value the order at "
                                      "(pass --price-ref)")
    free = to_decimal((balances.get(asset) or {}).get("free", "0"), f"{asset} free")
    taker = to_decimal(((account or {}).get("commissionRates") or {}).get("taker", "0"),
                       "taker commission")
    fee = f"; taker commission {plain(taker * 100)}% of a fill" if taker else ""
    about = "about " if is_market(order) and order.quantity is not None else ""
    detail = (f"{order.side} locks {about}{plain(need)} {asset}; free {plain(free)} "
              f"{asset}{fee}")
    if free >= need:
        return Check("BALANCE", True, detail)
    return Check("BALANCE", False, detail, -2010, INSUFFICIENT, "quantity")


@dataclass(frozen=True)
class FuturesSpec:
    """Where one futures product keeps what the account rules read, and in what unit."""

    paths: dict[str, str]
    cap_key: str               # the bracket's cap: notionalCap (quote) or qtyCap (base coin)
    held_key: str              # a position's size in that unit: notional or notionalValue


USDM = FuturesSpec(USDM_PATHS, "notionalCap", "notional")
COINM = FuturesSpec(COINM_PATHS, "qtyCap", "notionalValue")


def _value(rules: SymbolRules, order: Order, ref: Decimal | None) -> tuple[Decimal | None, str]:
    """The order's size in the unit its product's brackets and margin use: quote asset
    (USDⓈ-M), or base coin for COIN-M (contracts × contractSize / price)."""
    notional = _notional(rules, order, ref)
    if rules.product is not Product.COINM:
        return notional, rules.quote_asset
    price = order.price if priced(rules, order) else ref
    if order.quantity is None or not price or rules.contract_size is None:
        return None, rules.base_asset
    return order.quantity * rules.contract_size / price, rules.base_asset


def _mode(reads: _Reads, spec: FuturesSpec, order: Order) -> list[Check]:
    ok, body = reads.get(spec.paths["dual"])
    hedge = bool(body.get("dualSidePosition")) if ok and isinstance(body, dict) else None
    side = order.position_side or "BOTH"
    if hedge is None:
        return [Check("POSITION_SIDE", None, body if not ok else "not checked")]
    mode = "Hedge Mode" if hedge else "One-way Mode"
    good = side in ("LONG", "SHORT") if hedge else side == "BOTH"
    out = [Check("POSITION_SIDE", good, f"the account is in {mode}; positionSide "
                  f"{side} {'fits' if good else 'does not fit'} "
                  f"({'LONG or SHORT' if hedge else 'BOTH or none'} expected)",
                  None if good else -4061,
                  None if good else "Order's position side does not match user's setting.")]
    if order.reduce_only:
        out.append(Check("REDUCE_ONLY", not hedge,
                         "reduceOnly is not accepted in Hedge Mode (close with the "
                         "opposite side on the same positionSide)" if hedge else
                         "reduceOnly in One-way Mode", -1106 if hedge else None,
                         "Parameter 'reduceOnly' sent when not required." if hedge
                         else None))
    return out


def _leverage(reads: _Reads, spec: FuturesSpec, rules: SymbolRules
              ) -> tuple[Decimal | None, str]:
    """The symbol's leverage (USDⓈ-M: symbolConfig; COIN-M: positionRisk), or why not."""
    if "config" in spec.paths:
        ok, body = reads.get(spec.paths["config"], [("symbol", rules.symbol)])
        rows = body if ok and isinstance(body, list) else []
    else:
        ok, body = reads.get(spec.paths["positions"], [("pair", rules.pair)])
        rows = [p for p in body if p.get("symbol") == rules.symbol] \
            if ok and isinstance(body, list) else []
    if not ok:
        return None, body
    if not rows or rows[0].get("leverage") is None:
        return None, "not checked: Binance listed no leverage for the symbol"
    return to_decimal(rows[0]["leverage"], "leverage"), ""


def futures(spec: FuturesSpec, fetch: Fetch, rules: SymbolRules, order: Order,
            ref: Decimal | None) -> list[Check]:
    reads = _Reads(fetch)
    out = _mode(reads, spec, order)
    value, unit = _value(rules, order, ref)
    reduces = order.reduce_only or order.close_position
    leverage, why_not = _leverage(reads, spec, rules)
    if value is None or reduces:
        why_not = "not checked: " + ("the order only reduces the position" if reduces else
                                     "no price to value the order at (pass --price-ref)")
    if value is None or reduces or leverage is None:
        out += [Check("LEVERAGE_BRACKET", None, why_not), Check("MARGIN", None, why_not)]
    else:
        side = order.position_side or "BOTH"
        out.append(_bracket(reads, spec, rules, value, unit, leverage, side))
        out.append(_margin(reads, spec, rules, value, unit, leverage))
    return out + _open_orders(reads, spec.paths["open"], rules, order, False)


def _bracket(reads: _Reads, spec: FuturesSpec, rules: SymbolRules, value: Decimal,
             unit: str, leverage: Decimal, side: str) -> Check:
    ok, body = reads.get(spec.paths["brackets"], [("symbol", rules.symbol)])
    if not ok:
        return Check("LEVERAGE_BRACKET", None, body)
    entry = body[0] if isinstance(body, list) and body else body
    brackets = (entry or {}).get("brackets") or []
    caps = [to_decimal(b[spec.cap_key], spec.cap_key) for b in brackets
            if b.get(spec.cap_key) is not None
            and to_decimal(b.get("initialLeverage", 0), "initialLeverage") >= leverage]
    if not caps:
        return Check("LEVERAGE_BRACKET", False, f"no bracket allows leverage "
                     f"{plain(leverage)}x", -2027,
                     "Exceeded the maximum allowable position at current leverage.")
    cap = max(caps)
    params = ([("pair", rules.pair)] if rules.product is Product.COINM
              else [("symbol", rules.symbol)])
    ok, positions = reads.get(spec.paths["positions"], params)
    if not ok:
        return Check("LEVERAGE_BRACKET", None, positions)
    held = sum((abs(to_decimal(p.get(spec.held_key, "0"), spec.held_key))
                for p in positions or [] if p.get("symbol") == rules.symbol
                and p.get("positionSide", "BOTH") == side), ZERO)
    total = held + value
    detail = (f"position {plain(held)} + order {plain(value)} = {plain(total)} {unit}; "
              f"cap at {plain(leverage)}x is {plain(cap)}")
    if total <= cap:
        return Check("LEVERAGE_BRACKET", True, detail)
    return Check("LEVERAGE_BRACKET", False, detail + "; lower the leverage or the quantity",
                 -2027, "Exceeded the maximum allowable position at current leverage.",
                 "quantity")


def _margin(reads: _Reads, spec: FuturesSpec, rules: SymbolRules, value: Decimal,
            unit: str, leverage: Decimal) -> Check:
    ok, body = reads.get(spec.paths["account"])
    if not ok:
        return Check("MARGIN", None, body)
    if rules.product is Product.COINM:
        asset = next((a for a in (body or {}).get("assets", [])
                      if a.get("asset") == rules.margin_asset), {})
        available = to_decimal(asset.get("availableBalance", "0"), "availableBalance")
    else:
        available = to_decimal((body or {}).get("availableBalance", "0"), "availableBalance")
    need = value / leverage
    detail = (f"initial margin {plain(value)} / {plain(leverage)}x = "
              f"{plain(need.quantize(Decimal(1).scaleb(-8)))} {unit}; availableBalance "
              f"{plain(available)}")
    if available >= need:
        return Check("MARGIN", True, detail + " (fees and other open orders come on top)")
    return Check("MARGIN", False, detail, -2019, "Margin is insufficient.", "quantity")


def usdm(fetch: Fetch, rules: SymbolRules, order: Order, ref: Decimal | None) -> list[Check]:
    return futures(USDM, fetch, rules, order, ref)


def coinm(fetch: Fetch, rules: SymbolRules, order: Order, ref: Decimal | None) -> list[Check]:
    return futures(COINM, fetch, rules, order, ref)


def rules_for(product: Product):
    """The account rules of a product (spot, USDⓈ-M or COIN-M)."""
    return {Product.SPOT: spot, Product.USDM: usdm, Product.COINM: coinm}[product]
