"""Recall from recorded sources: matching-engine messages and the codes they are sent
with (-1013 from the spot docs, observed pairings from ccxt), codes Binance sends
without documenting them, and a code whose minus sign was dropped ("1001 error").
Every case is read the same by `explain` (stdin and argument) and by `scan`."""

from __future__ import annotations


import pytest

from binance_doctor.errors.catalog import Kind, load
from support import run_cli, scan_rows


def _explained(text: str) -> list[dict]:
    out = []
    for run in (run_cli("explain", "--json", input=text), run_cli("explain", "--json", "--", text)):
        errors = run.json()["result"].get("errors", []) if run.code == 0 else []
        out.append(errors)
    assert [[e["found"]["code"] for e in x] for x in out[1:]] == [
        [e["found"]["code"] for e in out[0]]]
    return out[0]


def _scanned(tmp_path, text: str) -> list[dict]:
    return scan_rows(tmp_path, text)


def _codes(tmp_path, text: str) -> tuple[list, list]:
    explained = [e["found"]["code"] for e in _explained(text)]
    scanned = [h["code"] for h in _scanned(tmp_path, text)]
    return explained, scanned


# -- matching-engine messages: one best-supported code, the others listed ---------

def test_every_table_message_can_come_with_1013_as_the_spot_docs_say():
    for entry in load().of_kind(Kind.MESSAGE):
        assert {-1010, -2010, -2011, -2038, -1013} == set(entry.codes), entry.messages


@pytest.mark.parametrize("text,code", [
    ("the order failed: Market is closed.", -1013),           # observed with -1013 (ccxt)
    ("LIMIT_MAKER failed: Order would immediately match and take.", -2010),   # observed
    ("order error: Duplicate order sent.", -2010),           # no pairing recorded: a new order
    ("cancel failed with Unknown order sent.", -2011),       # about a cancel
])
def test_a_message_without_code_gives_one_code_and_lists_the_rest(tmp_path, text, code):
    (error,) = _explained(text)
    assert (error["found"]["code"], error["found"]["code_from"]) == (code, "message")
    (finding,) = error["diagnosis"]["findings"]
    assert finding["code"] is None and code in finding["codes"] and -1013 in finding["codes"]
    assert _codes(tmp_path, text) == ([code], [code])


def test_an_observed_pairing_is_shown_with_its_source():
    out = run_cli("explain", "order rejected: Market is closed.").stdout
    assert "Seen with" in out and "-1013" in out and "ccxt" in out


@pytest.mark.parametrize("text", [
    "Request failed. Code = -1013\nMarket is closed. See the error code list.",
    "ERROR code -1013\nerror: Market is closed.",
    "ERROR code -1013\n\nerror: Market is closed.",                 # a blank line between
    'response:\n{\n  "code": -1013,\n  "msg": "Market is closed."\n}',  # a pretty body
])
def test_a_printed_code_owns_the_message_on_the_next_line(tmp_path, text):
    explained, scanned = _codes(tmp_path, text)
    assert explained == [-1013] and set(scanned) == {-1013}
    (error,) = _explained(text)
    assert error["found"]["message"].lower().startswith("market is closed")
    assert error["found"]["code_from"] == "text"


def test_a_pretty_printed_body_is_one_error_whichever_table_code_it_prints(tmp_path):
    """"Duplicate order sent." alone gives -2010; printed with -1013, it is -1013's."""
    text = 'response:\n{\n  "code": -1013,\n  "msg": "Duplicate order sent."\n}'
    assert _codes(tmp_path, text) == ([-1013], [-1013])


def test_a_code_waits_for_its_message_only_a_few_lines(tmp_path):
    text = "ERROR code -1013\n\n\n\nerror: Duplicate order sent."
    assert _codes(tmp_path, text) == ([-1013, -2010], [-1013, -2010])


def test_a_code_the_message_is_never_sent_with_stays_a_separate_error(tmp_path):
    text = "Request failed. Code = -2015\nerror: Market is closed."
    assert _codes(tmp_path, text) == ([-2015, -1013], [-2015, -1013])


# -- a code Binance sends without documenting it, kept with its source ------------

@pytest.mark.parametrize("text", [
    "Sub-account creation failed (Code =-9000)",
    "got this problem back {-9000 parameter not accepted}",
])
def test_observed_undocumented_code_is_found_with_its_products(tmp_path, text):
    (error,) = _explained(text)
    assert error["found"]["code"] == -9000 and error["found"]["products"] == ["sapi"]
    assert "ccxt" in error["problem"]
    assert _codes(tmp_path, text)[1] == [-9000]
    assert "ccxt" in load().undocumented(-9000)["source"]


# -- "1001 error": a documented code's value with its sign dropped ----------------

@pytest.mark.parametrize("text,code", [
    ("1001 error, the order book call failed", -1001),
    ("  1021 error", -1021),
    ("> 2015 Error while signing in", -2015),
])
def test_a_bare_code_then_error_at_a_line_start_is_a_code(tmp_path, text, code):
    assert _codes(tmp_path, text) == ([code], [code])


@pytest.mark.parametrize("text", [
    "2015-03-01 error in the nightly job",     # a date
    "1000 errors in the last hour",            # a count
    "1001 errors so far",
    "8080 error: connection refused",          # not a documented code's value
    "proxy on port 1001 error",                # not at the start of the line
    "1001 error-prone steps",
    "99999 error",                             # no such code
])
def test_numbers_that_only_look_like_a_bare_code_are_not_taken(tmp_path, text):
    assert _codes(tmp_path, text) == ([], [])
