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
