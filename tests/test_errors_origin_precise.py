"""Of two pieces of evidence of one tier, the more precise names the product: a futures
Java connector (USDⓈ-M or COIN-M) with UMFuturesClientImpl in its trace is USDⓈ-M; the
word futures beside the word COIN-M is COIN-M. Evidence for unrelated products (two
paths) still keeps both. Fixtures written for this project."""

from __future__ import annotations

import pytest

from support import run_cli


def _found(text: str) -> dict:
    (error,) = run_cli("explain", "--json", input=text).json()["result"]["errors"]
    return error["found"]


@pytest.mark.parametrize("text,product", [
    ("at com.binance.connector.futures.client.impl.CMFuturesClientImpl.newOrder(X.java:9)\n"
     "com.binance.connector.futures.client.exceptions.BinanceClientException: "
     '{"code":-2019,"msg":"Margin is insufficient."}', "coinm"),
    ("at com.binance.connector.futures.client.impl.UMFuturesClientImpl.newOrder(X.java:9)\n"
     "com.binance.connector.futures.client.exceptions.BinanceClientException: "
     '{"code":-2019,"msg":"Margin is insufficient."}', "usdm"),
    ('futures order on our COIN-M account: {"code":-2019,"msg":"Margin is insufficient."}',
     "coinm"),
])
def test_the_more_precise_evidence_names_the_product(text, product):
    found = _found(text)
    assert (found["product"], found["products"]) == (product, [product])


def test_evidence_for_different_products_keeps_both():
    found = _found('GET /fapi/v1/order and GET /api/v3/order failed: '
                   '{"code":-2013,"msg":"Order does not exist."}')
    assert found["product"] is None and set(found["products"]) == {"usdm", "spot"}


def test_hummingbots_perpetual_connector_is_usdm():
    found = _found("2026-03-01 10:00:00,000 - hummingbot.connector.derivative.binance_perpetual."
                   "binance_perpetual_derivative - ERROR - Error submitting order: "
                   '{"code":-2019,"msg":"Margin is insufficient."}')
    assert (found["product"], found["products"]) == ("usdm", ["usdm"])
