"""Wordings Binance sends but does not document are marked observed, with their source,
and explain says so instead of calling them documented; a wording Binance's docs gave
before is an older documented one, never an observed one."""

from __future__ import annotations

import pytest

from binance_doctor.errors import bundle
from binance_doctor.errors import catalog as cat_mod
from binance_doctor.errors.catalog import Kind
from support import PRODUCT_KEYS, findings, run_cli

DOCUMENTED = "This action is disabled on this account."
SWAPPED = "This action disabled is on this account."
BODY_451 = ("Service unavailable from a restricted location according to 'b. Eligibility' in "
            "https://www.binance.com/en/terms. Please contact customer service if you believe"
            " you received this message in error.")


def _pasted(text: str) -> dict:
    run = run_cli("explain", "--json", text)
    assert run.code == 0, run.stderr
    return run.json()["result"]


def _wording_facts(finding: dict) -> list[str]:
    return [f["value"] for x in (finding, finding["detail"]) if x
            for f in x["facts"] if f["label"] == "Wording"]


def test_the_swapped_wording_is_the_older_documented_one_not_an_observed_one():
    # errors.md listed the swapped words until 2022-04-12 (commit 90af12f); the spot
    # change log of that date records the typo fix. It was documented, not observed.
    result = _pasted(f"APIError(code=-2010): {SWAPPED}")
    found = result["errors"][0]["found"]
    assert found["code"] == -2010
    assert found["product_from"] == "spot: documented this wording until 2022-04-12"
    (f,) = [x for x in findings(result) if x["products"] == ["spot"]]
    assert f["detail"]["matched_template"] == SWAPPED
    assert _wording_facts(f) == ["an older one, replaced in Binance's docs on 2022-04-12"]
    plain = run_cli("explain", SWAPPED).stdout
    assert "observed" not in plain.split("Meaning")[0]
    assert "its documented message gives it" in plain


def test_the_451_body_is_found_and_called_observed_with_its_source():
    result = _pasted(BODY_451)
    found = result["errors"][0]["found"]
    assert found["product_from"].startswith("spot: observed wording, not documented")
    assert "github.com/gomna-pha/hypervision-crypto-ai" in found["product_from"]
    assert "documents this wording" not in found["product_from"]
    (f,) = findings(result)
    assert f["status"] == "451"


def test_the_documented_wording_is_called_documented_and_not_observed():
    result = _pasted(f"APIError(code=-2010): {DOCUMENTED}")
    found = result["errors"][0]["found"]
    assert found["product_from"] == "spot: documents this wording"
    (f,) = [x for x in findings(result) if x["products"] == ["spot"]]
    assert f["detail"]["matched_template"] == DOCUMENTED
    assert _wording_facts(f) == []


def test_plain_output_calls_the_documented_wording_documented():
    documented = run_cli("explain", DOCUMENTED).stdout
    assert "its documented message gives it" in documented
    assert "observed" not in documented.split("Sent with")[0]


def test_a_5xx_wording_only_the_futures_pages_give_is_not_said_to_be_spots():
    (f,) = findings(run_cli("explain", "--json", "Request occur unknown error.").json()["result"])
    assert f["status"] == "5xx"
    assert f["products"] == ["usdm", "coinm", "papi"]
    (f,) = findings(run_cli("explain", "--json", "500").json()["result"])
    assert f["status"] == "5xx" and "spot" in f["products"]     # the status itself is everyone's
    spot = run_cli("explain", "500", "--product", "spot").stdout
    assert "✗ HTTP 5XX\n" in spot and "Request occur unknown error" not in spot
    told = run_cli("explain", "Request occur unknown error.").stdout
    assert "Matches       Request occur unknown error." in told


# -- every wording in the catalog is documented for its products, or marked observed --

def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(". ").casefold()


