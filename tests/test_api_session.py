"""`binance_doctor.Session` end to end against the loopback Binance with order endpoints
(tests/fake/orders.py) and real signature checks. Every scenario asserts on the fake
exchange's own record of orders: one order, never two."""

from __future__ import annotations

import time

import pytest

from binance_doctor import BinanceError, Session
from binance_doctor.api.session import is_order_placement
from fake.account import FakeKey
from fake.orders import FakeOrders
from support import private_pem

API_KEY = "k" * 64
SECRET = "s" * 64
ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "20000"}


@pytest.fixture
def exchange(binance):
    return FakeOrders(binance, [FakeKey(API_KEY, secret=SECRET)])


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def session(binance, exchange, sleeps):
    with Session(API_KEY, SECRET, base_url=binance.url, sleep=sleeps.append,
                 timeout=2.0) as s:
        yield s


def _posts(binance, path="/api/v3/order"):
    return [r for r in binance.requests(path) if r.method == "POST"]


def test_an_order_gets_a_client_order_id_and_is_signed(session, exchange):
    answer = session.request("POST", "/api/v3/order", ORDER)
    [order] = exchange.placed()
    assert answer["clientOrderId"] == order.clientOrderId and order.clientOrderId.startswith(
        "bd-")
    assert answer["status"] == "NEW" and session.errors == {}


def test_a_given_client_order_id_is_kept(session, exchange):
    session.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "mine-1"})
    assert [o.clientOrderId for o in exchange.placed()] == ["mine-1"]


@pytest.mark.parametrize("kind", ["bad_gateway", "drop"])
def test_an_accepted_order_whose_answer_is_lost_is_found_not_resent(session, exchange,
                                                                    binance, kind):
    exchange.lose_answer(kind)
    answer = session.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "lost-1"})
    assert len(exchange.placed()) == 1
    assert answer["clientOrderId"] == "lost-1" and answer["orderId"] == exchange.placed()[
        0].orderId
    assert len(_posts(binance)) == 1
    queries = [r for r in binance.requests("/api/v3/order") if r.method == "GET"]
    assert [q.param("origClientOrderId") for q in queries] == ["lost-1"]


def test_a_futures_order_whose_answer_is_lost(binance, exchange, sleeps):
    exchange.lose_answer("bad_gateway")
    with Session(API_KEY, SECRET, base_url=binance.url, sleep=sleeps.append) as s:
        answer = s.request("POST", "/fapi/v1/order", {**ORDER, "newClientOrderId": "f-1"})
    assert answer["clientOrderId"] == "f-1" and len(exchange.placed()) == 1
    assert s.errors == {502: 1}


@pytest.mark.parametrize("code", [-1007, -1006])
def test_an_order_not_accepted_is_resent_once_with_the_same_id(session, exchange, binance,
                                                               code):
    exchange.reject_unknown(code)
    answer = session.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "u-1"})
    [order] = exchange.placed()
    assert order.clientOrderId == answer["clientOrderId"] == "u-1"
    assert [r.param("newClientOrderId") for r in _posts(binance)] == ["u-1", "u-1"]
    assert session.errors[code] == 1 and session.errors[-2013] == 1


def test_unknown_twice_stops_after_the_one_resend(session, exchange, binance):
    exchange.reject_unknown(-1007, times=2)
    with pytest.raises(BinanceError) as caught:
        session.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "u-2"})
    assert exchange.placed() == [] and len(_posts(binance)) == 2
    assert caught.value.diagnosis.code == -1007 and caught.value.retry.action == "query_first"
    assert caught.value.client_order_id == "u-2"


def test_a_duplicate_client_order_id_is_not_an_order_of_ours(session, exchange):
    exchange.add("BTCUSDT", "dup-1", api_key=API_KEY)
    with pytest.raises(BinanceError) as caught:
        session.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "dup-1"})
    d = caught.value.diagnosis
    assert (d.code, d.message, d.retry.action) == (-2010, "Duplicate order sent.", "fix_first")
    assert len(exchange.placed("dup-1")) == 1


def test_429_waits_retry_after_then_places_once(session, exchange, binance, sleeps):
    binance.fail("/api/v3/order", "rate_limit", times=1, retry_after=7)
    session.request("POST", "/api/v3/order", ORDER)
    assert sleeps == [7.0] and len(exchange.placed()) == 1
    assert session.errors == {-1003: 1}


