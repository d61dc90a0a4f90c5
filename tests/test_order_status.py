"""`binance-doctor order-status` end to end against the loopback exchange with order
endpoints (tests/fake/orders.py): each verdict, its exit code, its JSON, and that only
allowlisted GETs are sent (the conftest checks every test's requests)."""

from __future__ import annotations

import pytest

from binance_doctor import Session
from binance_doctor.failure import ExitCode
from fake.account import FakeKey
from fake.orders import FakeOrders
from support import run_cli

API_KEY = "k" * 64
SECRET = "s" * 64
ENV = {"BINANCE_API_KEY": API_KEY, "BINANCE_API_SECRET": SECRET,
       "BINANCE_PRIVATE_KEY_FILE": None}


@pytest.fixture
def exchange(binance):
    return FakeOrders(binance, [FakeKey(API_KEY, secret=SECRET)])


def status(binance, *args: str):
    return run_cli("order-status", *args, "--base-url", binance.url, env=ENV)


def test_an_order_whose_answer_was_lost_is_found_open(binance, exchange):
    exchange.lose_answer("bad_gateway")
    with Session(API_KEY, SECRET, base_url=binance.url) as s:
        s.send("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                         "quantity": "0.01", "price": "20000",
                                         "newClientOrderId": "lost-7"}, True)
    run = status(binance, "BTCUSDT", "--client-order-id", "lost-7")
    assert run.code == ExitCode.OK, run.stderr
    assert "The order was placed and is OPEN" in run.stdout
    assert "Do not resend: the order exists." in run.stdout
    assert [r.method for r in binance.requests("/api/v3/order")] == ["POST", "GET"]


def test_a_filled_order_lists_its_fills_in_json(binance, exchange):
    order = exchange.add("BTCUSDT", "mkt-1", status="FILLED", api_key=API_KEY)
    run = status(binance, "BTCUSDT", "--order-id", str(order.orderId), "--json")
    assert run.code == 0
    data = run.json()["result"]
    assert (data["state"], data["placed"], data["order_id"]) == ("filled", True, order.orderId)
    assert [t["orderId"] for t in data["trades"]] == [order.orderId]
    assert [a["path"] for a in data["asked"]] == ["/api/v3/time", "/api/v3/order",
                                                  "/api/v3/myTrades"]


def test_not_found_is_exit_29_and_safe_to_resend_with_the_same_id(binance, exchange):
    exchange.add("BTCUSDT", "someone-else", api_key=API_KEY)
    run = status(binance, "BTCUSDT", "--client-order-id", "never-1")
    assert run.code == ExitCode.ORDER_NOT_FOUND == 29
    assert "Safe to resend with the SAME client order id (never-1)" in run.stdout
    assert "90 days" in run.stdout
    paths = [r.path for r in binance.requests()]
    assert paths == ["/api/v3/time", "/api/v3/order", "/api/v3/openOrders"]


@pytest.mark.parametrize("kind", ["unavailable", "server_error", "rate_limit"])
def test_a_failing_query_is_still_unknown_exit_28(binance, exchange, kind):
    exchange.add("BTCUSDT", "maybe-1", api_key=API_KEY)
    binance.fail("/api/v3/order", kind, times=1, retry_after=9)
    run = status(binance, "BTCUSDT", "--client-order-id", "maybe-1", "--json")
    assert run.code == ExitCode.ORDER_STATUS_UNKNOWN == 28
    data = run.json()["result"]
    assert data["state"] == "unknown" and data["placed"] is None
    assert data["ask_again_seconds"] == (9 if kind == "rate_limit" else 5)
    assert "Do not resend yet" in data["advice"]
    assert len(binance.requests("/api/v3/order")) == 1          # nothing retried


def test_a_cancelled_futures_order(binance, exchange):
    order = exchange.add("BTCUSDT", "fut-1", status="CANCELED", prefix="/fapi/v1",
                         api_key=API_KEY)
    run = status(binance, "BTCUSDT", "-c", "fut-1", "--product", "usdm", "--json")
    data = run.json()["result"]
    assert (run.code, data["state"], data["order_id"]) == (0, "cancelled", order.orderId)
    assert data["asked"][0]["path"] == "/fapi/v1/time"


def test_coinm_not_found(binance, exchange):
    run = status(binance, "BTCUSD_PERP", "-c", "x1", "--product", "coinm")
    assert run.code == 29 and "3 days" in run.stdout
    assert {r.path for r in binance.requests()} == {"/dapi/v1/time", "/dapi/v1/order",
                                                    "/dapi/v1/openOrders"}


def test_a_clock_3_s_off_is_handled_by_the_offset(binance, exchange):
    binance.offset_ms = -3000
    exchange.add("BTCUSDT", "clock-1", api_key=API_KEY)
    run = status(binance, "BTCUSDT", "-c", "clock-1")
    assert run.code == 0 and "OPEN" in run.stdout


def test_a_rejected_key_is_a_key_problem(binance, exchange):
    run = run_cli("order-status", "BTCUSDT", "-c", "a", "--base-url", binance.url,
                  env={**ENV, "BINANCE_API_KEY": "z" * 64})
    assert run.code == ExitCode.KEY_PROBLEM and "-2015" in run.stderr
    assert "z" * 64 not in run.stderr + run.stdout


def test_a_ban_ends_the_check_with_its_own_code(binance, exchange):
    binance.fail("/api/v3/order", "ban", retry_after=120)
    run = status(binance, "BTCUSDT", "-c", "a")
    assert run.code == ExitCode.IP_BANNED


@pytest.mark.parametrize("args,code", [
    (("BTCUSDT",), ExitCode.BAD_INPUT),
    (("BTCUSDT", "-c", "a", "--order-id", "3"), ExitCode.BAD_INPUT),
    (("BTCUSDT", "-c", "a", "--product", "options"), ExitCode.USAGE),
])
def test_bad_arguments(binance, args, code):
    assert status(binance, *args).code == code


def test_help_has_examples():
    run = run_cli("order-status", "--help")
    assert run.code == 0 and "binance-doctor order-status BTCUSDT --client-order-id" in run.stdout
