"""Reading a symbol's trading rules out of an exchangeInfo answer (whole, or one symbol).

Owns the `SymbolRules` record the filter checks run on: the filters by
filterType (values kept as the exact strings Binance sent, turned into Decimal
only where a rule needs them), the exchange-wide filters, the precisions and,
for COIN-M, the contract size. Shapes follow the documented answers of
`GET /api/v3/exchangeInfo`, `GET /fapi/v1/exchangeInfo` and
`GET /dapi/v1/exchangeInfo` (binance-spot-api-docs rest-api.md "Exchange
information"; developers.binance.com derivatives "Exchange Information").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from binance_doctor.failure import BadInput
from binance_doctor.product import Product

PRODUCTS = (Product.SPOT, Product.USDM, Product.COINM)


@dataclass(frozen=True)
class SymbolRules:
    """What exchangeInfo says about one symbol, for one product."""

    symbol: str
    product: Product
    status: str
    base_asset: str
    quote_asset: str
    filters: dict[str, dict] = field(default_factory=dict)
    exchange_filters: dict[str, dict] = field(default_factory=dict)
    order_types: tuple[str, ...] = ()
    base_precision: int | None = None        # spot baseAssetPrecision
    quote_precision: int | None = None       # spot quoteAssetPrecision (quotePrecision)
    price_precision: int | None = None       # futures pricePrecision
    quantity_precision: int | None = None    # futures quantityPrecision
    contract_size: Decimal | None = None     # COIN-M: quote-asset value of one contract
    margin_asset: str | None = None
    pair: str | None = None                  # futures: the underlying pair (COIN-M: BTCUSD)

    def filter(self, name: str) -> dict | None:
        return self.filters.get(name) or self.exchange_filters.get(name)

    def number(self, name: str, key: str) -> Decimal | None:
        """A filter's value as Decimal, or None when the filter or key is absent."""
        f = self.filter(name)
        if f is None or f.get(key) is None:
            return None
        return to_decimal(f[key], f"{name}.{key}")


def to_decimal(value: Any, what: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadInput(f"{what} is not a number: {value!r}") from None
    if not d.is_finite():
        raise BadInput(f"{what} is not a finite number: {value!r}")
    return d


def guess_product(entry: dict) -> Product:
    """COIN-M symbols carry contractSize; USDⓈ-M symbols carry contractType without it."""
    if "contractSize" in entry:
        return Product.COINM
    if "contractType" in entry or "marginAsset" in entry:
        return Product.USDM
    return Product.SPOT


def _symbols(raw: Any) -> tuple[list[dict], list[dict]]:
    if isinstance(raw, dict) and isinstance(raw.get("symbols"), list):
        return [s for s in raw["symbols"] if isinstance(s, dict)], \
            [f for f in raw.get("exchangeFilters") or [] if isinstance(f, dict)]
    if isinstance(raw, dict) and "symbol" in raw and "filters" in raw:
        return [raw], []
    if isinstance(raw, list) and all(isinstance(s, dict) for s in raw):
        return raw, []
    raise BadInput("this is not an exchangeInfo answer: no `symbols` list and no single "
                   "symbol with `filters`",
                   hint="save the whole answer of GET /api/v3/exchangeInfo?symbol=SYMBOL "
                        "(or /fapi/v1/exchangeInfo, /dapi/v1/exchangeInfo)")


def parse(raw: Any, symbol: str, product: Product | None = None) -> SymbolRules:
    """The rules of SYMBOL in an exchangeInfo answer; BadInput when it is not there."""
    symbols, exchange_filters = _symbols(raw)
    wanted = symbol.upper()
    entry = next((s for s in symbols if str(s.get("symbol", "")).upper() == wanted), None)
    if entry is None:
        known = ", ".join(str(s.get("symbol")) for s in symbols[:5])
        raise BadInput(f"{wanted} is not in this exchangeInfo"
                       + (f" (it lists {known}{', ...' if len(symbols) > 5 else ''})"
                          if symbols else " (it lists no symbols)"),
                       hint="check the symbol, or save exchangeInfo for the right product")
    found = guess_product(entry)
    chosen = product or found
    if product is not None and found is not product and not (
            found is Product.USDM and product is Product.COINM):
        raise BadInput(f"this exchangeInfo is for {found.label}, not {product.label}",
                       hint=f"drop --product or pass --product {found.value}")
    filters = {str(f.get("filterType")): f for f in entry.get("filters") or []
               if isinstance(f, dict)}
    exch = {str(f.get("filterType")): f for f in exchange_filters}

    def precision(key: str) -> int | None:
        value = entry.get(key)
        return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None

    size = entry.get("contractSize")
    return SymbolRules(
        symbol=str(entry.get("symbol")),
        product=chosen,
        status=str(entry.get("status") or entry.get("contractStatus") or "TRADING"),
        base_asset=str(entry.get("baseAsset", "")),
        quote_asset=str(entry.get("quoteAsset", "")),
        filters=filters,
        exchange_filters=exch,
        order_types=tuple(str(t) for t in entry.get("orderTypes") or ()),
        base_precision=precision("baseAssetPrecision"),
        quote_precision=precision("quoteAssetPrecision") or precision("quotePrecision"),
        price_precision=precision("pricePrecision") if chosen is not Product.SPOT else None,
        quantity_precision=(precision("quantityPrecision")
                            if chosen is not Product.SPOT else None),
        contract_size=to_decimal(size, "contractSize") if size is not None else None,
        margin_asset=entry.get("marginAsset"),
        pair=entry.get("pair"),
    )


def load_file(path: str, symbol: str, product: Product | None = None) -> SymbolRules:
    """Rules from a saved exchangeInfo answer; unreadable files are bad input."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError:                   # not UTF-8, or a NUL byte in the name
        raise BadInput(f"cannot read {path!r}: not a UTF-8 text file") from None
    try:
        raw = json.loads(text, parse_float=str)
    except RecursionError:
        raise BadInput(f"{path} is JSON nested too deep to be exchangeInfo") from None
    except ValueError as e:
        raise BadInput(f"{path} is not JSON: {e}") from None
    return parse(raw, symbol, product)
