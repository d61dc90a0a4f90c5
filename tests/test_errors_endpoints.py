"""Every REST endpoint a catalog explanation names exists today, for the products it serves.

The endpoint lists are facts in tests/reference/endpoints.json (built from Binance's
docs and its generated SDK; sources, dates and the retired endpoints with the change
log that retired them are inside). Each sentence of an explanation is checked:

- every endpoint it names exists today (none retired, none invented);
- every endpoint it names can be called by a product the explanation serves (or is a
  listed CROSS dependency, such as the USD-M market data portfolio margin reads);
- every product the explanation serves finds, in each sentence that names endpoints,
  one it can call itself: "GET /fapi/v1/order, GET /dapi/v1/order or GET /papi/v1/um/order"
  serves USD-M, COIN-M and portfolio margin users alike, while a portfolio-margin
  explanation naming only `/fapi/...` where `/papi/v1/um/...` is right fails.

SWEPT lists the products whose explanations have been reviewed against the lists
(issue 11): all six.
"""

from __future__ import annotations

import json
import re

import pytest

from binance_doctor.errors import catalog as cat_mod
from support import TESTS

SWEPT = ("spot", "sapi", "usdm", "coinm", "papi", "options")

ENDPOINTS = json.loads((TESTS / "reference" / "endpoints.json").read_text(encoding="utf-8"))

# Which path families each product's user can call. /sapi is the account-wide API
# (wallet, transfers, sub-accounts, API-key restrictions) and serves every account;
# margin (sapi) orders follow the spot symbols and filters of /api/v3.
FAMILIES = {"/api/": "spot", "/sapi/": "sapi", "/fapi/": "usdm", "/dapi/": "coinm",
            "/eapi/": "options", "/papi/": "papi"}
USABLE_BY = {"/api/": {"spot", "sapi"}, "/sapi/": {"spot", "sapi", "usdm", "coinm", "options", "papi"},
             "/fapi/": {"usdm"}, "/dapi/": {"coinm"}, "/eapi/": {"options"}, "/papi/": {"papi"},
             "/futures/data/": {"usdm", "coinm"}}

# Endpoints of another family that a product's own calls depend on, with the reason;
# keyed by path (a sentence may name them with or without the HTTP method).
_PM_MARKET_DATA = {"papi"}   # portfolio margin has no market-data endpoints of its own
CROSS = {
    # /sapi/v1/algo/futures/* orders trade USDⓈ-M symbols, listed by /fapi exchangeInfo.
    "/fapi/v1/exchangeInfo": {"sapi", *_PM_MARKET_DATA},
    "/dapi/v1/exchangeInfo": _PM_MARKET_DATA,
    "/fapi/v1/premiumIndex": _PM_MARKET_DATA,
    "/dapi/v1/premiumIndex": _PM_MARKET_DATA,
    "/fapi/v1/depth": _PM_MARKET_DATA,
    "/dapi/v1/depth": _PM_MARKET_DATA,
    "/fapi/v1/ticker/price": _PM_MARKET_DATA,
    "/dapi/v1/ticker/price": _PM_MARKET_DATA,
    "/fapi/v1/ticker/24hr": _PM_MARKET_DATA,
    "/fapi/v1/time": _PM_MARKET_DATA,
    "/dapi/v1/ticker/24hr": _PM_MARKET_DATA,
    # Changing the USD-M position mode syncs COIN-M and fails (-4531) while COIN-M has
    # positions or orders (derivatives change log 2026-05-11); COIN-M's mode must follow
    # USD-M's (change log 2026-04-10).
    "/dapi/v1/positionRisk": {"usdm"},
    "/dapi/v1/openOrders": {"usdm"},
    # COIN-M conditional orders are algo orders since the 2026-06-30 integration (notice C.5).
    "/dapi/v1/openAlgoOrders": {"usdm"},
    "/dapi/v1/positionSide/dual": {"usdm"},
    "/fapi/v1/positionSide/dual": {"coinm"},
}

# A path as written in prose: optional method, then /family/... up to a space,
# quote or closing bracket; a trailing "." or ":" ends the sentence, "?" a query.
_PATH = re.compile(r"(?:\b(GET|POST|PUT|DELETE)\s+)?(/(?:api|sapi|fapi|dapi|eapi|papi|futures/data)"
                   r"(?:/[A-Za-z0-9_{}.\-]*)*)")


def _mentions(text: str) -> list[tuple[str | None, str]]:
    found = []
    for m in _PATH.finditer(text):
        path = m.group(2).split("?")[0].rstrip(".:/")
        if path.endswith("..."):
            path = path[:-3].rstrip("/")
        found.append((m.group(1), path))
    return found


def _family(path: str) -> str | None:
    for prefix in USABLE_BY:
        if (path + "/").startswith(prefix):
            return prefix
    return None


def _known(method: str | None, path: str) -> set[str]:
    """The products whose current list has the endpoint (or, for a bare prefix such as
    /sapi/v1/capital, some endpoint under it)."""
    owners = set()
    for product, endpoints in ENDPOINTS["products"].items():
        for endpoint in endpoints:
            m, p = endpoint.split(" ", 1)
            if method is not None and m != method:
                continue
            if p == path or (method is None and p.startswith(path + "/")):
                owners.add(product)
    return owners


RETIRED = {e: r for r in ENDPOINTS["retired"] for e in r["endpoints"]}


