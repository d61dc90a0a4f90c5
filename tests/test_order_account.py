"""check-order --account against the loopback Binance: the account rules read with signed,
read-only GETs (real signature checks), and missing permissions reported, not guessed."""

from __future__ import annotations

import pytest

from fake.account import FakeAccounts, FakeKey
from fake.exchange import FakeExchange, FakeOrderAccount
from support import run_cli

API_KEY = "A" * 64
SECRET = "s" * 64


@pytest.fixture
def state(binance):
    FakeExchange(binance).mark["BTCUSDT"] = "30000"
    accounts = FakeAccounts(binance, [FakeKey(API_KEY, secret=SECRET)])
    return FakeOrderAccount(binance, accounts)


ENV = {"BINANCE_API_KEY": API_KEY, "BINANCE_API_SECRET": SECRET}


def _run(binance, *args):
    run = run_cli("check-order", *args, "--account", "--base-url", binance.url, "--json",
                  env=ENV)
    return run, run.json()["result"]


def _check(result, name):
    return next(c for c in result["checks"] if c["filter"] == name)


def test_spot_balance_short_of_the_cost_is_2010(binance, state):
    state.balances["USDT"] = "20.00000000"
    FakeExchange(binance).reference["BTCUSDT"] = "30000"
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001",
                       "--price", "30000", "--time-in-force", "GTC")
    assert run.code == 26
    balance = _check(result, "BALANCE")
    assert balance["ok"] is False and balance["code"] == -2010
    assert balance["message"] == "Account has insufficient balance for requested action."
    assert "locks 30 USDT; free 20 USDT" in balance["detail"]
    assert "0.1%" in balance["detail"]
    # signed, with the key in the header, and only GETs on the allowlist
    sent = binance.requests("/api/v3/account")[0]
    assert sent.headers["x-mbx-apikey"] == API_KEY and "signature=" in sent.raw_query
    assert SECRET not in run.stdout + run.stderr


def test_spot_open_orders_count_against_max_num_algo_orders(binance, state):
    FakeExchange(binance).reference["BTCUSDT"] = "30000"
    state.open_orders = [{"symbol": "BTCUSDT", "type": "STOP_LOSS_LIMIT", "icebergQty": "0"}
                         for _ in range(5)]
    run, result = _run(binance, "BTCUSDT", "SELL", "STOP_LOSS_LIMIT", "--quantity", "0.001",
                       "--price", "29000", "--stop-price", "29100", "--time-in-force", "GTC")
    algo = _check(result, "MAX_NUM_ALGO_ORDERS")
    assert algo["ok"] is False and algo["message"] == "Filter failure: MAX_NUM_ALGO_ORDERS"
    assert "5 open on BTCUSDT; this order makes 6, limit 5" in algo["detail"]
    assert _check(result, "MAX_NUM_ORDERS")["ok"] is True
    assert _check(result, "BALANCE")["ok"] is True        # sells 0.001 of 0.01 BTC


def test_usdm_hedge_mode_refuses_both_and_reduce_only(binance, state):
    state.hedge = True
    run, result = _run(binance, "BTCUSDT", "SELL", "MARKET", "--quantity", "0.004",
                       "--reduce-only", "--product", "usdm")
    assert run.code == 26
    side = _check(result, "POSITION_SIDE")
    assert (side["ok"], side["code"]) == (False, -4061)
    reduce = _check(result, "REDUCE_ONLY")
    assert (reduce["ok"], reduce["code"]) == (False, -1106)
    assert reduce["message"] == "Parameter 'reduceOnly' sent when not required."


def test_usdm_one_way_mode_refuses_long(binance, state):
    run, result = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "0.004",
                       "--position-side", "LONG", "--product", "usdm")
    assert _check(result, "POSITION_SIDE")["code"] == -4061


def test_usdm_leverage_bracket_cap_is_2027(binance, state):
    state.leverage = 20            # brackets with initialLeverage >= 20 cap at 600000
    state.positions = [{"symbol": "BTCUSDT", "positionSide": "BOTH", "positionAmt": "19",
                        "notional": "570000"}]
    state.available = "100000"
    run, result = _run(binance, "BTCUSDT", "BUY", "MARKET", "--quantity", "1.1",
                       "--product", "usdm")
    bracket = _check(result, "LEVERAGE_BRACKET")
    assert bracket["ok"] is False and bracket["code"] == -2027
    assert "position 570000 + order 33000 = 603000 USDT; cap at 20x is 600000" \
        in bracket["detail"]
    assert _check(result, "MARGIN")["ok"] is True           # 33000 / 20 = 1650 <= 100000


def test_usdm_margin_short_is_2019(binance, state):
    state.available = "10"
    state.leverage = 10
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.004",
                       "--price", "30000", "--time-in-force", "GTC", "--product", "usdm")
    margin = _check(result, "MARGIN")
    assert margin["ok"] is False and margin["code"] == -2019
    assert "initial margin 120 / 10x = 12 USDT; availableBalance 10" in margin["detail"]
    assert _check(result, "LEVERAGE_BRACKET")["ok"] is True


