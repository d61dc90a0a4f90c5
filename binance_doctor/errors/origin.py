"""Which product an error came from, with the evidence, never hiding the truth.

Owns the hints a text gives (host and path, client class or module, method
names, symbol forms, the words people use) and the ranking built on them: a
product where the code exists is dropped only when the text itself names
another product; otherwise every such product stays, the ones whose wording
(today's or an older one) the message matches first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from binance_doctor.pattern import compiled
from binance_doctor.product import ORDER, Product

if TYPE_CHECKING:
    from binance_doctor.errors.catalog import Catalog
    from binance_doctor.errors.extract import Found

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
    (gate, compiled(rx, re.I), products, what, tier)
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
        ("api", r"\b(?:demo-)?api\d?\.binance\.com\b", (Product.SPOT, Product.SAPI),
         "host api.binance.com", HOST),
        ("api", r"\bapi\d?\.binance\.us\b", (Product.SPOT, Product.SAPI),
         "host api.binance.us (Binance.US: the spot API and its /sapi)", HOST),
        ("binanceusdm", r"\bbinanceusdm\b", (Product.USDM,), "ccxt binanceusdm", CLIENT),
        ("binancecoinm", r"\bbinancecoinm\b", (Product.COINM,), "ccxt binancecoinm", CLIENT),
        ("binanceus", r"\bbinanceus\b|\bbinance\.us\b", (Product.SPOT, Product.SAPI),
         "Binance.US (spot only)", CLIENT),
        ("futures", r"\bUMFutures(?:ClientImpl)?\b|\bum_futures\b|DerivativesTradingUsdsFutures"
         r"|usds_futures|UsdFuturesApi", (Product.USDM,), "USDⓈ-M futures client", CLIENT),
        ("futures", r"\bCMFutures(?:ClientImpl)?\b|\bcm_futures\b|DerivativesTradingCoinFutures"
         r"|coin_futures|CoinFuturesApi", (Product.COINM,), "COIN-M futures client", CLIENT),
        ("options", r"DerivativesTradingOptions|derivatives_trading_options", (Product.OPTIONS,),
         "options client", CLIENT),
        ("portfolio", r"DerivativesTradingPortfolioMargin|portfolio_margin", (Product.PAPI,),
         "portfolio margin client", CLIENT),
        ("spot", r"binance_sdk_spot|\bSpotApi\b", (Product.SPOT,), "spot client", CLIENT),
        ("binance_f", r"\bbinance_f\b", (Product.USDM,), "module binance_f (USDⓈ-M)", CLIENT),
        # hummingbot's USDⓈ-M connector (hummingbot/connector/derivative/binance_perpetual)
        ("binance_perpetual", r"\bbinance_perpetual(?:_testnet)?\b", (Product.USDM,),
         "hummingbot connector binance_perpetual (USDⓈ-M)", CLIENT),
        ("binance_d", r"\bbinance_d\b", (Product.COINM,), "module binance_d (COIN-M)", CLIENT),
        # binance-connector-java: com.binance.connector.client.impl/exceptions/utils
        # (spot and /sapi); its modular successor names a module per product after
        # com.binance.connector.client (derivatives_trading_* are read by the futures,
        # options and portfolio rules above); binance-futures-connector-java is
        # com.binance.connector.futures (UM and CM).
        ("connector", r"com\.binance\.connector\.client(?!\.(?:derivatives_trading_\w+|spot"
         r"|margin_trading|wallet|sub_account|simple_earn|staking|convert|mining|algo"
         r"|crypto_loan|vip_loan|dual_investment|copy_trading|gift_card|c2c|fiat|pay|rebate"
         r"|nft)\b)", (Product.SPOT, Product.SAPI), "spot Java connector", CLIENT),
        ("connector", r"com\.binance\.connector\.client\.spot\b", (Product.SPOT,),
         "spot Java connector module", CLIENT),
        ("connector", r"com\.binance\.connector\.client\.(?:margin_trading|wallet|sub_account"
         r"|simple_earn|staking|convert|mining|algo|crypto_loan|vip_loan|dual_investment"
         r"|copy_trading|gift_card|c2c|fiat|pay|rebate|nft)\b", (Product.SAPI,),
         "margin/wallet Java connector module", CLIENT),
        ("connector", r"com\.binance\.connector\.futures(?!\.client\.impl\.(?:um_futures|cm_futures"
         r"|UMFutures|CMFutures))",
         (Product.USDM, Product.COINM), "futures Java connector", CLIENT),
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
         wording: tuple[Product, ...] = (), what: str = "documents this wording",
         said: dict[Product, str] | None = None) -> Ranked:
    """Rank the products an error can have come from (`where`: those whose catalog
    has it). The strongest tier of hints that names any of them decides; with no
    such hint, every one stays, those whose wording matched (`wording`) first,
    each with `what` (or its own words in `said`) as the evidence."""
    for tier in sorted({h.tier for h in hints}):
        named = [h for h in hints if h.tier == tier and h.product in where]
        if named:
            # One piece of evidence more precise than another of its tier wins: the
            # futures Java connector (USDⓈ-M or COIN-M) and its UMFuturesClientImpl in
            # the same trace say USDⓈ-M.
            sets: dict[str, set[Product]] = {}
            for h in hints:
                if h.tier == tier:
                    sets.setdefault(h.what, set()).add(h.product)
            named = [h for h in named if not any(
                other < sets[h.what] and other & set(where) for other in sets.values())]
            products = tuple(dict.fromkeys(h.product for h in named))
            evidence = tuple(dict.fromkeys(f"{h.product.value}: {h.what}" for h in named))
            return Ranked(products, products[0] if len(products) == 1 else None, evidence)
    order = {p: i for i, p in enumerate(ORDER)}
    products = tuple(sorted(where, key=lambda p: (p not in wording, order[p])))
    evidence = tuple(f"{p.value}: {(said or {}).get(p, what)}" for p in products if p in wording)
    if not evidence:
        evidence = ("not named in the text: every product with this error stays",)
    return Ranked(products, products[0] if len(products) == 1 else None, evidence)


def origin_of(catalog: Catalog, found: Found) -> Ranked:
    """The products an extracted error can have come from, ranked with the evidence.

    A product whose documented meaning of the printed code is another error than
    the printed message (see `contradicted`) is not a candidate: it is named in
    the evidence as "not this". A code no product documents with its message, or
    none documents at all, takes its products from the text's own hints."""
    from binance_doctor.errors.catalog import Kind

    matches = [m for m in (catalog.match_message(found.message) if found.message else [])
               if m.entry.kind is not Kind.CLIENT]
    if found.code is not None and found.code_from != "message":
        # A printed code: only a wording it is sent with says where it came from
        # (spot documents "Account has insufficient balance ...", but not with -1021).
        matches = [m for m in matches if found.code in (
            (m.entry.code,) if m.entry.code is not None else m.entry.codes)]
    wording = tuple(dict.fromkeys(p for m in matches for p in m.entry.products_for(m.template)))
    # Products where the text matched only a wording Binance was seen sending, not one
    # it documents, or one its docs gave before: said so, with where it was recorded
    # or the date the docs replaced it.
    documented = {p for m in matches if not m.entry.observed_source(m.template)
                  and not m.replaced for p in m.entry.products_for(m.template)}
    observed = {p: f"observed wording, not documented: recorded in {src}"
                for m in matches if (src := m.entry.observed_source(m.template))
                for p in m.entry.products_for(m.template) if p not in documented}
    observed |= {p: f"documented this wording until {m.replaced}" for m in matches
                 if m.replaced for p in m.entry.products_for(m.template)
                 if p not in documented and p not in observed}
    client = catalog.client_entry(found.message) if found.code == 0 else None
    if client is not None:     # a client's own code says nothing of the product
        return rank(client.products, found.hints)
    against: dict[Product, str] = {}
    if found.code is not None and found.code_from != "message":
        where = tuple(dict.fromkeys(p for e in catalog.by_code(found.code) for p in e.products))
        if found.code_from == "name":
            # Products whose entry has the printed name first; where the code goes by
            # another name it stays, ranked after them.
            from binance_doctor.errors.recall import code_names

            token = (found.message or "").split(" ")[0].rstrip(".,:;")
            wording = tuple(dict.fromkeys(tuple(Product(p) for p in code_names(catalog).get(
                token, {}).get(found.code, ())) + wording))
        else:
            against = contradicted(catalog, found.code, found.message, found.form)
        where = tuple(p for p in where if p not in against)
    elif any(m.entry.kind is not Kind.CODE for m in matches):
        # A filter or matching-engine message: where it is documented, and any product
        # the text names that has the code it gives.
        named = tuple(h.product for h in found.hints
                      if found.code is not None and catalog.by_code(found.code, h.product))
        where = tuple(dict.fromkeys(wording + named))
    elif found.code is not None:     # a code's own wording: every product with the code
        where = tuple(dict.fromkeys(wording + tuple(
            p for e in catalog.by_code(found.code) for p in e.products)))
    elif found.status is not None:     # a status can come from any product
        where = ORDER
    else:
        where = wording
    known = catalog.undocumented(found.code) if not where and found.code is not None else None
    if known:                  # observed, not documented: where it was observed
        where = tuple(Product(p) for p in known["products"])
    elif not where and found.code is not None:
        # Not documented (with this message): what the text itself says of the product.
        where = tuple(dict.fromkeys(h.product for h in found.hints if h.product not in against))
    ranked = rank(where, found.hints, wording, "documents this name" if found.code_from == "name"
                  else "documents this wording", observed)
    if against:
        shown = f"{found.code} means {meanings(against)}, not this"
        ranked = ranked._replace(evidence=ranked.evidence + (shown,))
    return ranked


