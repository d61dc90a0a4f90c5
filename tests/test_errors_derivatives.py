"""The USD-M, COIN-M, portfolio margin and options explanations against the docs of today.

Each test walks a whole class of codes (issue 11): options-era codes that no /fapi or /papi
parameter triggers, reduce-only advice that fails in Hedge Mode, portfolio margin advice that
must name /papi endpoints, the USD-M move of conditional orders to the algo endpoints, and the
codes Binance documents only in change logs.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from binance_doctor.errors import catalog as cat_mod
from binance_doctor.errors.catalog import Category
from binance_doctor.product import Product
from support import run_cli

DERIVATIVES = (Product.USDM, Product.COINM, Product.PAPI)
PATH = re.compile(r"/(?:api|sapi|fapi|dapi|papi|eapi)/v\d/[A-Za-z0-9/_-]*[A-Za-z0-9]")
# Portfolio margin has no market-data endpoints of its own: it reads USD-M and COIN-M ones.
MARKET_DATA = re.compile(r"^/(?:fapi|dapi)/v\d/(?:exchangeInfo|premiumIndex|depth|ticker/\w+|time|klines)$")


@pytest.fixture(scope="module")
def catalog():
    return cat_mod.load()


@pytest.fixture(scope="module")
def raw():
    data = resources.files("binance_doctor.errors").joinpath("data/catalog.json").read_text("utf-8")
    return json.loads(data)


def _text(ex) -> str:
    return " ".join((ex.meaning, *ex.causes, *ex.fixes))


OPTIONS_ERA = [-4063, -4064, -4065, -4066, -4069, -4070, -4071, -4072, -4073, -4074, -4075,
               -4076, -4077, -4078, -4079, -4080, -4081]


@pytest.mark.parametrize("product", [Product.USDM, Product.PAPI])
@pytest.mark.parametrize("code", OPTIONS_ERA)
def test_options_era_codes_do_not_invent_a_futures_parameter(catalog, product, code):
    (entry,) = catalog.by_code(code, product)
    ex = entry.explanation
    text = _text(ex)
    assert "docs give no trigger" in text or "docs name no" in text, code
    assert not re.search(r"\b(direction|premium fee|amount|options id|time-frame|event-type) "
                         r"parameter (against|value)", text), code
    assert ex.category is not Category.OPTIONS_MMP, code


def test_options_mmp_category_is_only_for_market_maker_protection(catalog):
    mmp = [e for e in catalog.entries if e.explanation.category is Category.OPTIONS_MMP]
    assert len(mmp) >= 6
    for e in mmp:
        assert e.products == (Product.OPTIONS,), e.title
        assert "MMP" in e.name or e.name in {"IS_NOT_MARKET_MAKER", "INVALID_QTYLIMIT_DELTALIMIT"}, e.title


def test_reduce_only_advice_says_what_to_do_in_hedge_mode(catalog):
    """reduceOnly "cannot be sent in Hedge Mode" (-1106), so advice to send it must be conditional."""
    checked = 0
    mine = _derivatives_only(catalog)
    for e in catalog.entries:
        if not set(e.products) & set(DERIVATIVES):
            continue
        ex = e.explanation
        if any("reduceOnly=true" in f for f in ex.fixes) and ex.key in mine:
            assert "Hedge Mode" in _text(ex), e.title
            checked += 1
    assert checked >= 15


def _derivatives_only(catalog) -> set[str]:
    """Explanation keys used by USD-M, COIN-M, portfolio margin or options entries only."""
    used: dict[str, set[Product]] = {}
    for e in catalog.entries:
        used.setdefault(e.explanation.key, set()).update(e.products)
    return {k for k, ps in used.items() if ps <= {*DERIVATIVES, Product.OPTIONS}}


def test_portfolio_margin_advice_names_papi_endpoints_for_account_and_trade(catalog):
    checked = 0
    mine = _derivatives_only(catalog)
    for e in catalog.entries:
        if Product.PAPI not in e.products or e.explanation.key not in mine:
            continue
        paths = PATH.findall(_text(e.explanation))
        foreign = [p for p in paths if p.startswith(("/fapi/", "/dapi/")) and not MARKET_DATA.match(p)]
        if foreign:
            assert any(p.startswith("/papi/") for p in paths), (e.title, foreign)
            checked += 1
    assert checked >= 10


def test_portfolio_margin_is_not_told_to_use_endpoints_it_does_not_have(catalog):
    for code in (-4046, -4047, -4048, -4049, -4051, -4052, -4053, -4054, -4161, -4137, -4138):
        (entry,) = catalog.by_code(code, Product.PAPI)
        fixes = " ".join(entry.explanation.fixes)
        assert "marginType" not in fixes and "positionMargin" not in fixes, code
        assert "/papi/" in fixes, code


def test_portfolio_margin_close_position_is_tied_to_the_um_algo_endpoint(catalog):
    # Derivatives change log 2026-08-25 (effective 2026-08-26): POST /papi/v1/um/algo/order
    # gained closePosition; PM CM conditional orders still document none.
    for code in (-4137, -4138):
        (entry,) = catalog.by_code(code, Product.PAPI)
        meaning = entry.explanation.meaning
        assert "POST /papi/v1/um/algo/order" in meaning and "2026-08-26" in meaning, code
    for e in catalog.entries:
        if Product.PAPI in e.products:
            text = _text(e.explanation)
            assert "no portfolio margin order endpoint documents closePosition" not in text, e.title
            assert "portfolio margin documents no closePosition" not in text, e.title


def test_usdm_conditional_orders_use_the_algo_endpoints(catalog):
    (switch,) = catalog.by_code(-4120, Product.USDM)
    assert "POST /fapi/v1/algoOrder" in switch.explanation.fixes[0]
    (limit,) = catalog.by_code(-4045, Product.USDM)
    assert "200" in limit.explanation.meaning
    assert not any("MAX_NUM_ALGO_ORDERS in" in f for f in limit.explanation.fixes)
    (coinm,) = catalog.by_code(-4045, Product.COINM)
    assert "MAX_NUM_ALGO_ORDERS" in coinm.explanation.meaning


def test_neighbouring_codes_keep_their_own_causes(catalog):
    (conflict,) = catalog.by_code(-4062, Product.USDM)
    assert "-1106" in " ".join(conflict.explanation.causes)
    for code in (-4014, -4023):
        (entry,) = catalog.by_code(code, Product.USDM)
        assert "-1111" in _text(entry.explanation), code
        assert not any("Float" in c for c in entry.explanation.causes), code


def test_changed_explanations_carry_their_sources(raw):
    with_sources = {k: x["sources"] for k, x in raw["explanations"].items() if "sources" in x}
    assert len(with_sources) >= 100
    for key, sources in with_sources.items():
        assert sources, key
        for s in sources:
            assert set(s) == {"url", "date", "fact"}, key
            assert s["url"] and s["date"] and len(s["fact"]) >= 10, key


# A source that cites a product's error page for a code: the page must list the code.
_ERROR_PAGES = {"/errors.md": "spot", "usds-margined-futures/error-code": "usdm_futures",
                "coin-margined-futures/error-code": "coinm_futures",
                "portfolio-margin/error-code": "portfolio_margin",
                "options-trading/error-code": "options",
                "sub_account/error-code": "margin_wallet_sapi"}


def test_a_source_citing_an_error_page_for_a_code_cites_a_page_that_lists_it(raw, reference):
    # -1131, -1099, -1999 and -1167 are in spot's change log, not in errors.md: a source
    # "(spot errors.md)" for them supports nothing.
    listed = {k: {i["code"] for i in v} for k, v in reference["products"].items()}
    cited, unlisted = 0, []
    for key, x in raw["explanations"].items():
        for s in x.get("sources", ()):
            page = next((p for frag, p in _ERROR_PAGES.items()
                         if s["url"].split(" ")[0].endswith(frag)), None)
            code = re.match(r"(-\d+)\b", s["fact"])
            if page and code:
                cited += 1
                if int(code.group(1)) not in listed[page]:
                    unlisted.append((key, page, s["fact"][:60]))
    assert cited > 300
    assert unlisted == []


def test_a_code_from_the_usdm_change_log_is_explained_not_reported_unknown():
    run = run_cli("explain", "-4531", "--json")
    assert run.code == 0, run.stderr
    (finding,) = run.json()["result"]["findings"]
    assert finding["products"] == ["usdm"]
    assert "COIN-M" in finding["meaning"]
    run = run_cli("explain", "-21015", "--product", "sapi", "--json")
    assert run.code == 0, run.stderr
    (finding,) = run.json()["result"]["findings"]
    assert finding["name"] == "ENDPOINT_GONE"


def test_reduce_only_in_hedge_mode_is_the_first_futures_cause_of_1106():
    run = run_cli("explain", "-1106", "--product", "usdm", "--json")
    (finding,) = run.json()["result"]["findings"]
    assert "Hedge Mode" in finding["causes"][0]
    spot = run_cli("explain", "-1106", "--product", "spot", "--json").json()["result"]["findings"][0]
    assert not any("Hedge Mode" in c for c in spot["causes"])


def test_one_meaning_with_advice_per_product_is_not_called_different_things():
    result = run_cli("explain", "-1106", "--json").json()["result"]
    assert result["ambiguous"] is False and len(result["findings"]) == 4   # spot (FIX tags), sapi, options, futures
    text = run_cli("explain", "-1106").stdout
    assert "different things" not in text and "advice differs by product" in text
    # Meanings that really differ still say so.
    assert run_cli("explain", "-2026", "--json").json()["result"]["ambiguous"] is True
