"""Where an error came from: a printed message that contradicts a code's documented
meaning on a product rules that product's meaning out (said as "not this"), the Java
connectors' packages and Binance.US name products, and a code no product documents
takes its products from the text's words."""

from __future__ import annotations

import pytest

from binance_doctor.errors.catalog import load
from binance_doctor.failure import ExitCode
from support import findings, run_cli


def _error(text: str) -> dict:
    run = run_cli("explain", "--json", input=text)
    assert run.code == 0, run.stderr
    (error,) = run.json()["result"]["errors"]
    return error


# -- a message that is another error than the code's documented meaning ------------

def test_a_code_whose_every_documented_meaning_is_another_error_is_not_explained():
    text = ('withdraw failed: {"code":-4009,"msg":"Address book entries exceed the allowed '
            'count"}')
    error = _error(text)
    assert error["diagnosis"] is None
    assert "not documented with the message" in error["problem"]
    assert "Address book entries exceed the allowed count" in error["problem"]
    assert error["found"]["products"] == ["sapi"]           # from "withdraw"
    assert "not this" in error["found"]["product_from"]
    shown = run_cli("explain", input=text).stdout
    assert "Max price less than min price" in shown and "not this" in shown


def test_a_lone_body_with_a_contradicting_message_is_not_explained_either():
    run = run_cli("explain", '{"code":-4009,"msg":"Address book entries exceed the allowed count"}')
    assert run.code == ExitCode.NOT_FOUND
    assert "not documented with the message" in run.stderr and "not this" in run.stderr


def test_only_the_contradicted_products_are_ruled_out():
    """-4014 is a tick-size check on futures and a withdrawal rule on sapi."""
    body = '{"code":-4014,"msg":"Price must step by the tick size"}'
    error = _error("order failed: " + body)
    assert "sapi" not in error["found"]["products"]
    assert {"usdm", "coinm", "papi"} <= set(error["found"]["products"])
    for shown in (error["diagnosis"]["findings"],
                  run_cli("explain", "--json", body).json()["result"]["findings"]):
        assert shown and all("sapi" not in f["products"] for f in shown)


@pytest.mark.parametrize("text", [
    '{"code":-4046,"msg":"No need to change margin type."}',
    'Fatal error: signedRequest error: {"code":-4046,"msg":"No need to change margin type."}',
])
def test_a_code_s_own_wording_rules_out_the_products_where_it_is_another_error(text):
    """-4046 with its futures wording: on sapi -4046 is an agreement not confirmed."""
    shown = findings(run_cli("explain", "--json", input=text).json()["result"])
    assert {p for f in shown for p in f["products"]} == {"usdm", "coinm", "papi"}
    assert all(f["name"] == "NO_NEED_TO_CHANGE_MARGIN_TYPE" for f in shown)
    assert "Agreement not confirmed" not in run_cli("explain", input=text).stdout.split(
        "not this")[-1]


@pytest.mark.parametrize("text,product", [
    ('{"code":-4164,"msg":"Order notional too small"}', "usdm"),      # same error, reworded
    ('{"code":-2011,"msg":"Nothing to cancel here"}', "spot"),        # docs fix no wording
    ("error -4009 happened while saving an address", "usdm"),         # prose, not its msg
    ('{"code":-4009,"msg":"价格错误"}', "usdm"),                        # no words to compare
])
def test_near_matches_and_unfixed_wordings_keep_every_product(text, product):
    run = run_cli("explain", "--json", input=text)
    result = run.json()["result"]
    found = result["errors"][0]["found"] if "errors" in result else None
    findings = result["errors"][0]["diagnosis"]["findings"] if found else result["findings"]
    assert any(product in f["products"] for f in findings)


# -- products named by the text ----------------------------------------------------

BODY = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'


@pytest.mark.parametrize("text,products", [
    ("com.binance.connector.client.exceptions.BinanceClientException: " + BODY,
     ["spot", "sapi"]),
    ("at com.binance.connector.client.derivatives_trading_usds_futures.rest.api.TradeApi"
     ".newOrder(TradeApi.java:10) " + BODY, ["usdm"]),
    ("at com.binance.connector.client.derivatives_trading_coin_futures.rest.api.TradeApi " + BODY,
     ["coinm"]),
    ("at com.binance.connector.client.wallet.rest.api.CapitalApi.withdraw " + BODY, ["sapi"]),
    ("at com.binance.connector.futures.client.impl.UMFuturesClientImpl.account " + BODY,
     ["usdm"]),
    ("at com.binance.connector.futures.client.impl.CMFuturesClientImpl.account " + BODY,
     ["coinm"]),
    ("com.binance.connector.futures.client.exceptions.BinanceClientException: " + BODY,
     ["usdm", "coinm"]),
    ("balance refresh failed: binanceus " + BODY, ["spot", "sapi"]),
    ("POST https://api.binance.us/sapi/v1/asset/transfer " + BODY, ["sapi"]),
])
def test_java_connectors_and_binance_us_name_their_products(text, products):
    assert sorted(_error(text)["found"]["products"]) == sorted(products)


def test_a_code_no_product_documents_takes_its_products_from_the_text():
    assert not load().by_code(-11999) and load().undocumented(-11999) is None
    error = _error("APIError(code=-11999): Isolated margin pair is not enabled")
    assert error["found"]["products"] == ["sapi"]
    assert error["diagnosis"] is None and "not in Binance's documented" in error["problem"]
    bare = _error("APIError(code=-11999): something went wrong")
    assert bare["found"]["products"] == []


@pytest.mark.parametrize("text", [
    "Error code -1003 Reason: IP throttled by the proxy",    # a label: prose, not the msg
    "Error code -1003 IP throttled",                         # too little to tell
    "error -1003 ip throttled by the proxy somewhere",       # not a sentence of its own
])
def test_prose_after_a_code_never_rules_its_products_out(text):
    error = _error(text)
    assert error["diagnosis"] is not None and "not this" not in error["found"]["product_from"]
    assert "spot" in error["found"]["products"]
