"""Every numeric request limit an explanation states holds on the products it serves.

The limits are facts in tests/reference/limits.json, each with its source: for a product,
a `where` pattern marks the sentences that speak of the limit and a `number` pattern
captures the numbers such a sentence states for it. Every captured number of every
sentence of every explanation used by that product must be one of the limit's documented
values, so an explanation that says "batches of 5" for options, or a TWAP duration of
"60 to 86400", fails. Each limit must be stated somewhere, so a pattern that stops
matching is noticed instead of silently checking nothing.
"""

from __future__ import annotations

import json
import re

import pytest

from binance_doctor.errors import catalog as cat_mod
from support import TESTS
from test_errors_endpoints import _explanation_products

LIMITS = json.loads((TESTS / "reference" / "limits.json").read_text(encoding="utf-8"))["limits"]
_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[A-Z(])")


def _sentences(ex) -> list[str]:
    return [s for text in (ex.meaning, *ex.causes, *ex.fixes) for s in _SENTENCE.split(text)]


def _stated(limit: dict, sentence: str) -> list[int]:
    if not re.search(limit["where"], sentence):
        return []
    return [int(g) for m in re.finditer(limit["number"], sentence) for g in m.groups() if g]


def _statements(limit: dict) -> list[tuple[str, str, list[int]]]:
    catalog = cat_mod.load()
    found = []
    for key, products in _explanation_products(catalog).items():
        if not products & set(limit["products"]):
            continue
        for sentence in _sentences(catalog._explanation(key)):
            numbers = _stated(limit, sentence)
            if numbers:
                found.append((key, sentence, numbers))
    return found


@pytest.mark.parametrize("limit", LIMITS, ids=[lim["id"] for lim in LIMITS])
def test_every_stated_limit_matches_the_docs(limit):
    statements = _statements(limit)
    assert statements, f"{limit['id']}: no explanation states it; the pattern no longer matches"
    wrong = [(key, sentence, n) for key, sentence, numbers in statements
             for n in numbers if n not in limit["values"]]
    assert wrong == []


def test_a_wrong_value_is_caught():
    limit = next(lim for lim in LIMITS if lim["id"] == "options-batch-orders")
    assert _stated(limit, "Split the orders into batches of at most 5 and send each batch.") == [5]
    assert _stated(limit, "Cancel the order and resend it.") == []