def test_usdm_open_orders_at_the_limit_is_2025(binance, state):
    state.open_orders = [{"symbol": "BTCUSDT", "type": "LIMIT"} for _ in range(200)]
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.004",
                       "--price", "30000", "--time-in-force", "GTC", "--product", "usdm")
    count = _check(result, "MAX_NUM_ORDERS")
    assert (count["ok"], count["code"]) == (False, -2025)


def test_a_key_without_futures_permission_is_reported_not_guessed(binance, state):
    state.accounts.keys[API_KEY].restrictions["enableFutures"] = False
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.004",
                       "--price", "30000", "--time-in-force", "GTC", "--product", "usdm")
    assert run.code == 0                    # the filters pass; nothing could be checked
    for name in ("POSITION_SIDE", "LEVERAGE_BRACKET", "MARGIN", "MAX_NUM_ORDERS"):
        check = _check(result, name)
        assert check["ok"] is None, name
        assert "-2015" in check["detail"] and "check-key" in check["detail"]


def test_account_needs_a_key(binance, state):
    run = run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--quantity", "0.004",
                  "--product", "usdm", "--account", "--base-url", binance.url,
                  env={"BINANCE_API_KEY": None, "BINANCE_API_SECRET": SECRET})
    assert run.code == 2 and "--account needs an API key" in run.stderr


def test_without_account_no_signed_request_is_sent(binance, state):
    run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--quantity", "0.004",
            "--product", "usdm", "--base-url", binance.url, env=ENV)
    assert all("signature=" not in r.raw_query for r in binance.requests())


def _coinm_position(leverage: int, value: str) -> dict:
    return {"symbol": "BTCUSD_PERP", "positionSide": "BOTH", "positionAmt": "0",
            "leverage": str(leverage), "notionalValue": value, "marginType": "cross"}


def test_coinm_contracts_are_valued_in_the_base_coin_for_margin(binance, state):
    FakeExchange(binance).mark["BTCUSD_PERP"] = "30000"
    state.positions = [_coinm_position(100, "0")]
    state.coin_available["BTC"] = "0.001"
    # 30 contracts × 100 USD / 30000 = 0.1 BTC; at 100x the margin is 0.001 BTC: just enough
    run, result = _run(binance, "BTCUSD_PERP", "BUY", "LIMIT", "--quantity", "30",
                       "--price", "30000", "--time-in-force", "GTC", "--product", "coinm")
    margin = _check(result, "MARGIN")
    assert margin["ok"] is True, margin
    assert "initial margin 0.1 / 100x = 0.001 BTC; availableBalance 0.001" in margin["detail"]
    state.coin_available["BTC"] = "0.0009"
    run, result = _run(binance, "BTCUSD_PERP", "BUY", "LIMIT", "--quantity", "30",
                       "--price", "30000", "--time-in-force", "GTC", "--product", "coinm")
    assert _check(result, "MARGIN")["code"] == -2019 and run.code == 26


def test_coinm_bracket_cap_is_in_the_base_coin(binance, state):
    FakeExchange(binance).mark["BTCUSD_PERP"] = "30000"
    state.positions = [_coinm_position(100, "-49.95")]   # caps for >= 100x: 50 BTC
    run, result = _run(binance, "BTCUSD_PERP", "SELL", "MARKET", "--quantity", "30",
                       "--product", "coinm")
    bracket = _check(result, "LEVERAGE_BRACKET")
    assert bracket["ok"] is False and bracket["code"] == -2027
    assert "position 49.95 + order 0.1 = 50.05 BTC; cap at 100x is 50" in bracket["detail"]
    assert binance.requests("/dapi/v1/positionRisk")[0].param("pair") == "BTCUSD"


def test_spot_max_position_counts_holdings_and_open_buys(binance, state):
    FakeExchange(binance).reference["BTCUSDT"] = "30000"
    state.balances = {"USDT": "100000", "BTC": "0.03"}
    state.open_orders = [{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                          "origQty": "0.015", "icebergQty": "0"},
                         {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                          "origQty": "0.01", "icebergQty": "0"}]
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.01",
                       "--price", "30000", "--time-in-force", "GTC")
    position = _check(result, "MAX_POSITION")
    assert position["ok"] is False and position["message"] == "Filter failure: MAX_POSITION"
    assert "held 0.03 + open BUY orders on BTCUSDT 0.015 + this order 0.01 = 0.055; " \
        "maxPosition 0.05" in position["detail"]
    run, result = _run(binance, "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.005",
                       "--price", "30000", "--time-in-force", "GTC")
    assert _check(result, "MAX_POSITION")["ok"] is True
    assert binance.requests("/api/v3/account") and len(binance.requests("/api/v3/account")) == 2


def test_a_pasted_error_no_rule_explains_is_said_so():
    from pathlib import Path

    spot = str(Path(__file__).parent / "fixtures" / "order" / "spot.json")
    text = ("https://api.binance.com/api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT"
            "&timeInForce=GTC&quantity=0.001&price=30000\n"
            '{"code":-1013,"msg":"Filter failure: LOT_SIZE"}')
    run = run_cli("check-order", "-", "--exchange-info", spot, "--price-ref", "30000",
                  input=text)
    assert run.code == 0
    assert "no failing rule here answers with this code" in run.stdout
