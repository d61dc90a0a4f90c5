"""explain reports one code printed with two different matching-engine or filter messages
as two errors, each explained, as scan does; repeats of one error (a traceback and its
log line, the code printed once with and once without its message) stay one.
Fixtures written for this project."""

from __future__ import annotations

from support import run_cli


def _errors(text: str) -> list[dict]:
    return run_cli("explain", "--json", input=text).json()["result"]["errors"]


def _details(error: dict) -> set:
    return {f["detail"]["matched_template"] for f in error["diagnosis"]["findings"]
            if f["detail"]}


def test_one_code_with_two_engine_messages_is_two_errors():
    errors = _errors("APIError(code=-2010): Market is closed.\n"
                     "APIError(code=-2010): Account has insufficient balance for requested "
                     "action.\n")
    assert [e["found"]["code"] for e in errors] == [-2010, -2010]
    assert [_details(e) for e in errors] == [
        {"Market is closed."}, {"Account has insufficient balance for requested action."}]


def test_one_code_with_two_filter_failures_is_two_errors():
    errors = _errors('{"code":-1013,"msg":"Filter failure: LOT_SIZE"}\n'
                     'retry: {"code":-1013,"msg":"Filter failure: PRICE_FILTER"}\n')
    assert [e["found"]["message"] for e in errors] == ["Filter failure: LOT_SIZE",
                                                       "Filter failure: PRICE_FILTER"]


def test_the_code_again_without_its_message_is_the_same_error():
    errors = _errors("binance.exceptions.BinanceAPIException: APIError(code=-2010): Market is "
                     "closed.\n2026-02-03 10:00:00 ERROR order failed, code -2010\n")
    assert len(errors) == 1 and errors[0]["count"] == 2
    assert errors[0]["found"]["message"] == "Market is closed."


def test_a_status_line_apart_from_its_coded_body_is_the_same_error():
    """axios prints the status on its own line, then the body with response.status."""
    errors = _errors("Error: Request failed with status code 418\n"
                     "    at settle (/srv/node_modules/axios/lib/core/settle.js:19:12)\n"
                     "  response: { status: 418, data: { code: -1003, msg: 'Way too much "
                     "request weight used; IP banned until 1767225600000. Please use WebSocket "
                     "Streams for live updates to avoid bans.' } }\n")
    assert [(e["found"]["code"], e["found"]["status"]) for e in errors] == [(-1003, 418)]


def test_a_status_of_another_response_stays_its_own_error():
    errors = _errors("GET /api/v3/account -> 503 Service Unavailable\n"
                     "retrying the account call in 5 s\n"
                     'POST /api/v3/order -> {"code":-2010,"msg":"Market is closed."}\n')
    assert sorted((e["found"]["code"] or 0, e["found"]["status"] or 0) for e in errors) == [
        (-2010, 0), (0, 503)]