def meanings(against: dict[Product, str]) -> str:
    """'"X" on usdm, coinm; "Y" on options': a code's wordings per product, grouped."""
    out: dict[str, list[str]] = {}
    for p, meaning in against.items():
        out.setdefault(meaning.rstrip("."), []).append(p.value)
    return "; ".join(f"\"{m}\" on {', '.join(ps)}" for m, ps in out.items())


# Formats whose message is the response's own msg field, not prose after a code.
_BODY_FORMS = frozenset(("json", "python-binance", "go-binance", "binance-connector",
                         "binance-sdk", "binance.net"))
_STEM = compiled(r"[a-z]{3,}")
_LABEL = compiled(r"[A-Za-z ]{1,20}:")
_CATCH_ALL = compiled(r"(?i)\b(?:unknown|internal)(?: server)? error\b")
_FILLER = frozenset("the this that these those for and not are was were been has have had "
                    "with your you can cannot please from into its than then there their "
                    "will would should may must any all but our out use".split())


def contradicted(catalog: Catalog, code: int | None, message: str | None,
                 form: str = "json") -> dict[Product, str]:
    """Products where the printed code documents a different error than the printed
    message: the message matches none of the code's wordings there (today's or older)
    and shares no content word with them or the code's name. Each with the code's
    documented wording there. Only a message the response itself carried counts, and
    only codes whose docs fix their message (not a bare name such as CANCEL_REJECTED,
    whose msg varies)."""
    if code is None or not message:
        return {}
    said = _stems(message)
    # What follows a code in prose is the response's msg only when it reads like one:
    # a capitalised sentence of some length, not a label ("Reason: ...").
    prose = form not in _BODY_FORMS
    if prose and (form != "text" or not message[:1].isupper() or _LABEL.match(message)):
        return {}
    if len(said) < (3 if prose else 2):
        return {}
    matches = catalog.match_message(message)
    own = [m.entry for m in matches
           if code in ((m.entry.code,) if m.entry.code is not None else m.entry.codes)]
    if own:
        # One of its wordings (or a message it is sent with) on some products: there
        # the message is this code's own, and a product that documents the code as
        # another error (another name, no shared word) is ruled out by it.
        return _other_errors(catalog, code, said, {e.name for e in own},
                             {p for e in own for p in e.products})
    if prose and not matches:
        # Someone's own words after a code ("-1021: Please sync your clock") can say
        # anything; only Binance's wording of another error shows it is another one.
        return {}
    return _other_errors(catalog, code, said)


def _other_errors(catalog: Catalog, code: int, said: set[str], names: set = frozenset(),
                  keep: set = frozenset()) -> dict[Product, str]:
    """Products where `code` is documented as an error that shares no content word with
    the message (`said`'s stems), skipping entries named in `names` and products in
    `keep`; each with the code's wording there."""
    older: dict[str, list[str]] = {}
    for r in catalog.history(code):
        for p in r["products"]:
            older.setdefault(p, []).append(r["message"])
    out: dict[Product, str] = {}
    for entry in catalog.by_code(code):
        if entry.name in names:
            continue
        texts = [t for t in entry.messages if t.rstrip(".") != entry.name]
        if not texts or any(_CATCH_ALL.search(t) for t in texts):
            # The docs give no wording of their own, or one that says the cause is
            # unknown or internal (-1000 "An unknown error occurred ..."): whatever
            # msg Binance adds cannot disagree with it.
            continue
        for p in entry.products:
            if p in keep:
                continue
            documented = set().union(*(_stems(t) for t in texts + older.get(p.value, [])),
                                     _stems((entry.name or "").replace("_", " ")))
            if not said & documented:
                out[p] = texts[0]
    return out


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _STEM.findall(text.lower()) if w not in _FILLER}