def _problems(method: str | None, path: str, products: set[str], text: str = "") -> list[str]:
    family = _family(path)
    if family is None:
        return [f"{path}: not a Binance REST path family"]
    problems = []
    retired = [r for e, r in RETIRED.items()
               if e.split(" ", 1)[1] == path and (method is None or e.startswith(method + " "))]
    if retired and any(word in text for word in ("retired", "deprecated", "removed")):
        return []   # the sentence tells the user the endpoint is gone
    if retired:
        return [f"{method or ''} {path}: retired since {retired[0]['since']} ({retired[0]['source']})"]
    known = _known(method, path)
    if path.count("/") > 2 and not known:
        return [f"{method or ''} {path}: no such endpoint on any product today"]
    if method is None and not _known(None, path) & _exact(path):
        # A family or prefix ("/sapi/v1/margin", "/fapi") named as a place, not an
        # endpoint to call: product-labelled lists of them are fine.
        return []
    if not _callers(path, products):
        problems += [f"{method or ''} {path}: {family} is not an API of {product}"
                     for product in sorted(products)]
    return problems


def _callers(path: str, products: set[str]) -> set[str]:
    """The products among `products` that can call the endpoint at `path`."""
    family = _family(path)
    return {p for p in products if p in USABLE_BY.get(family, ()) or p in CROSS.get(path, ())}


def _sentence_problems(text: str, products: set[str]) -> list[str]:
    """Problems of one sentence: each endpoint on its own, then each product's coverage."""
    mentions = _mentions(text)
    problems = [p for method, path in mentions for p in _problems(method, path, products, text)]
    endpoints = [path for method, path in mentions if _exact(path)]
    if endpoints and not problems:
        served = set().union(*(_callers(path, products) for path in endpoints))
        problems += [f"{product} is given no endpoint of its own in: {text}"
                     for product in sorted(products - served)]
    return problems


def _exact(path: str) -> set[str]:
    return {product for product, endpoints in ENDPOINTS["products"].items()
            if any(e.split(" ", 1)[1] == path for e in endpoints)}


def _explanation_products(catalog) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for entry in catalog.entries:
        used.setdefault(entry.explanation.key, set()).update(p.value for p in entry.products)
    return used


def test_every_endpoint_named_in_a_swept_explanation_exists_on_its_products():
    catalog = cat_mod.load()
    failures = []
    checked = 0
    for key, products in _explanation_products(catalog).items():
        swept = products & set(SWEPT)
        if not swept:
            continue
        ex = catalog._explanation(key)
        for text in (ex.meaning, *ex.causes, *ex.fixes):
            checked += len(_mentions(text))
            failures += [f"{key}: {p}" for p in _sentence_problems(text, swept)]
    assert failures == []
    assert checked > 100


# -- the checker itself can fail ---------------------------------------------------

@pytest.mark.parametrize("text,products,problem", [
    ("Renew it with PUT /api/v3/userDataStream.", {"spot"}, "retired since 2026-02-20"),
    ("Keep it alive: PUT /sapi/v1/userDataStream/isolated", {"sapi"}, "retired since 2026-02-20"),
    ("Query GET /fapi/v1/order first.", {"spot"}, "not an API of spot"),
    ("Check GET /fapi/v2/positionRisk", {"papi"}, "not an API of papi"),
    ("Call GET /api/v3/orderStatus", {"spot"}, "no such endpoint"),
    ("Call GET /sapi/v1/loan/ongoing/orders", {"sapi"}, "retired since 2024-11-05"),
    ("Look the order up: GET /api/v3/order or GET /fapi/v1/order.", {"spot", "usdm", "coinm"},
     "coinm is given no endpoint of its own"),
    ("Query GET /fapi/v1/order (USD-M) or GET /dapi/v1/order (COIN-M).", {"usdm", "coinm", "papi"},
     "papi is given no endpoint of its own"),
    ("Check the filters in GET /fapi/v1/exchangeInfo.", {"coinm"}, "not an API of coinm"),
])
def test_the_check_catches_retired_foreign_and_invented_endpoints(text, products, problem):
    found = _sentence_problems(text, products)
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("text", [
    "Query it with GET /api/v3/order?symbol=X&origClientOrderId=Y.",
    "Subscribe on the WebSocket API instead of POST /api/v3/order/test:",
    "Read the limits at GET /sapi/v1/capital/config/getall.",
    "Query the endpoint of the product the order was placed on (/api/v3, /sapi/v1/margin, /fapi).",
    "PUT /api/v3/userDataStream was retired on 2026-02-20; subscribe on the WebSocket API.",
])
def test_the_check_passes_current_endpoints(text):
    assert _sentence_problems(text, {"spot"}) == []


@pytest.mark.parametrize("text,products", [
    ("Query GET /fapi/v1/order (USD-M), GET /dapi/v1/order (COIN-M) or GET /papi/v1/um/order.",
     {"usdm", "coinm", "papi"}),
    ("Round to tickSize from GET /fapi/v1/exchangeInfo (portfolio margin reads the same).", {"usdm", "papi"}),
])
def test_a_product_labelled_list_serves_each_product(text, products):
    assert _sentence_problems(text, products) == []


def test_the_endpoint_lists_hold_each_products_core_calls():
    products = ENDPOINTS["products"]
    assert "POST /api/v3/order" in products["spot"]
    assert "GET /sapi/v1/margin/maxBorrowable" in products["sapi"]
    assert "POST /fapi/v1/order" in products["usdm"]
    assert "POST /dapi/v1/order" in products["coinm"]
    assert "POST /eapi/v1/order" in products["options"]
    assert "POST /papi/v1/um/order" in products["papi"]
    listed = {e for endpoints in products.values() for e in endpoints}
    assert not listed & set(RETIRED), "an endpoint is both current and retired"
