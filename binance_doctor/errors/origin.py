"""Which product an error came from, with the evidence, never hiding the truth.

Owns the hints a text gives (host and path, client class or module, method
names, symbol forms, the words people use) and the ranking built on them: a
product where the code exists is dropped only when the text itself names
another product; otherwise every such product stays, the ones whose wording
(today's or an older one) the message matches first.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from binance_doctor.product import ORDER, Product

# Evidence tiers: a request's path, its host, a client's class or module, a method
# name or symbol form, plain words. The strongest tier present decides.
PATH, HOST, CLIENT, CALL, WORD = 0, 1, 2, 3, 4


class Hint(NamedTuple):
    product: Product
    what: str           # what in the text says so ("path /fapi/")
    tier: int


# (gate, regex, products, what, tier): the gate is a lower-case literal that must be
# in the line before its regex runs.
_HINTS = tuple(
    (gate, re.compile(rx, re.I), products, what, tier)
    for gate, rx, products, what, tier in (
        ("/fapi/", r"/fapi/v\d", (Product.USDM,), "path /fapi/", PATH),
        ("/dapi/", r"/dapi/v\d", (Product.COINM,), "path /dapi/", PATH),
        ("/eapi/", r"/eapi/v\d", (Product.OPTIONS,), "path /eapi/", PATH),
        ("/papi/", r"/papi/v\d", (Product.PAPI,), "path /papi/", PATH),
        ("/sapi/", r"/sapi/v\d", (Product.SAPI,), "path /sapi/", PATH),
        ("/vapi/", r"/vapi/v\d|\bvapi\.binance\.com\b", (Product.OPTIONS,),
         "the older options API (vapi)", PATH),
        ("/api/", r"/api/v\d", (Product.SPOT,), "path /api/v3", PATH),
        ("fapi.binance", r"\b(?:demo-)?fapi\.binance\.com\b", (Product.USDM,),
         "host fapi.binance.com", HOST),
        ("dapi.binance", r"\b(?:demo-)?dapi\.binance\.com\b", (Product.COINM,),
         "host dapi.binance.com", HOST),
        ("eapi.binance", r"\beapi\.binance\.com\b", (Product.OPTIONS,), "host eapi.binance.com",
         HOST),
        ("papi.binance", r"\bpapi\.binance\.com\b", (Product.PAPI,), "host papi.binance.com",
         HOST),
        ("binancefuture", r"\btestnet\.binancefuture\.com\b", (Product.USDM,),
         "host testnet.binancefuture.com", HOST),
        ("binance.vision", r"\btestnet\.binance\.vision\b", (Product.SPOT,),
         "host testnet.binance.vision", HOST),
        ("api", r"\b(?:demo-)?api\d?\.binance\.(?:com|us)\b", (Product.SPOT, Product.SAPI),
         "host api.binance.com", HOST),
        ("binanceusdm", r"\bbinanceusdm\b", (Product.USDM,), "ccxt binanceusdm", CLIENT),
        ("binancecoinm", r"\bbinancecoinm\b", (Product.COINM,), "ccxt binancecoinm", CLIENT),
        ("binanceus", r"\bbinanceus\b|\bbinance\.us\b", (Product.SPOT, Product.SAPI),
         "Binance.US (spot only)", CLIENT),
        ("futures", r"\bUMFutures\b|\bum_futures\b|DerivativesTradingUsdsFutures"
         r"|usds_futures|UsdFuturesApi", (Product.USDM,), "USDⓈ-M futures client", CLIENT),
        ("futures", r"\bCMFutures\b|\bcm_futures\b|DerivativesTradingCoinFutures"
         r"|coin_futures|CoinFuturesApi", (Product.COINM,), "COIN-M futures client", CLIENT),
        ("options", r"DerivativesTradingOptions|derivatives_trading_options", (Product.OPTIONS,),
         "options client", CLIENT),
        ("portfolio", r"DerivativesTradingPortfolioMargin|portfolio_margin", (Product.PAPI,),
         "portfolio margin client", CLIENT),
        ("spot", r"binance_sdk_spot|\bSpotApi\b", (Product.SPOT,), "spot client", CLIENT),
        ("binance_f", r"\bbinance_f\b", (Product.USDM,), "module binance_f (USDⓈ-M)", CLIENT),
        ("binance_d", r"\bbinance_d\b", (Product.COINM,), "module binance_d (COIN-M)", CLIENT),
        ("connector", r"com\.binance\.connector\.client", (Product.SPOT, Product.SAPI),
         "spot Java connector", CLIENT),
        ("connector", r"com\.binance\.connector\.futures", (Product.USDM, Product.COINM),
         "futures Java connector", CLIENT),
        ("futures", r"\bfutures_coin_\w+|\bfuturesCoin\w+", (Product.COINM,),
         "a futures_coin_* call", CALL),
        ("futures", r"\bfutures_(?!coin)\w+|\bfutures(?!Coin)[A-Z]\w+", (Product.USDM,),
         "a futures_* call", CALL),
        ("api", r"\b_request_futures_coin_api\b|\bdapi(?:Public|Private)\w+", (Product.COINM,),
         "a COIN-M request (dapi)", CALL),
        ("api", r"\b_request_futures_api\b|\bfapi(?:Public|Private)\w+", (Product.USDM,),
         "a USDⓈ-M request (fapi)", CALL),
        ("api", r"\b_request_margin_api\b|\bsapi(?:Get|Post|Put|Delete)\w+", (Product.SAPI,),
         "a margin/wallet request (sapi)", CALL),
        ("api", r"\b_request_options_api\b|\beapi(?:Public|Private)\w+|\boptions_\w+\(",
         (Product.OPTIONS,), "an options request", CALL),
        ("papi", r"\bpapi(?:Get|Post|Put|Delete)\w+", (Product.PAPI,),
         "a portfolio margin request (papi)", CALL),
        ("tld", r"tld\s*=\s*['\"]us['\"]", (Product.SPOT, Product.SAPI), "Binance.US (tld='us')",
         CLIENT),
        ("_", r"\b(?:get_(?:max_)?margin_\w+|(?:create|repay)_margin_\w+|get_isolated_\w+"
         r"|futures_account_transfer|universal_transfer|get_(?:deposit|withdraw)_\w+"
         r"|get_sub_account_\w+|get_asset_dividend_history|get_dust_log|transfer_dust)\b",
         (Product.SAPI,), "a python-binance margin/wallet call", CALL),
        ("_", r"\b(?:order_(?:market|limit|oco)_(?:buy|sell)|create_(?:test_)?order|create_oco_order"
         r"|get_all_tickers|get_symbol_ticker|get_orderbook_tickers?|get_order_book"
         r"|get_(?:historical_)?klines|get_aggregate_trades|aggregate_trade_iter|get_my_trades"
         r"|get_all_orders|get_open_orders|get_asset_balance|get_symbol_info|get_exchange_info"
         r"|get_recent_trades|get_historical_trades|order_oco_(?:buy|sell))\b",
         (Product.SPOT,), "a python-binance spot call", CALL),
        ("_perp", r"\b[A-Z]{2,10}USD_PERP\b", (Product.COINM,), "a COIN-M symbol (_PERP)", CALL),
        (":usd", r"/USD[TC]?:USD[TC]\b", (Product.USDM,), "a ccxt linear swap symbol", CALL),
        (":", r"\b[A-Z]{2,10}/USD:[A-Z]{2,10}\b", (Product.COINM,),
         "a ccxt inverse swap symbol", CALL),
        ("margin", r"\b(?:cross|isolated)[ _-]?margin|\bmargin[ _](?:account|order|loan|borrow"
         r"|repay|trade|trading)|\bon margin\b|\bmargin_\w+\(|\bcreate_margin_\w+|marginAccount",
         (Product.SAPI,), "a margin call", CALL),
        ("withdraw", r"\bwithdraw", (Product.SAPI,), "a wallet call (withdraw)", CALL),
        ("deposit", r"\bdeposit", (Product.SAPI,), "a wallet call (deposit)", CALL),
        ("portfolio", r"\bportfolio[ -]margin\b", (Product.PAPI,), "the words portfolio margin",
         WORD),
        ("coin", r"\bcoin[- ]?m\b|\bcoin-margined\b", (Product.COINM,), "the word COIN-M", WORD),
        ("deliver", r"\bdelivery\b", (Product.COINM,), "the word delivery", WORD),
        ("usd", r"\busd[sⓈ]?[- ]?m\b|\busd[sⓈ]?-margined\b", (Product.USDM,),
         "the word USDⓈ-M", WORD),
        ("future", r"\bfutures?\b", (Product.USDM, Product.COINM), "the word futures", WORD),
        ("spot", r"\bspot\b", (Product.SPOT,), "the word spot", WORD),
    ))

_GATES = ("_", "tld", "api", "vapi", "binance", "utures", "ortfolio", "ption", "pot", "margin", "ithdraw", "eposit",
          "_PERP", ":USD", "/USD", "onnector", "oin", "elivery", "USD", "usd")


def product_hints(text: str) -> list[Hint]:
    """Every product the text points at, strongest evidence first."""
    if not any(w in text for w in _GATES):
        return []
    low = text.lower()
    out: list[Hint] = []
    for gate, rx, products, what, tier in _HINTS:
        if gate in low and rx.search(text):
            out += [Hint(p, what, tier) for p in products]
    return out


def product_hint(text: str) -> tuple[Product, str] | None:
    """The product the strongest evidence in the text points at first, and what says so
    (a path over a host over a client class over a call over a word)."""
    hints = product_hints(text)
    if not hints:
        return None
    best = min(hints, key=lambda h: h.tier)
    return best.product, best.what


class Ranked(NamedTuple):
    products: tuple[Product, ...]      # every candidate, best first
    best: Product | None               # what the evidence singles out, else None
    evidence: tuple[str, ...]          # why, in words


def rank(where: tuple[Product, ...], hints: tuple[Hint, ...],
         wording: tuple[Product, ...] = ()) -> Ranked:
    """Rank the products an error can have come from (`where`: those whose catalog
    has it). The strongest tier of hints that names any of them decides; with no
    such hint, every one stays, those whose wording matched (`wording`) first."""
    for tier in sorted({h.tier for h in hints}):
        named = [h for h in hints if h.tier == tier and h.product in where]
        if named:
            products = tuple(dict.fromkeys(h.product for h in named))
            evidence = tuple(dict.fromkeys(f"{h.product.value}: {h.what}" for h in named))
            return Ranked(products, products[0] if len(products) == 1 else None, evidence)
    order = {p: i for i, p in enumerate(ORDER)}
    products = tuple(sorted(where, key=lambda p: (p not in wording, order[p])))
    evidence = tuple(f"{p.value}: documents this wording" for p in products if p in wording)
    if not evidence:
        evidence = ("not named in the text: every product with this error stays",)
    return Ranked(products, products[0] if len(products) == 1 else None, evidence)
