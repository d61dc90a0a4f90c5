"""Every request parameter a catalog explanation tells the user to send exists on its products.

The parameter and field names are facts in tests/reference/parameters.json (built from
Binance's generated SDK; source, commit and method inside). Each sentence of an
explanation (meaning, causes, fixes) is read for camelCase names (`recvWindow`,
`newClientOrderId`), and each is checked for every product the explanation serves:

- A name is a PARAMETER CLAIM when the sentence presents it as something to send or set:
  a verb of sending (send, set, pass, add, include, use, give, supply, provide, omit,
  drop, remove, reuse, change) or "with" stands at most two words before it, or it is
  followed by "=", "parameter" or "value". A claim must be a request parameter of the
  product (fields never satisfy it): options users told to send `origClientOrderId`,
  which no /eapi call takes, fail.
- Any other name (`stepSize` in exchangeInfo, `whiteStatus` of an address) must be a
  parameter or an SDK model field of the product.
- Either may instead come from an endpoint family the sentence itself names and the
  product can call (a spot explanation pointing at `/sapi/v1/capital/withdraw/apply` may
  name `withdrawOrderId`).
- Ignored: endpoint paths; names that are an endpoint's last path segment, current or
  retired (`exchangeInfo`, `allOrders`, `userDataStream`); WebSocket method names
  (`userDataStream.subscribe`); event names (followed by "event", or sent by "the stream");
  names scoped to the WebSocket API ("timeUnit parameter (WebSocket)"). After "no", "not"
  or "never" a name is not a claim (it still must exist as a parameter or field).
- Which products a name is held to: a name followed by its own product scope
  ("origClientOrderId on spot, margin, futures and portfolio margin; clientOrderId on
  options", "pricePrecision or quantityPrecision (futures)") is held to those products
  only. Otherwise a sentence that names some of the explanation's products ("On USDⓈ-M",
  "(portfolio margin)", "on futures") holds only those; one that names none of them holds
  all of them; one that names only other products ("For margin orders, ..." in a spot
  explanation) lets the name come from those products' lists too.
- A product's lists: its own parameters and fields (tests/reference/parameters.json,
  including its added_by_hand names), plus margin (sapi) also spot's parameters and fields
  (margin orders trade spot symbols with spot's order parameters and filters) and portfolio
  margin also USD-M and COIN-M FIELDS (it has no market data of its own and reads their
  exchangeInfo and mark prices, as test_errors_endpoints' CROSS records). A camelCase name
  in one of Binance's own error messages for the product ("Quantity must be zero with
  closePosition equals true", "clientTranId is not valid") counts as its parameter: the
  product's error list shows the product checks it. A plural ("listenKeys") counts when
  its singular does.
- ACCEPTED holds the few (explanation, product, name) the lists cannot show, each with
  its reason.
"""

from __future__ import annotations

import json
import re

import pytest

from binance_doctor.errors import catalog as cat_mod
from support import TESTS
from test_errors_endpoints import ENDPOINTS, USABLE_BY, _explanation_products, _family, _mentions

PARAMETERS = json.loads((TESTS / "reference" / "parameters.json").read_text(encoding="utf-8"))
PRODUCTS = ("spot", "sapi", "usdm", "coinm", "papi", "options")

_CAMEL = re.compile(r"(?<![\w/.\-])([a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+)(?![\w/]|\.\w)")
_PATH = re.compile(r"/(?:api|sapi|fapi|dapi|eapi|papi|futures/data)(?:/[A-Za-z0-9_{}.\-]*)*(?:\?\S*)?")
_SEND = re.compile(r"\b(?:send|sending|sent|set|sets|setting|pass|passing|add|adding|include|"
                   r"including|use|using|give|giving|supply|provide|omit|omitting|drop|remove|reuse|"
                   r"change)(?:\s+[\w'’-]+){0,2}\s+$", re.IGNORECASE)
_AFTER = re.compile(r"^\s*(?:=|parameters?\b|values?\b)", re.IGNORECASE)
_NOT_SENT = re.compile(r"\b(?:no|not|never)\s+$|\bstream sends\s+$", re.IGNORECASE)
_EVENT = re.compile(r"^\s+events?\b", re.IGNORECASE)
# "origClientOrderId on spot, margin ...;", "pricePrecision or quantityPrecision (futures)"
_SCOPE = re.compile(r"^(?:\s+(?:or|and)\s+[\w/]+)*(?:\s+parameters?)?\s*(?:\(|\bon\s)([^;)]*)")

