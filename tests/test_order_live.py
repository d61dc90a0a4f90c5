"""check-order live against the loopback Binance: exchangeInfo and the reference, average or
mark price read with read-only GETs, and nothing sent when both are given offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake.exchange import NULL, FakeExchange
from support import run_cli

SPOT_FILE = str(Path(__file__).parent / "fixtures" / "order" / "spot.json")


@pytest.fixture
def exchange(binance):
    return FakeExchange(binance)


def _run(binance, *args):
    return run_cli("check-order", *args, "--base-url", binance.url, "--json")


def test_spot_uses_the_reference_price_when_there_is_one(binance, exchange):
    exchange.reference["BTCUSDT"] = "30000.00"
    exchange.average["BTCUSDT"] = "99999.00"
    run = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "37000",
               "--time-in-force", "GTC")
    result = run.json()["result"]
    assert run.code == 26
    assert result["price_ref"] == {"value": "30000", "source": "referencePrice"}
    assert result["corrected"] == {"price": "36000"}
    assert [r.path for r in binance.requests()] == ["/api/v3/exchangeInfo",
                                                    "/api/v3/referencePrice"]
    assert binance.requests("/api/v3/exchangeInfo")[0].param("symbol") == "BTCUSDT"


@pytest.mark.parametrize("reference", [NULL, None], ids=["null", "never-set-2043"])
def test_spot_falls_back_to_the_average_price(binance, exchange, reference):
    if reference is not None:
        exchange.reference["BTCUSDT"] = reference
    exchange.average["BTCUSDT"] = "50000.00"
    run = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "0.00009")
    result = run.json()["result"]
    assert result["price_ref"]["value"] == "50000"
    assert result["price_ref"]["source"].startswith("avgPrice over 5 min")
    notional = next(c for c in result["checks"] if c["filter"] == "NOTIONAL")
    assert notional["ok"] is False and "0.00009 × reference/average price 50000 = 4.5" \
        in notional["detail"]
    assert [r.path for r in binance.requests()][-1] == "/api/v3/avgPrice"


def test_usdm_reads_the_mark_price_from_premium_index(binance, exchange):
    exchange.mark["BTCUSDT"] = "25000.0"
    run = _run(binance, "BTCUSDT", "SELL", "MARKET", "--quantity", "0.003", "--product", "usdm")
    result = run.json()["result"]
    assert run.code == 26
    assert result["price_ref"] == {"value": "25000", "source": "markPrice"}
    failed = [c for c in result["checks"] if c["ok"] is False]
    assert [(c["filter"], c["code"]) for c in failed] == [("MIN_NOTIONAL", -4164)]
    assert result["smallest_quantity"] == "0.004"
    assert [r.path for r in binance.requests()] == ["/fapi/v1/exchangeInfo",
                                                    "/fapi/v1/premiumIndex"]


def test_coinm_reads_its_listed_mark_price_and_counts_contracts(binance, exchange):
    exchange.mark["BTCUSD_PERP"] = "30000"
    run = run_cli("check-order", "BTCUSD_PERP", "BUY", "LIMIT", "--quantity", "3",
                  "--price", "32000", "--time-in-force", "GTC", "--product", "coinm",
                  "--base-url", binance.url)
    assert run.code == 26
    assert "3 × contractSize 100 = 300 USD" in run.stdout
    assert "Binance answers -4016 Price is higher than mark price multiplier cap." in run.stdout
    assert "price         31500" in run.stdout


def test_an_unknown_symbol_is_bad_input(binance, exchange):
    run = _run(binance, "NOPEUSDT", "BUY", "MARKET", "--quantity", "1")
    assert run.code == 4
    assert "-1121 Invalid symbol." in run.stdout


def test_a_ban_on_exchange_info_stops_with_its_exit_code(binance, exchange):
    binance.fail("/api/v3/exchangeInfo", "ban", retry_after=60)
    run = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "1")
    assert run.code == 15
    assert len(binance.requests()) == 1


def test_offline_file_and_price_send_nothing(binance, exchange):
    run = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "0.001",
               "--exchange-info", SPOT_FILE, "--price-ref", "30000")
    assert run.code == 0
    assert binance.requests() == []


def test_a_file_without_a_price_reads_only_the_price(binance, exchange):
    exchange.reference["BTCUSDT"] = "30000"
    run = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "0.001",
               "--exchange-info", SPOT_FILE)
    assert run.code == 0
    assert [r.path for r in binance.requests()] == ["/api/v3/referencePrice"]


def test_every_check_order_path_is_on_the_read_only_allowlist():
    from binance_doctor.net import guard
    from binance_doctor.order import market

    assert {("GET", p) for p in market.PATHS} <= set(guard.ALLOWED)
