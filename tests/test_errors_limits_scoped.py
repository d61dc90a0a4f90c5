"""Every per-product number a catalog explanation states holds on the product it is stated for.

The values are facts in tests/reference/limits.json (each with its source): the longest
client order ID per product, the largest list each batch endpoint takes, the depth
limits of each order-book endpoint. The earlier reviews' wrong entries were numbers true
on one product and not on another sharing the explanation (portfolio margin client order
IDs are 32 characters, not 36), which the name and path tests cannot see.

How a sentence's number is tied to its products:
- client order ID lengths: in a sentence about newClientOrderId or client order IDs (not
  clientTranId, clientAlgoId or an options id), each "N characters" belongs to the
  products named between it and the next such number ("36 characters on USD-M and
  COIN-M; 32 characters for portfolio margin"); if none are named there, to those the
  sentence names, else to all the explanation's products.
- batch list sizes: each "N orders", "N entries", "at most N" or "Max N" in a sentence
  naming a futures or portfolio margin batchOrders endpoint belongs to the METHOD + path written after it (up to the
  next number), or else to every batchOrders endpoint of the sentence.
- depth limits: a list "5, 10, ... or 1000" in a sentence naming a depth endpoint must be
  that endpoint's whole set of valid limits.
A product or endpoint with no value in the table fails too: add the fact with its source.
"""

from __future__ import annotations

import json
import re

from binance_doctor.errors import catalog as cat_mod
from support import TESTS
from test_errors_endpoints import _explanation_products, _mentions
from test_errors_parameters import LABELS

LIMITS = json.loads((TESTS / "reference" / "limits.json").read_text(encoding="utf-8"))   # the per-product tables; test_errors_limits reads its "limits" list
CLIENT_ID = LIMITS["client_order_id_max_chars"]["values"]
BATCH = LIMITS["batch_list_max"]["values"]
DEPTH = {path: set(values) for path, values in LIMITS["depth_limits"]["values"].items()}

_CLIENT_TOPIC = re.compile(r"newClientOrderId|client order ID", re.IGNORECASE)
_OTHER_ID = re.compile(r"clientTranId|clientAlgoId|options id", re.IGNORECASE)
_CHARS = re.compile(r"\b(\d+)[ -](?:characters|chars)\b")
_BATCH_NUMBER = re.compile(r"\b(\d+) (?:orders|entries)\b|\bat most (\d+)\b|\b[Mm]ax(?:imum)? (\d+)\b")
_BATCH_PATH = re.compile(r"\b(GET|POST|PUT|DELETE)\s+(/(?:fapi|dapi|papi)/v\d/batchOrders)\b")   # options: the "limits" list
_NUMBER_LIST = re.compile(r"\b\d+(?:, \d+)+,? (?:or|and) \d+\b")


def _sentences(ex) -> list[str]:
    return [ex.meaning, *ex.causes, *ex.fixes]


def _named(text: str, products: set[str]) -> set[str]:
    return {p for p, label in LABELS.items() if p in products and label.search(text)}


def client_id_claims(text: str, products: set[str]) -> list[tuple[int, set[str]]]:
    """(stated length, products it is stated for) for each length in the sentence."""
    if not _CLIENT_TOPIC.search(text) or _OTHER_ID.search(text):
        return []
    matches = list(_CHARS.finditer(text))
    claims = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        scope = _named(text[m.start():end], products) or _named(text, products) or products
        claims.append((int(m.group(1)), scope))
    return claims


def batch_claims(text: str) -> list[tuple[int, set[str]]]:
    """(stated list size, the batch endpoints it is stated for)."""
    endpoints = {f"{m.group(1)} {m.group(2)}" for m in _BATCH_PATH.finditer(text)}
    if not endpoints:
        return []
    numbers = [m for m in _BATCH_NUMBER.finditer(text)]
    claims = []
    for i, m in enumerate(numbers):
        end = numbers[i + 1].start() if i + 1 < len(numbers) else len(text)
        after = {f"{e.group(1)} {e.group(2)}" for e in _BATCH_PATH.finditer(text[m.end():end])}
        claims.append((int(next(g for g in m.groups() if g)), after or endpoints))
    return claims


def depth_claims(text: str) -> list[tuple[set[int], set[str]]]:
    paths = {path for _, path in _mentions(text) if path.endswith("/depth")}
    if not paths:
        return []
    return [({int(n) for n in re.findall(r"\d+", m.group(0))}, paths) for m in _NUMBER_LIST.finditer(text)]


def _problems(key: str, text: str, products: set[str]) -> list[str]:
    problems = []
    for value, scope in client_id_claims(text, products):
        for product in sorted(scope):
            if CLIENT_ID.get(product) != value:
                problems.append(f"{key}: {product} client order ID max is {CLIENT_ID.get(product)}, "
                                f"the text says {value}: {text}")
    for value, endpoints in batch_claims(text):
        for endpoint in sorted(endpoints):
            if BATCH.get(endpoint) != value:
                problems.append(f"{key}: {endpoint} takes at most {BATCH.get(endpoint)}, the text says {value}: {text}")
    for values, paths in depth_claims(text):
        for path in sorted(paths):
            if DEPTH.get(path) != values:
                problems.append(f"{key}: {path} limits are {sorted(DEPTH.get(path, ()))}, "
                                f"the text says {sorted(values)}: {text}")
    return problems


def test_every_stated_limit_matches_the_reference_for_its_products():
    catalog = cat_mod.load()
    failures, checked = [], 0
    for key, products in _explanation_products(catalog).items():
        for text in _sentences(catalog._explanation(key)):
            checked += len(client_id_claims(text, products)) + len(batch_claims(text)) + len(depth_claims(text))
            failures += _problems(key, text, products)
    assert failures == []
    assert checked >= 7   # the 36/32 lengths of -4015, the batch sizes of -4082 and -4032, -4021's depth list


def test_a_length_true_on_one_product_fails_on_the_product_sharing_it():
    text = ("Shorten newClientOrderId to at most 36 characters for USD-M and COIN-M orders, "
            "and to at most 36 characters for portfolio margin orders.")
    assert _problems("k", text, {"usdm", "coinm", "papi"}) == [
        f"k: papi client order ID max is 32, the text says 36: {text}"]
    unscoped = "Keep newClientOrderId within 36 characters."
    assert [p.split(":")[1] for p in _problems("k", unscoped, {"usdm", "papi"})] == [" papi client order ID max is 32, the text says 36"]
    assert _problems("k", unscoped, {"usdm", "coinm"}) == []


def test_batch_sizes_follow_the_method_and_path_written_after_them():
    text = ("Split the list into chunks of at most 10 orders for DELETE /fapi/v1/batchOrders; "
            "place at most 10 orders with POST /dapi/v1/batchOrders.")
    assert [p.split(":")[1].strip() for p in _problems("k", text, {"usdm", "coinm"})] == [
        "POST /dapi/v1/batchOrders takes at most 5, the text says 10"]


def test_a_depth_list_must_be_the_whole_documented_set():
    short = "Use one of the limit values for GET /fapi/v1/depth: 5, 10, 20, 50, 100 or 500."
    assert _problems("k", short, {"usdm"})
    full = "Use one of the limit values for GET /fapi/v1/depth: 5, 10, 20, 50, 100, 500 or 1000."
    assert _problems("k", full, {"usdm"}) == []