# How a sentence names a product (a label it uses for the product's users).
_FUTURES = r"\bfutures\b"
LABELS = {
    "spot": re.compile(r"\b[Ss]pot\b"),
    "sapi": re.compile(r"\bmargin (?:orders?|accounts?|trading|trade data)\b|\b[Ff]or (?:isolated |cross )?margin\b"
                       r"|\bspot, margin\b|/sapi\b"),
    "usdm": re.compile(r"USDⓈ-M|USD-M|USDS-M|USDT-M|/fapi\b|" + _FUTURES, re.IGNORECASE),
    "coinm": re.compile(r"COIN-M|/dapi\b|" + _FUTURES, re.IGNORECASE),
    "options": re.compile(r"\b(?:on|for|to|and) options\b|\boptions (?:users|orders?|API|account)\b|\(options\)"
                          r"|\bOptions\b|/eapi\b"),
    "papi": re.compile(r"portfolio margin|/papi\b", re.IGNORECASE),
}
_WEBSOCKET = re.compile(r"WebSocket")
_SCOPE_START = re.compile(r"\s*(?:[Ss]pot|margin|futures|USD.?-M|COIN-M|options|portfolio margin)\b")

# Family prefix (as in test_errors_endpoints) -> the parameter list holding its calls.
_FAMILY_LIST = {"/api/": "spot", "/sapi/": "sapi", "/fapi/": "usdm", "/dapi/": "coinm",
                "/eapi/": "options", "/papi/": "papi", "/futures/data/": "usdm"}

# The lists a product's names may come from besides its own, as in test_errors_endpoints'
# USABLE_BY and CROSS: margin (sapi) orders trade spot symbols with spot's order parameters
# and filters; portfolio margin has no market data of its own and reads USD-M and COIN-M
# exchangeInfo and mark prices, so their FIELDS (never their parameters) serve it too.
EXTRA_PARAMETERS = {"sapi": {"spot"}}
EXTRA_FIELDS = {"sapi": {"spot"}, "papi": {"usdm", "coinm"}}

# Names the test accepts for one explanation and product although the lists above do not
# hold them, each with the reason.
ACCEPTED = {
    ("-4104:INVALID_CONTRACT_TYPE:usdm", "papi", "contractType"):
        "portfolio margin has no market data of its own; its users send contractType to USD-M "
        "market data (e.g. GET /fapi/v1/continuousKlines), as test_errors_endpoints' CROSS records",
}

ENDPOINT_NAMES = ({e.rsplit("/", 1)[1] for endpoints in ENDPOINTS["products"].values() for e in endpoints}
                  | {e.rsplit("/", 1)[1] for r in ENDPOINTS["retired"] for e in r["endpoints"]})


def _names(text: str) -> list[tuple[str, bool, str]]:
    """The camelCase names of a sentence: (name, whether it is a parameter claim, the text after it)."""
    bare = _PATH.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for m in _CAMEL.finditer(bare):
        name, before, after = m.group(1), bare[:m.start()], bare[m.end():]
        if name in ENDPOINT_NAMES or _EVENT.match(after) or _NOT_SENT.search(before) and " sends" in before[-14:]:
            continue
        claim = bool((_SEND.search(before) or _AFTER.match(after)) and not _NOT_SENT.search(before))
        found.append((name, claim, after))
    return found


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z(])", text) if s]


def _products_named(text: str) -> set[str]:
    return {p for p, label in LABELS.items() if label.search(text)}


def _official(catalog) -> dict[str, set[str]]:
    """Per product, the camelCase names Binance's own error messages for it use
    ("Quantity must be zero with closePosition equals true"): the product checks them."""
    names: dict[str, set[str]] = {}
    for entry in catalog.entries:
        for message in entry.messages:
            for product in entry.products:
                names.setdefault(product.value, set()).update(_CAMEL.findall(message))
    return names


def _known(product: str, lists: set[str], official: set[str]) -> tuple[set[str], set[str]]:
    lists = {product} | lists
    params = set().union(*(PARAMETERS["parameters"][lst] for lst in lists | EXTRA_PARAMETERS.get(product, set())))
    fields = set().union(*(PARAMETERS["fields"][lst] for lst in lists | EXTRA_FIELDS.get(product, set())))
    added = [a for a in PARAMETERS["added_by_hand"] if a["product"] in lists]
    params |= {a["name"] for a in added if a["kind"] == "parameter"} | official
    fields |= {a["name"] for a in added if a["kind"] == "field"}
    return params, fields


