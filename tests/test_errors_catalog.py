"""The catalog against Binance's official lists: complete, exact and never flattened."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from binance_doctor.errors import catalog as cat_mod
from binance_doctor.errors.catalog import PLACEHOLDER, Category, Kind, RetryPolicy
from binance_doctor.product import Product
from support import PRODUCT_KEYS

OFFICIAL_COUNTS = {"spot": 106, "usdm": 205, "coinm": 154, "papi": 170,
                   "options": 122, "sapi": 236}


@pytest.fixture(scope="module")
def catalog():
    return cat_mod.load()


def test_counts_per_product_match_the_official_pages(catalog, reference):
    counts = Counter(e.products[0].value for e in catalog.of_kind(Kind.CODE))
    extra = Counter(PRODUCT_KEYS[x["product"]] for x in reference["extra_codes"])
    assert counts == Counter(OFFICIAL_COUNTS) + extra


OFFICIAL_DOCS = ("https://developers.binance.com/", "https://github.com/binance/binance-spot-api-docs/")


def test_codes_documented_outside_the_error_pages_are_catalogued(catalog, reference):
    """-4531 (USD-M change log) and -21015 (PM-Pro page) are documented codes, not unknown ones."""
    assert {x["code"] for x in reference["extra_codes"]} >= {-4531, -21015}
    for ref in reference["extra_codes"]:
        assert ref["source"]["url"].startswith(OFFICIAL_DOCS), ref["code"]
        (entry,) = catalog.by_code(ref["code"], Product(PRODUCT_KEYS[ref["product"]]))
        assert entry.name == ref["name"], ref["code"]
        assert list(entry.messages) == ref["messages"], ref["code"]
        assert entry.explanation.key.startswith(str(ref["code"])), ref["code"]


def test_every_official_code_is_present_with_its_name_and_messages(catalog, reference):
    later: dict[tuple[str, int], list[str]] = {}
    for extra in reference["extra_messages"]:   # documented in a change log, after the page
        later.setdefault((extra["product"], extra["code"]), []).append(extra["message"])
    for ref_key, product in PRODUCT_KEYS.items():
        for ref in reference["products"][ref_key]:
            entries = catalog.by_code(ref["code"], Product(product))
            assert len(entries) == 1, (product, ref["code"])
            entry = entries[0]
            assert entry.name == ref["name"], (product, ref["code"])
            expected = ref["messages"] + later.get((ref_key, ref["code"]), [])
            assert list(entry.messages) == expected, (product, ref["code"])


def test_change_log_messages_are_recognised_with_their_source(catalog, reference):
    assert any(x["code"] == -4047 and "0-7 days" in x["message"]
               for x in reference["extra_messages"])
    for extra in reference["extra_messages"]:
        assert extra["source"]["url"].startswith("https://") and extra["source"]["date"]
        product = Product(PRODUCT_KEYS[extra["product"]])
        hits = [m for m in catalog.match_message(extra["message"])
                if m.entry.code == extra["code"] and product in m.entry.products]
        assert hits, extra


def test_codes_are_unique_per_product(catalog):
    seen = Counter((e.products[0], e.code) for e in catalog.of_kind(Kind.CODE))
    assert [k for k, n in seen.items() if n > 1] == []


def test_every_entry_is_complete(catalog):
    for e in catalog.entries:
        ex = e.explanation
        where = e.title
        assert len(ex.meaning) >= 20 and "(missing)" not in ex.meaning, where
        assert 1 <= len(ex.causes) <= 6 and all(len(c) >= 10 for c in ex.causes), where
        assert 1 <= len(ex.fixes) <= 6 and all(len(f) >= 10 for f in ex.fixes), where
        assert isinstance(ex.category, Category), where
        assert isinstance(ex.retry.policy, RetryPolicy), where
        if ex.retry.policy is not RetryPolicy.WAIT:
            assert ex.retry.seconds is None, where
        assert ex.dig in (None, "clock", "signature verify", "check-key"), where
        assert e.products, where


def test_same_number_different_meaning_is_kept_apart(catalog, reference):
    """All 82 codes with several official names keep one entry per product and name."""
    assert len(reference["same_code_different_name"]) == 82
    for item in reference["same_code_different_name"]:
        for variant in item["names"]:
            for ref_product in variant["products"]:
                if ref_product not in PRODUCT_KEYS:
                    continue
                product = Product(PRODUCT_KEYS[ref_product])
                (entry,) = catalog.by_code(item["code"], product)
                if entry.name is None:   # e.g. -2021 on spot: the heading is the message
                    assert variant["name"].startswith("(no name"), (item["code"], product)
                    assert entry.messages[0].rstrip(".") in variant["name"]
                else:
                    assert entry.name == variant["name"], (item["code"], product)
        names = {v["name"] for v in item["names"]}
        explanations = {e.explanation.key for e in catalog.by_code(item["code"])}
        assert len(explanations) >= min(len(names), 2), item["code"]


@pytest.mark.parametrize("code", [-1006, -1007])
def test_unknown_execution_status_is_never_blind_retry(catalog, code):
    for entry in catalog.by_code(code):
        assert entry.explanation.retry.policy is RetryPolicy.CHECK_FIRST, entry.products


def test_http_5xx_and_503_unknown_are_check_first(catalog):
    (five,) = catalog.by_status("5xx")
    assert five.explanation.retry.policy is RetryPolicy.CHECK_FIRST
    unknown = [e for e in catalog.by_status(503)
               if e.messages == ("Unknown error, please check your request or try again later.",)]
    assert len(unknown) == 1
    assert unknown[0].explanation.retry.policy is RetryPolicy.CHECK_FIRST
    assert "duplicate" in unknown[0].explanation.retry.advice


@pytest.mark.parametrize("code,dig", [(-1021, "clock"), (-1022, "signature verify"),
                                      (-2015, "check-key"), (-2014, "check-key")])
def test_codes_point_to_the_command_that_digs_further(catalog, code, dig):
    spot = catalog.by_code(code, Product.SPOT)[0]
    assert spot.explanation.dig == dig


def test_all_41_order_messages_and_20_filters_have_their_own_explanation(catalog, reference):
    messages = catalog.of_kind(Kind.MESSAGE)
    filters = catalog.of_kind(Kind.FILTER)
    assert sorted(m.messages[0] for m in messages) == sorted(
        m["message"] for m in reference["spot_order_messages"])
    assert sorted(f.filter for f in filters) == sorted(
        f["filter"] for f in reference["filter_failures"])
    keys = [e.explanation.key for e in messages + filters]
    assert len(set(keys)) == 61


def _fill(template: str) -> tuple[str, list[str]]:
    values = []

    def sample(_m: re.Match) -> str:
        values.append(f"V{len(values) + 7}x")
        return values[-1]

    return PLACEHOLDER.sub(sample, template), values


def test_every_official_template_filled_in_is_recognised(catalog, reference):
    """Each template, filled with sample values, maps back to its code and product."""
    checked = 0
    for ref_key, product in PRODUCT_KEYS.items():
        for ref in reference["products"][ref_key]:
            for template in ref["messages"]:
                text, values = _fill(template)
                matches = catalog.match_message(text)
                hits = [m for m in matches if m.entry.code == ref["code"]
                        and Product(product) in m.entry.products]
                assert hits, (product, ref["code"], text)
                if values and hits[0].template == template:
                    assert list(hits[0].values) == values, (product, ref["code"], text)
                checked += 1
    assert checked > 1000


# ccxt's exception classes, as an independent opinion on what kind of error a code is.
CCXT_AGREES = {
    "InsufficientFunds": {"balance", "position", "wallet"},
    "RateLimitExceeded": {"rate_limit", "server"},
    "DDoSProtection": {"rate_limit", "server"},
    "InvalidNonce": {"timing"},
    "OnMaintenance": {"server", "product", "wallet", "account"},
}
CCXT_BUCKETS = {"spot": ["spot", "sapi"], "linear": ["usdm"], "inverse": ["coinm"],
                "option": ["options"], "portfolioMargin": ["papi"]}


def test_categories_agree_with_ccxt_where_its_class_is_specific(catalog):
    import json
    from support import TESTS

    ccxt = json.loads((TESTS / "reference" / "ccxt_codes.json").read_text(encoding="utf-8"))
    checked = 0
    for bucket, products in CCXT_BUCKETS.items():
        for item in ccxt["buckets"][bucket]:
            allowed = CCXT_AGREES.get(item["class"])
            if not allowed:
                continue
            for product in products:
                for entry in catalog.by_code(item["code"], Product(product)):
                    assert entry.explanation.category.value in allowed, (product, item)
                    checked += 1
    assert checked >= 20


def test_the_code_set_holds_what_is_code_holds():
    from binance_doctor.errors.catalog import load

    catalog = load()
    numbers = set(range(-60_000, 60_000)) | {int(k) for k in catalog._unofficial
                                              if k.lstrip("-").isdigit()}
    assert {n for n in numbers if catalog.is_code(n)} == {n for n in numbers
                                                          if n in catalog.code_set}
