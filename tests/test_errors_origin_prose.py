"""When a printed code's message rules a product out, and when it does not.

Someone's own words after a code say nothing against it; a response's msg (a body, or
the code opening a JSON msg value) that is another error does. A code whose wording
says the cause is unknown or internal (-1000) takes any msg. A matching-engine or filter
message refines only a code it is sent with, and only such a wording ranks products.
Fixtures written for this project."""

from __future__ import annotations

import pytest

from support import findings, run_cli


def _errors(text: str, arg: bool = False) -> list[dict]:
    run = run_cli("explain", "--json", "--", text) if arg else run_cli("explain", "--json",
                                                                         input=text)
    assert run.code == 0, run.stderr
    return run.json()["result"]["errors"]


@pytest.mark.parametrize("text,code", [
    ("Error -1021: Please sync your clock with NTP and retry", -1021),
    ("binance returned -2014 Rotate keys after the leak and redeploy", -2014),
    ("ERROR -1022 Happens only when the payload contains unicode characters", -1022),
])
def test_own_words_after_a_code_rule_no_product_out(text, code):
    for arg in (False, True):
        (error,) = _errors(text, arg)
        assert error["found"]["code"] == code
        assert error["problem"] is None and error["diagnosis"]["findings"]
        assert "not this" not in error["found"]["product_from"]


def test_another_errors_documented_wording_after_a_code_still_rules_out():
    """-1021 with -2015's own wording on a line: -2015's wording, not -1021's meaning."""
    (error,) = _errors("Error -1121 Timestamp for this request is outside of the recvWindow.")
    assert error["problem"] is not None and "not this" in error["problem"]


def test_a_code_opening_a_json_msg_is_read_as_the_bodys_msg():
    """{"msg":"-4017=..."}: the wording is Binance's, so where -4017 documents another
    error it is ruled out and the text's own evidence (a withdrawal) names the product."""
    (error,) = _errors('{"success":false,"msg":"-4017=Withdrawal amount must be at least '
                       'the fee for this network"}')
    found = error["found"]
    assert found["format"] == "json"
    assert found["products"] == ["sapi"]


@pytest.mark.parametrize("msg", ["System abnormality", "Service busy, retry shortly",
                                 "Risk engine rejected request"])
def test_a_catch_all_code_takes_any_msg(msg):
    run = run_cli("explain", "--json", input='{"code":-1000,"msg":"%s"}' % msg)
    assert run.code == 0
    findings = run.json()["result"]["findings"]
    assert {p for f in findings for p in f["products"]} == {
        "spot", "usdm", "coinm", "options", "papi", "sapi"}


def test_a_fixed_wording_still_disagrees_with_another_body_msg():
    """-1022's wording is fixed: a body that says something else rules it out."""
    run = run_cli("explain", "--json", input='{"code":-1022,"msg":"Withdrawal address '
                  'whitelist disabled"}')
    assert run.code != 0 and "not documented with the message" in run.stdout + run.stderr


@pytest.mark.parametrize("text", [
    "APIError(code=-1021): Account has insufficient balance for requested action.",
    '{"code":-1021,"msg":"Account has insufficient balance for requested action."}',
])
def test_an_engine_or_filter_message_refines_only_a_code_it_is_sent_with(text):
    run = run_cli("explain", "--json", input=text)
    result = run.json()["result"]
    assert all(f["detail"] is None for f in findings(result))
    if "errors" in result:
        assert "documents this wording" not in result["errors"][0]["found"]["product_from"]


def test_an_engine_message_still_refines_its_own_code():
    (error,) = _errors("APIError(code=-2010): Account has insufficient balance for requested "
                       "action.")
    spot = [f for f in error["diagnosis"]["findings"] if "spot" in f["products"]]
    assert spot[0]["detail"]["matched_template"].startswith("Account has insufficient")
    assert error["found"]["products"][0] == "spot"
