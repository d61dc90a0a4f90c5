"""`binance_doctor.diagnose()` on what bots hold: the real exception classes of
python-binance, ccxt, binance-connector and binance-sdk-spot (installed with
`pip install -e '.[clients]'`; those tests skip without them), httpx and requests
responses, dicts and text. The exceptions are made by the libraries' own code paths
where one runs offline (ccxt's handle_errors), else with the arguments the library
passes when it raises them."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import binance_doctor
from binance_doctor import Diagnosis, Retry, diagnose, retry_decision
from support import run_cli

NOW = 1_800_000_000.0
BAN_UNTIL = int(NOW * 1000) + 90_000


def _client(name: str):
    return pytest.importorskip(name, reason=f"{name} not installed: pip install -e '.[clients]'")


# -- the public surface ------------------------------------------------------------

def test_every_public_name_is_exported_and_typed():
    from pathlib import Path

    for name in binance_doctor.__all__:
        assert getattr(binance_doctor, name) is not None, name
    assert (Path(binance_doctor.__file__).parent / "py.typed").is_file()


def test_import_costs_neither_httpx_nor_the_catalog():
    code = ("import sys, binance_doctor; "
            "print(sorted(m for m in sys.modules if m.startswith(('httpx', 'binance_doctor.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    code = ("import sys, binance_doctor; binance_doctor.diagnose('-1021'); "
            "print('httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_diagnosis_is_the_data_explain_json_prints():
    d = diagnose({"code": -1021, "msg": "Timestamp for this request is outside of the "
                                        "recvWindow."}, now=NOW)
    shown = run_cli("explain", '{"code":-1021,"msg":"Timestamp for this request is '
                    'outside of the recvWindow."}', "--json").json()["result"]
    assert d.as_dict()["findings"] == shown["findings"]
    assert (d.code, d.name, d.known) == (-1021, "INVALID_TIMESTAMP", True)
    assert d.meaning == shown["findings"][0]["meaning"]
    assert list(d.fixes) == shown["findings"][0]["fixes"]
    with pytest.raises(AttributeError):
        d.code = 1      # frozen


# -- text, numbers, dicts ---------------------------------------------------------------

@pytest.mark.parametrize("x,code,status,action", [
    (-2010, -2010, None, "fix_first"),
    ("1021", -1021, None, "fix_first"),
    ("-1007", -1007, None, "query_first"),
    ("HTTP 502", None, 502, "query_first"),
    ({"code": -1013, "msg": "Filter failure: LOT_SIZE"}, -1013, None, "fix_first"),
    (b'{"code":-1001,"msg":"Internal error; unable to process your request. '
     b'Please try again."}', -1001, None, "query_first"),
])
def test_plain_inputs(x, code, status, action):
    d = diagnose(x, now=NOW)
    assert (d.code, d.status, d.retry.action) == (code, status, action)
    assert d.known


def test_a_traceback_in_text_is_read_with_its_product():
    text = ("Traceback (most recent call last):\n"
            '  File "bot.py", line 9, in <module>\n'
            "binance.exceptions.BinanceAPIException: APIError(code=-2019): "
            "Margin is insufficient.\n"
            "POST https://fapi.binance.com/fapi/v1/order\n")
    d = diagnose(text, now=NOW)
    assert (d.code, d.product, d.products) == (-2019, "usdm", ("usdm",))
    assert d.name == "MARGIN_NOT_SUFFICIEN" and d.retry.action == "fix_first"


def test_a_ban_gives_stop_until_its_end():
    d = diagnose({"code": -1003, "msg": f"Way too much request weight used; IP banned until "
                                        f"{BAN_UNTIL}. Please use WebSocket Streams for live "
                                        "updates to avoid bans."}, now=NOW)
    assert d.retry == Retry("stop", 90.0, d.retry.reason)
    assert any(v.label == "Ban ends" for v in d.values)


def test_the_product_narrows_an_ambiguous_code():
    loose = diagnose(-1008, now=NOW)
    assert loose.ambiguous and loose.product is None and len(loose.products) > 1
    spot = diagnose(-1008, product="spot", now=NOW)
    assert spot.product == "spot" and spot.products[0] == "spot"
    assert spot.retry == Retry("wait", 60, spot.retry.reason)
    futures = diagnose(-1008, product="usdm", now=NOW)
    assert futures.retry.seconds == 10


def test_secrets_in_a_message_are_masked():
    d = diagnose({"code": -1022, "msg": "Signature for this request is not valid. "
                                        "signature=" + "a" * 64}, now=NOW)
    assert "a" * 64 not in (d.message or "")


# -- HTTP responses ------------------------------------------------------------------

def _httpx(status: int, body: bytes, url: str = "https://api.binance.com/api/v3/order",
           **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers,
                          request=httpx.Request("POST", url))


def test_httpx_response_with_a_body_and_retry_after():
    r = _httpx(429, b'{"code":-1003,"msg":"Too many requests; current limit of IP is 6000 '
                    b'request weight per 1 MINUTE."}',
               url="https://fapi.binance.com/fapi/v1/order", **{"Retry-After": "7"})
    d = diagnose(r, now=NOW)
    assert (d.code, d.status, d.product, d.source) == (-1003, 429, "usdm", "httpx")
    assert d.retry == Retry("wait", 7.0, d.retry.reason) and d.retry_after == 7.0


def test_httpx_502_html_is_unknown_execution():
    d = diagnose(_httpx(502, b"<html><body>502 Bad Gateway</body></html>"), now=NOW)
    assert (d.status, d.code, d.retry.action) == (502, None, "query_first")
    assert retry_decision(d, method="POST", path="/api/v3/order").action == "query_first"
    assert retry_decision(d, method="GET", path="/api/v3/order").action == "retry"


def _requests(status: int, body: bytes, url: str = "https://api.binance.com/api/v3/order"):
    requests = _client("requests")
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.url = url
    return r


def test_requests_response():
    r = _requests(400, b'{"code":-1111,"msg":"Precision is over the maximum defined for this '
                       b'asset."}', "https://dapi.binance.com/dapi/v1/order")
    d = diagnose(r, now=NOW)
    assert (d.code, d.product, d.source, d.retry.action) == (-1111, "coinm", "requests",
                                                              "fix_first")


def test_network_errors_tell_sent_from_unsent():
    request = httpx.Request("POST", "https://api.binance.com/api/v3/order")
    read = diagnose(httpx.ReadTimeout("timed out", request=request), now=NOW)
    assert (read.transport, read.retry.action) == ("unknown", "query_first")
    refused = diagnose(httpx.ConnectError("[Errno 111] Connection refused", request=request))
    assert (refused.transport, refused.retry.action) == ("not_sent", "retry")
    dropped = diagnose(httpx.RemoteProtocolError("Server disconnected without sending a "
                                                 "response.", request=request))
    assert dropped.retry.action == "query_first"


# -- client libraries ---------------------------------------------------------------

def test_python_binance_api_exception():
    _client("binance.exceptions")
    from binance.exceptions import BinanceAPIException, BinanceOrderException

    r = _requests(400, b'{"code":-2010,"msg":"Account has insufficient balance for requested '
                       b'action."}')
    e = BinanceAPIException(r, 400, r.text)
    d = diagnose(e, now=NOW)
    assert (d.code, d.status, d.source, d.product) == (-2010, 400, "python-binance", "spot")
    assert "insufficient balance" in d.meaning.lower() or any(
        "balance" in c.lower() for c in d.causes)
    order = diagnose(BinanceOrderException(-1013, "Filter failure: LOT_SIZE"), now=NOW)
    assert (order.code, order.retry.action) == (-1013, "fix_first")


def test_python_binance_html_answer():
    _client("binance.exceptions")
    from binance.exceptions import BinanceAPIException

    r = _requests(503, b"<html><body>503 Service Temporarily Unavailable</body></html>")
    d = diagnose(BinanceAPIException(r, 503, r.text), now=NOW)
    assert (d.status, d.code, d.retry.action) == (503, None, "query_first")


def test_ccxt_exceptions_through_its_own_error_handler():
    ccxt = _client("ccxt")
    spot, futures = ccxt.binance(), ccxt.binanceusdm()

    def raised(exchange, status, reason, url, body):
        try:
            parsed = json.loads(body) if body.startswith("{") else None
            exchange.handle_errors(status, reason, url, "POST", {}, body, parsed, {}, "")
            exchange.handle_http_status_code(status, reason, url, "POST", body)
        except ccxt.BaseError as e:
            return e
        raise AssertionError("ccxt raised nothing")

    # ccxt drops the code and keeps the documented message: the code is recovered from it.
    e = raised(spot, 400, "Bad Request", "https://api.binance.com/api/v3/order",
               '{"code":-2010,"msg":"Account has insufficient balance for requested action."}')
    assert isinstance(e, ccxt.InsufficientFunds) and "-2010" not in str(e)
    d = diagnose(e, now=NOW)
    assert (d.code, d.source, d.known) == (-2010, "ccxt", True) and d.retry.action == "fix_first"
    e = raised(futures, 400, "Bad Request", "https://fapi.binance.com/fapi/v1/order",
               '{"code":-2019,"msg":"Margin is insufficient."}')
    d = diagnose(e, now=NOW)
    assert (d.code, d.product, d.product_from) == (-2019, "usdm", "ccxt binanceusdm")
    e = raised(spot, 502, "Bad Gateway", "https://api.binance.com/api/v3/order",
               "<html>bad gateway</html>")
    assert isinstance(e, ccxt.ExchangeNotAvailable)
    d = diagnose(e, now=NOW)
    assert (d.status, d.retry.action) == (502, "query_first")
    e = raised(spot, 429, "Too Many Requests", "https://api.binance.com/api/v3/order",
               '{"code":-1003,"msg":"Too many requests; current limit of IP is 6000 request '
               'weight per 1 MINUTE."}')
    d = diagnose(e, now=NOW)
    assert (d.code, d.status, d.retry.action) == (-1003, 429, "wait")
    d = diagnose(ccxt.RequestTimeout("binance POST https://api.binance.com/api/v3/order "
                                     "request timeout (10000 ms)"), now=NOW)
    assert (d.transport, d.retry.action) == ("unknown", "query_first")


def test_binance_connector_errors():
    _client("binance.error")
    from binance.error import ClientError, ServerError

    e = ClientError(400, -1021, "Timestamp for this request was 1000ms ahead of the "
                    "server's time.", {"Content-Type": "application/json"}, None)
    d = diagnose(e, now=NOW)
    assert (d.code, d.status, d.source, d.name) == (-1021, 400, "binance-connector",
                                                    "INVALID_TIMESTAMP")
    assert any(v.label == "Clock" for v in d.values)
    assert retry_decision(d, method="POST", path="/api/v3/order", attempt=0).action == "retry"
    assert retry_decision(d, method="POST", path="/api/v3/order",
                          attempt=1).action == "fix_first"
    banned = ClientError(418, -1003, f"Way too much request weight used; IP banned until "
                         f"{BAN_UNTIL}.", {"Retry-After": "90"}, None)
    d = diagnose(banned, now=NOW)
    assert d.retry.action == "stop" and d.retry.seconds == 90.0
    d = diagnose(ServerError(502, "<html>502 Bad Gateway</html>"), now=NOW)
    assert (d.status, d.retry.action) == (502, "query_first")


def test_binance_sdk_errors():
    _client("binance_common.errors")
    _client("binance_sdk_spot")
    from binance_common.errors import (
        BadRequestError, ClientError, NetworkError, RateLimitBanError, ServerError,
        TooManyRequestsError)

    d = diagnose(BadRequestError(error_message="Filter failure: NOTIONAL", status_code=-1013),
                 now=NOW)
    assert (d.code, d.status, d.source, d.retry.action) == (-1013, 400, "binance-sdk",
                                                            "fix_first")
    assert d.name == "INVALID_MESSAGE"
    d = diagnose(TooManyRequestsError(error_message="Too many requests.", status_code=-1003,
                                      retry_after=12), now=NOW)
    assert (d.status, d.retry) == (429, Retry("wait", 12.0, d.retry.reason))
    d = diagnose(RateLimitBanError(error_message=f"Way too much request weight used; IP "
                                   f"banned until {BAN_UNTIL}.", status_code=-1003,
                                   retry_after=90), now=NOW)
    assert (d.status, d.retry.action, d.retry.seconds) == (418, "stop", 90.0)
    # 5xx: the code is absent and status_code is the HTTP status.
    d = diagnose(ServerError(error_message="Server error: 502", status_code=502), now=NOW)
    assert (d.code, d.status, d.retry.action) == (None, 502, "query_first")
    d = diagnose(ClientError(error_message="Service unavailable from a restricted location "
                             "according to 'b. Eligibility' in https://www.binance.com/en/terms."
                             " Please contact customer service if you believe you received "
                             "this message in error."), now=NOW)
    assert d.known and d.retry.action == "fix_first"
    d = diagnose(NetworkError(error_message="Network error: Read timed out."), now=NOW)
    assert (d.transport, d.retry.action) == ("unknown", "query_first")


# -- never raises -----------------------------------------------------------------

class _Hostile(Exception):
    def __getattribute__(self, name):
        if name in ("__class__", "__dict__", "__cause__", "__context__"):
            return object.__getattribute__(self, name)
        raise RuntimeError("no attributes for you")

    def __str__(self):
        raise RuntimeError("no text either")


def test_hostile_objects_do_not_break_it():
    for x in (_Hostile(), type("R", (), {"status_code": property(lambda s: 1 / 0)})(),
              float("nan"), [], {"code": True}, {"code": "-2010"}, b"\xff\xfe", 10**40):
        assert isinstance(diagnose(x), Diagnosis)


_anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["code", "msg", "status", "x"]) | st.text(max_size=5), inner,
        max_size=4),
    max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(_anything)
def test_diagnose_never_raises(x):
    d = diagnose(x)
    assert isinstance(d, Diagnosis) and d.retry.action in (
        "retry", "wait", "query_first", "fix_first", "stop")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-99999, max_value=99999), st.text(max_size=60),
       st.sampled_from([None, 200, 400, 418, 429, 500, 502, 503]))
def test_diagnose_never_raises_on_bodies_and_responses(code, msg, status):
    assert isinstance(diagnose({"code": code, "msg": msg}), Diagnosis)
    if status:
        r = httpx.Response(status, content=json.dumps({"code": code, "msg": msg}).encode())
        assert isinstance(diagnose(r), Diagnosis)


def test_a_bare_code_or_body_costs_what_explain_costs():
    """diagnose() of a code or a JSON body does not import the pasted-text extractor
    (explain of the same input does not either): start-up stays on explain's path."""
    code = ("import sys, binance_doctor; binance_doctor.diagnose('-2010'); "
            "binance_doctor.diagnose({'code': -1021, 'msg': 'Timestamp for this request is "
            "outside of the recvWindow.'}); print('binance_doctor.errors.extract' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
