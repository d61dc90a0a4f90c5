"""`retry_decision()`: the policy Binance's docs support, walked over the whole catalog."""

from __future__ import annotations

import pytest

from binance_doctor import Retry, diagnose, retry_decision
from binance_doctor.errors import catalog

NOW = 1_800_000_000.0
ORDER = "/api/v3/order"


def _every_code() -> list[tuple[int, str]]:
    cat = catalog.load()
    return [(code, p.value) for code in cat.codes for e in cat.by_code(code)
            for p in e.products]


@pytest.mark.parametrize("code,product", _every_code())
def test_no_documented_code_lets_an_order_be_resent_blindly(code, product):
    d = diagnose(code, product=product, now=NOW)
    policies = {e.explanation.retry.policy.value
                for e in catalog.load().by_code(code, d.product)}
    for attempt in range(3):
        r = retry_decision(d, method="POST", path=ORDER, attempt=attempt)
        assert r.action in ("retry", "wait", "query_first", "fix_first", "stop")
        if "check_first" in policies or code == -1001:
            assert r.action == "query_first", (code, product, r)
        if "fix_first" in policies and code != -1021:
            assert r.action == "fix_first", (code, product, r)


@pytest.mark.parametrize("x", [-1006, -1007, -1000, "HTTP 500", "HTTP 502", "HTTP 504"])
def test_unknown_status_is_query_first_for_orders_and_retry_for_reads(x):
    d = diagnose(x, now=NOW)
    assert retry_decision(d, method="POST", path=ORDER, attempt=0).action == "query_first"
    assert retry_decision(d, method="post", path=ORDER, attempt=4).action == "query_first"
    first = retry_decision(d, method="GET", path=ORDER, attempt=0)
    later = retry_decision(d, method="GET", path=ORDER, attempt=2)
    assert first.action == later.action == "retry" and later.seconds > first.seconds
    assert retry_decision(d, method="DELETE", path=ORDER, attempt=4).action == "stop"


def test_busy_server_waits_and_reads_back_off():
    d = diagnose(-1008, product="usdm", now=NOW)
    assert retry_decision(d, method="POST", path="/fapi/v1/order") == Retry(
        "wait", 10, d.retry.reason)
    d = diagnose(-1001, now=NOW)
    assert retry_decision(d, method="GET", path="/api/v3/account").action == "retry"


def test_429_waits_for_retry_after_and_without_it_backs_off():
    d = diagnose({"code": -1003, "msg": "Too many requests."}, now=NOW)
    assert d.retry_after is None
    assert retry_decision(d, method="GET", path=ORDER, attempt=3) == Retry(
        "wait", 4.0, d.retry.reason)


def test_a_ban_stops_every_method():
    until = int(NOW * 1000) + 120_000
    d = diagnose({"code": -1003, "msg": f"Way too much request weight used; IP banned until "
                                        f"{until}."}, now=NOW)
    for method in ("GET", "POST", "DELETE"):
        assert retry_decision(d, method=method, path=ORDER) == Retry("stop", 120.0,
                                                                     d.retry.reason)


def test_clock_error_is_retried_once_after_a_resync():
    d = diagnose(-1021, now=NOW)
    assert retry_decision(d, method="POST", path=ORDER, attempt=0).action == "retry"
    assert retry_decision(d, method="POST", path=ORDER, attempt=1).action == "fix_first"


@pytest.mark.parametrize("code", [-1013, -1111, -2010, -2015, -1022])
def test_fix_first_codes_are_never_resent_unchanged(code):
    d = diagnose(code, now=NOW)
    for method in ("GET", "POST"):
        assert not retry_decision(d, method=method, path=ORDER).resend


@pytest.mark.parametrize("code,product", [(-2019, "usdm"), (-4061, "usdm"), (-4164, "usdm")])
def test_futures_fix_first_codes(code, product):
    d = diagnose(code, product=product, now=NOW)
    assert retry_decision(d, method="POST", path="/fapi/v1/order").action == "fix_first"
