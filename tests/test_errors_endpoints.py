"""Every REST endpoint a catalog explanation names exists today on each of its products.

The endpoint lists are facts in tests/reference/endpoints.json (built from Binance's
docs and its generated SDK; sources, dates and the retired endpoints with the change
log that retired them are inside). An explanation shared by several products may only
name an endpoint that every one of them has: a spot explanation naming `/fapi/...`, or
a portfolio-margin one naming `/fapi/...` where `/papi/v1/um/...` is right, fails.

SWEPT lists the products whose explanations have been reviewed against the lists
(issue 11). Note to whoever finishes the usdm/coinm/papi/options sweep (branch
catalog-b): add those products to SWEPT here when their explanations pass.
"""

from __future__ import annotations

import json
import re

import pytest

from binance_doctor.errors import catalog as cat_mod
from support import TESTS

SWEPT = ("spot", "sapi")

ENDPOINTS = json.loads((TESTS / "reference" / "endpoints.json").read_text(encoding="utf-8"))

# Which path families each product's user can call. /sapi is the account-wide API
# (wallet, transfers, sub-accounts, API-key restrictions) and serves every account;
# margin (sapi) orders follow the spot symbols and filters of /api/v3.
FAMILIES = {"/api/": "spot", "/sapi/": "sapi", "/fapi/": "usdm", "/dapi/": "coinm",
            "/eapi/": "options", "/papi/": "papi"}
USABLE_BY = {"/api/": {"spot", "sapi"}, "/sapi/": {"spot", "sapi", "usdm", "coinm", "options", "papi"},
             "/fapi/": {"usdm"}, "/dapi/": {"coinm"}, "/eapi/": {"options"}, "/papi/": {"papi"},
             "/futures/data/": {"usdm", "coinm"}}

# Endpoints of another family that a product's own calls depend on, with the reason.
CROSS = {
    # /sapi/v1/algo/futures/* orders trade USDⓈ-M symbols, listed by /fapi exchangeInfo.
    "GET /fapi/v1/exchangeInfo": {"sapi"},
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
    for product in sorted(products):
        if product not in USABLE_BY[family] and product not in CROSS.get(f"{method} {path}", ()):
            problems.append(f"{method or ''} {path}: {family} is not an API of {product}")
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
            for method, path in _mentions(text):
                checked += 1
                failures += [f"{key}: {p}" for p in _problems(method, path, swept, text)]
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
    ("Look the order up: GET /api/v3/order or GET /fapi/v1/order.", {"spot", "usdm"},
     "/fapi/ is not an API of spot"),
])
def test_the_check_catches_retired_foreign_and_invented_endpoints(text, products, problem):
    found = [p for method, path in _mentions(text) for p in _problems(method, path, products, text)]
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("text", [
    "Query it with GET /api/v3/order?symbol=X&origClientOrderId=Y.",
    "Subscribe on the WebSocket API instead of POST /api/v3/order/test:",
    "Read the limits at GET /sapi/v1/capital/config/getall.",
    "Query the endpoint of the product the order was placed on (/api/v3, /sapi/v1/margin, /fapi).",
    "PUT /api/v3/userDataStream was retired on 2026-02-20; subscribe on the WebSocket API.",
])
def test_the_check_passes_current_endpoints(text):
    assert [p for method, path in _mentions(text) for p in _problems(method, path, {"spot"}, text)] == []


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