def _documented(reference: dict) -> dict[tuple[str, int | str | None], set[str]]:
    """(product, code) -> the wordings Binance's pages give it; ("spot", None) holds the
    order messages, ("filter", None) the filter failures, (product, "5XX") the HTTP ones."""
    out: dict[tuple[str, int | str | None], set[str]] = {}
    for key, items in reference["products"].items():
        product = PRODUCT_KEYS.get(key, "sapi")      # portfolio_margin_pro: the SAPI table
        for item in items:
            out.setdefault((product, item["code"]), set()).update(map(_norm, item["messages"]))
    for item in reference["extra_codes"]:
        out.setdefault((PRODUCT_KEYS[item["product"]], item["code"]), set()).update(
            map(_norm, item["messages"]))
    for item in reference["extra_messages"]:
        out.setdefault((PRODUCT_KEYS[item["product"]], item["code"]), set()).add(
            _norm(item["message"]))
    for item in reference["spot_changelog_only"]:
        out.setdefault(("spot", item["code"]), set()).update(map(_norm, item["messages"]))
    out[("spot", None)] = {_norm(m["message"]) for m in reference["spot_order_messages"]}
    out[("filter", None)] = {_norm(f["message"]) for f in reference["filter_failures"]
                             if f.get("message")}
    for status in reference["http_statuses"]:
        said = [(m if isinstance(m, str) else m["msg"], None)
                for m in status.get("documented_messages", [])]
        said += [(v["msg"], v["products"]) for v in status.get("variants", [])]
        for text, products in said:
            keys = products or status.get("documented_messages_products", {}).get(
                text, status["products"])
            for key in keys:
                product = PRODUCT_KEYS.get(key.split(" ")[0])
                if product:
                    out.setdefault((product, str(status["status"]).lower()), set()).add(
                        _norm(text))
    return out


def _documents(docs: dict, entry, product: str, message: str) -> bool:
    if entry.kind is Kind.CODE:
        return _norm(message) in docs.get((product, entry.code), set())
    if entry.kind is Kind.MESSAGE:
        return _norm(message) in docs[("spot", None)]
    if entry.kind is Kind.FILTER:
        return _norm(message) in docs[("filter", None)]
    return _norm(message) in docs.get((product, entry.status), set())


def test_every_catalog_wording_is_documented_for_its_products_or_marked_observed(reference):
    docs = _documented(reference)
    catalog = cat_mod.load()
    unmarked = []
    checked = 0
    for entry in catalog.entries:
        if entry.kind is Kind.CLIENT:       # a client library's own text, not Binance's
            continue
        for message in entry.messages:
            if entry.observed_source(message):
                continue
            for product in entry.products_for(message):
                checked += 1
                if not _documents(docs, entry, product.value, message):
                    unmarked.append((entry.title, product.value, message))
    assert unmarked == []
    assert checked > 1200


@pytest.mark.parametrize("message", [BODY_451])
def test_observed_wordings_name_a_public_source(message):
    catalog = cat_mod.load()
    (entry,) = [e for e in catalog.entries if message in e.messages]
    assert entry.observed_source(message).startswith("https://github.com/")


def test_no_wording_binance_documents_or_documented_is_marked_observed(reference):
    # An observed wording is one no Binance page gives for that entry's products, today
    # or in the docs' history (data/history.json): the swapped 2022 typo was errors.md's
    # own text. (extra_codes are left out: a code documented on a side page may carry a
    # text recorded elsewhere, as COIN-M -4120's comes from ccxt.)
    docs = _documented(dict(reference, extra_codes=[]))
    history = bundle.load("history.json")
    older = [(_norm(r["message"]), r["products"]) for part in ("codes", "messages")
             for records in history.get(part, {}).values() for r in records]
    marked = [(e, m) for e in cat_mod.load().entries for m, _ in e.observed_messages]
    assert any(e.status == "451" for e, _ in marked)
    wrong = [(e.title, p.value, m) for e, m in marked for p in e.products_for(m)
             if _documents(docs, e, p.value, m)
             or any(_norm(m) == text and p.value in ps for text, ps in older)]
    assert wrong == []
