"""Numbers and names that other software prints where a Binance code could stand are not
read as Binance codes: WebSocket close codes (RFC 6455: 1000-1015, the range of -1000..-1015),
database error numbers, HTTP and gRPC status constants that are also code names, and a line
that lists several code names (a config or docs, not an error). Their signed or plainly
Binance forms still are. Fixtures written for this project."""

from __future__ import annotations


import pytest

from support import run_cli, scan_rows


def _found(text: str, arg: bool = False) -> list[dict]:
    run = run_cli("explain", "--json", "--", text) if arg else run_cli("explain", "--json",
                                                                         input=text)
    if run.code != 0:
        return []
    result = run.json()["result"]
    if "errors" not in result:
        q = result["query"]
        return [{"code": q["code"], "status": q["status"]}]
    return [e["found"] for e in result["errors"]]


def _scanned(tmp_path, text: str) -> list[tuple]:
    return [(row["code"], row["status"]) for row in scan_rows(tmp_path, text)]


@pytest.mark.parametrize("text", [
    # python websockets, node ws, a close frame's reason, a short title
    "websockets.exceptions.ConnectionClosedError: code = 1006 (connection closed abnormally "
    "[internal]), no reason",
    "[2026-04-01 09:00:01] ws closed with code 1006 after 300 s",
    "stream error: received close frame code 1001 (going away)",
    "WebSocket closed, code 1008, reason: policy violation",
    "1003 error: websocket closed, unsupported data",
    # MySQL's client, a driver's tuple, an ORM wrapping it
    "ERROR 1130 (HY000): Host '10.9.8.7' is not allowed to connect to this MySQL server",
    "ERROR 2013 (HY000): Lost connection to MySQL server during query",
    "sqlalchemy.exc.OperationalError: error code 2013, lost connection to the database",
])
def test_other_programs_numbers_are_not_binance_codes(tmp_path, text):
    assert _found(text) == []
    assert _found(text, arg=True) == []
    assert _scanned(tmp_path, text) == []


@pytest.mark.parametrize("text,code", [
    # The same numbers where the line is about Binance's API and not a socket's close
    ("Error code 1003: Way too much request weight used; IP banned until 1767225600000. "
     "Please use WebSocket Streams for live updates to avoid bans.", -1003),
    ("ERROR code: 1003 Too many requests, use the websocket for live updates", -1003),
    ("order failed with error code 1013", -1013),
    # signed, a socket closing on the same line does not hide it
    ('ws closed after {"code":-1006,"msg":"An unexpected response was received from the '
     'message bus. Execution status unknown."}', -1006),
])
def test_binance_codes_beside_those_words_are_still_read(tmp_path, text, code):
    assert [f["code"] for f in _found(text)] == [code]
    assert [c for c, _ in _scanned(tmp_path, text)] == [code]


@pytest.mark.parametrize("text,status", [
    # Java's HttpStatus constant after its number: the status, not -1003 or -1099
    ("org.springframework.web.client.HttpClientErrorException$TooManyRequests: "
     "429 TOO_MANY_REQUESTS from GET https://api.binance.com/api/v3/account", 429),
    ("HttpServerErrorException: 503 SERVICE_UNAVAILABLE on POST /fapi/v1/order", 503),
])
def test_http_status_constants_are_statuses_not_code_names(tmp_path, text, status):
    (found,) = _found(text)
    assert (found["code"], found["status"]) == (None, status)
    assert _scanned(tmp_path, text) == [(None, status)]


@pytest.mark.parametrize("text", [
    "grpc error: status = StatusCode.NOT_FOUND, no such key",
    "error: HTTPStatus.TOO_MANY_REQUESTS",
    "WARN retry settings: retry_on=[SERVER_BUSY, NEW_ORDER_REJECTED] max=5",
    "error handlers registered for INVALID_TIMESTAMP, NO_SUCH_ORDER",
])
def test_status_constants_and_lists_of_names_give_no_name_code(text):
    assert not [f for f in _found(text) if f.get("code_from") == "name"]


def test_a_name_on_several_codes_takes_the_code_of_the_product_the_line_names():
    """TOO_MANY_REQUESTS is excluded (an HTTP constant); SERVER_BUSY is -1008 on spot and
    sapi and -1004 on sapi; INVALID_PARAMETER is -1130 everywhere and -10026/-10028 on
    sapi: with a path the code is one the named product has under that name."""
    from binance_doctor.errors.catalog import load
    from binance_doctor.errors.recall import code_names

    names = code_names(load())
    (found,) = _found("error: SERVER_BUSY from https://api.binance.com/sapi/v1/margin/loan")
    assert found["code"] in names["SERVER_BUSY"] and "sapi" in names["SERVER_BUSY"][found["code"]]
    assert found["products"][0] == "sapi"


@pytest.mark.parametrize("text", [
    "1000 error responses in the last 5 minutes, all from the proxy",   # a count
    "2021 error report for the trading bot",                            # a year
    "1013 error messages were dropped by the logger",
])
def test_a_number_before_error_that_counts_or_dates_a_noun_is_not_a_code(tmp_path, text):
    assert _found(text) == []
    assert _scanned(tmp_path, text) == []


@pytest.mark.parametrize("text,code", [
    ("2015 error in my bot after the key rotation", -2015),
    ("1021 error: Timestamp for this request is outside of the recvWindow", -1021),
    ("1003 error when polling the order book", -1003),
])
def test_a_number_before_error_that_starts_a_clause_is_a_code(tmp_path, text, code):
    assert [f["code"] for f in _found(text)] == [code]
    assert [c for c, _ in _scanned(tmp_path, text)] == [code]


@pytest.mark.parametrize("text", [
    "warn: unrealized pnl -2015 USDT below the alert threshold",
    "error: drawdown -1013 % since open",
    "ERROR GET https://api.binance.com/api/v3/klines?limit=1000&startTime=-1021 failed",
])
def test_a_signed_amount_or_query_value_is_not_a_code(tmp_path, text):
    assert _found(text) == []
    assert _scanned(tmp_path, text) == []


@pytest.mark.parametrize("text,code", [
    ("error -2015 API key rejected by the exchange", -2015),
    ("request failed: errCode=-1021, retrying", -1021),
])
def test_a_signed_code_before_words_or_after_an_assignment_is_still_a_code(tmp_path, text, code):
    assert [f["code"] for f in _found(text)] == [code]