def test_418_raises_with_the_ban_end_and_refuses_until_then(binance, exchange):
    now = [time.time()]
    until = int(now[0] * 1000) + 300_000
    binance.fail("/api/v3/order", "ban", times=1, retry_after=300, ban_until_ms=until)
    with Session(API_KEY, SECRET, base_url=binance.url, sleep=pytest.fail,
                 clock=lambda: now[0]) as s:
        with pytest.raises(BinanceError) as caught:
            s.request("POST", "/api/v3/order", ORDER)
        assert caught.value.retry.action == "stop"
        assert caught.value.retry.seconds == pytest.approx(300, abs=1)
        assert any(v.label == "Ban ends" for v in caught.value.diagnosis.values)
        sent = len(binance.requests())
        with pytest.raises(BinanceError) as refused:
            s.request("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True)
        assert refused.value.attempts == 0 and len(binance.requests()) == sent
        now[0] += 301
        assert s.request("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True) == []
    assert exchange.placed() == []


def test_a_clock_3_s_off_is_resynced_once(binance, exchange, sleeps):
    binance.offset_ms = -3000          # this machine's clock runs 3 s ahead of Binance's
    with Session(API_KEY, SECRET, base_url=binance.url, sleep=sleeps.append) as s:
        s.request("POST", "/api/v3/order", ORDER)
        assert s.offset_ms == pytest.approx(-3000, abs=300)
        s.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "second"})
    assert len(exchange.placed()) == 2 and s.errors == {-1021: 1}
    assert len(binance.requests("/api/v3/time")) == 1


def test_insufficient_balance_is_raised_and_never_resent(session, exchange, binance):
    exchange.balance = 10
    with pytest.raises(BinanceError) as caught:
        session.request("POST", "/api/v3/order", ORDER)
    d = caught.value.diagnosis
    assert (d.code, d.retry.action) == (-2010, "fix_first") and d.known
    assert exchange.placed() == [] and len(_posts(binance)) == 1


def test_a_bad_signature_is_not_retried(binance, exchange, sleeps):
    with Session(API_KEY, "wrong" * 13, base_url=binance.url, sleep=sleeps.append) as s:
        with pytest.raises(BinanceError) as caught:
            s.request("POST", "/api/v3/order", ORDER)
    assert caught.value.code == -1022 and len(_posts(binance)) == 1 and sleeps == []


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_rsa_and_ed25519_keys_sign(binance, kind):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pem = private_pem(kind)
    public = load_pem_private_key(pem, None).public_key()
    orders = FakeOrders(binance, [FakeKey(API_KEY, public_key=public)])
    with Session(API_KEY, private_key=pem, base_url=binance.url) as s:
        s.request("POST", "/api/v3/order", ORDER)
        assert "BEGIN" not in repr(s)
    assert len(orders.placed()) == 1


def test_error_counts_call_back_at_the_threshold(binance, exchange, sleeps):
    seen = []
    exchange.balance = 10
    with Session(API_KEY, SECRET, base_url=binance.url, threshold=3, sleep=sleeps.append,
                 on_threshold=lambda key, n, d: seen.append((key, n, d.name))) as s:
        for _ in range(4):
            with pytest.raises(BinanceError):
                s.request("POST", "/api/v3/order", ORDER)
    assert s.errors == {-2010: 4} and seen == [(-2010, 3, "NEW_ORDER_REJECTED")]


def test_reads_are_retried_with_backoff_after_a_5xx(session, binance, sleeps):
    binance.fail("/api/v3/openOrders", "unavailable", times=2)
    assert session.request("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"},
                           signed=True) == []
    assert sleeps == [0.5, 1.0] and len(binance.requests("/api/v3/openOrders")) == 3


def test_what_counts_as_an_order_placement():
    assert is_order_placement("POST", "/api/v3/order")
    assert is_order_placement("post", "/fapi/v1/order")
    assert not is_order_placement("GET", "/api/v3/order")
    assert not is_order_placement("POST", "/api/v3/order/test")


def test_a_read_timeout_after_acceptance_is_queried_not_resent(binance, exchange, sleeps):
    slow = iter([1.5])
    binance.delay_after = lambda: next(slow, 0.0)   # only the first answer is late
    with Session(API_KEY, SECRET, base_url=binance.url, sleep=sleeps.append,
                 timeout=0.5) as s:
        answer = s.request("POST", "/api/v3/order", {**ORDER, "newClientOrderId": "slow-1"})
    assert answer["clientOrderId"] == "slow-1" and len(exchange.placed()) == 1
    assert s.errors == {"unknown": 1} and len(_posts(binance)) == 1


def test_the_session_names_itself_apart_from_the_read_only_cli(session, binance):
    from binance_doctor.net import transport

    session.request("POST", "/api/v3/order", ORDER)
    agents = {r.headers.get("user-agent") for r in binance.requests()}
    assert agents == {f"binance-doctor-session/{binance_doctor_version()}"}
    assert transport.USER_AGENT not in agents


def binance_doctor_version() -> str:
    import binance_doctor

    return binance_doctor.__version__