def _sentence_problems(text: str, products: set[str], key: str = "", official=None) -> list[str]:
    named = _products_named(text)
    # Naming only products the explanation does not serve ("For margin orders, ..." in a
    # spot explanation): the name must belong to one of those or of the explanation's.
    foreign = bool(named) and not named & products
    held = products & named or products
    lists_named = {_FAMILY_LIST[f] for f in (_family(path) for _, path in _mentions(text)) if f}
    problems = []
    for name, claim, after in _names(text):
        scope = _SCOPE.match(after)
        if scope and _WEBSOCKET.search(scope.group(1)):
            continue    # a WebSocket API parameter, not a REST one
        scoped = _products_named("on " + scope.group(1)) if scope and _SCOPE_START.match(scope.group(1)) else set()
        for product in sorted(scoped or held):
            usable = {lst for lst in lists_named
                      if any(product in USABLE_BY[f] for f, l in _FAMILY_LIST.items() if l == lst)}
            if foreign and not scoped:
                usable |= named
            params, fields = _known(product, usable, (official or {}).get(product, set()))
            singular = name[:-1] if name.endswith("s") else name
            if {name, singular} & params or (not claim and {name, singular} & fields):
                continue
            if (key, product, name) in ACCEPTED:
                continue
            kind = "parameter" if claim else "parameter or field"
            problems.append(f"{product}: {name} is no {kind} of {product} in: {text}")
    return problems


def test_every_parameter_named_in_an_explanation_exists_on_its_products():
    catalog = cat_mod.load()
    failures = []
    checked = 0
    official = _official(catalog)
    for key, products in _explanation_products(catalog).items():
        ex = catalog._explanation(key)
        for text in (ex.meaning, *ex.causes, *ex.fixes):
            for sentence in _sentences(text):
                checked += len(_names(sentence))
                failures += [f"{key}: {p}" for p in _sentence_problems(sentence, products & set(PRODUCTS), key, official)]
    assert failures == []
    assert checked > 300


# -- the checker itself can fail ---------------------------------------------------

@pytest.mark.parametrize("text,products,problem", [
    ("Send a unique origClientOrderId with the cancel.", {"options"}, "options: origClientOrderId is no parameter"),
    ("Set positionSide=LONG in hedge mode.", {"spot"}, "spot: positionSide is no parameter"),
    ("Pass stepSize as the quantity.", {"spot"}, "spot: stepSize is no parameter of spot"),
    ("Read whiteStatus of the address.", {"usdm"}, "usdm: whiteStatus is no parameter or field"),
    ("On portfolio margin, set closePosition=true.", {"usdm", "papi"}, "papi: closePosition is no parameter"),
    ("Send positionSide on every options order.", {"usdm", "options"}, "options: positionSide is no parameter"),
    ("Send the ID (origClientOrderId on spot and options).", {"spot", "options"}, "options: origClientOrderId"),
    ("Resend them with the same clientOrderId values.", {"usdm"}, "usdm: clientOrderId is no parameter"),
])
def test_the_check_catches_parameters_a_product_does_not_take(text, products, problem):
    found = _sentence_problems(text, products)
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("text,products", [
    ("Send a fresh newClientOrderId with every order.", {"spot", "usdm", "coinm", "papi"}),
    ("Round the quantity down to stepSize from GET /api/v3/exchangeInfo.", {"spot"}),
    ("Increase recvWindow only as a last resort.", {"spot", "sapi", "usdm", "coinm", "options", "papi"}),
    ("On USDⓈ-M, send positionSide=LONG or SHORT in hedge mode.", {"usdm", "options"}),
    ("Give the withdrawOrderId to POST /sapi/v1/capital/withdraw/apply.", {"spot"}),
    ("Query GET /api/v3/allOrders for the order.", {"options"}),
    ("Send its ID (origClientOrderId on spot and futures; clientOrderId on options).", {"spot", "usdm", "options"}),
    ("For margin orders, set isIsolated=TRUE.", {"spot"}),
    ("The timeUnit parameter (WebSocket) is wrong.", {"spot"}),
    ("Handle listenKeyExpired events; subscribe with userDataStream.subscribe.", {"usdm"}),
    ("Portfolio margin documents no closePosition parameter for it.", {"papi"}),
])
def test_the_check_passes_parameters_the_product_takes(text, products):
    assert _sentence_problems(text, products) == []


def test_the_lists_hold_each_products_core_parameters_and_keep_fields_apart():
    params, fields = PARAMETERS["parameters"], PARAMETERS["fields"]
    for product in PRODUCTS:
        assert "recvWindow" in params[product], product
    assert "newClientOrderId" in params["spot"] and "positionSide" in params["usdm"]
    assert "clientOrderId" in params["options"] and "origClientOrderId" not in params["options"]
    assert "stepSize" in fields["spot"] and "stepSize" not in params["spot"]
