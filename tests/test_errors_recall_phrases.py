"""A documented wording short enough to be a phrase of anyone's sentence ("User not found",
"Invalid symbol", "This operation is not supported." found without its "This") is read as
Binance's only where it ends a clause, stands alone or in quotes, or sits beside a code
(longer wordings are found inside any prose: the property test in test_errors_recall);
and a template's head stands for its code only where it states the error, not where it
only sets the scene ("Within 24 hours after password modification, ...").
Fixtures written for this project."""

from __future__ import annotations


import pytest

from support import run_cli, scan_rows


def _codes(text: str) -> list:
    run = run_cli("explain", "--json", input=text)
    if run.code != 0:
        return []
    result = run.json()["result"]
    if "errors" not in result:
        return [result["query"]["code"]]
    return [e["found"]["code"] for e in result["errors"]]


def _scanned(tmp_path, text: str) -> list:
    return [row["code"] for row in scan_rows(tmp_path, text)]


@pytest.mark.parametrize("text", [
    "ERROR db: user not found in table accounts",
    "Error: Invalid symbol for chart widget",
    "Exception: Balance is insufficient to pay the invoice",
    "OSError: operation is not supported on this filesystem",
])
def test_a_phrase_inside_someone_elses_sentence_is_not_a_binance_message(tmp_path, text):
    assert _codes(text) == []
    assert _scanned(tmp_path, text) == []


@pytest.mark.parametrize("text,code", [
    ("binance error: Invalid symbol.", -1121),
    ("order rejected: Margin is insufficient", -2019),
    ("ccxt.base.errors.OrderNotFound: binance Unknown order sent. symbol=BTCUSDT", -2011),
    ("we then get Order would immediately trigger.", -2021),
    ('I keep getting "Order would immediately trigger." whenever I place a stop', -2021),
    ("Error: listenKey does not exist", -1125),
    ("keepalive failed -> listenKey does not exist.", -1125),
])
def test_the_same_wordings_as_a_clause_of_their_own_are_read(tmp_path, text, code):
    assert _codes(text) == [code]
    assert _scanned(tmp_path, text) == [code]


def test_a_shared_head_still_stands_for_its_code():
    """Spot words -1003 several ways after 'Too much request weight used;'."""
    text = ('{"code":-1003,"msg":"Too much request weight used; current limit is 6000 per '
            'minute, back off"}')
    assert _codes(text) == [-1003]
    assert _codes("ERROR Too much request weight used; slow down please") == [-1003]


@pytest.mark.parametrize("text", [
    # -4016's head with another error after it: the head only says when
    "Error: Within 24 hours after password modification, API key creation is disabled",
    "Error: For newly added collateral account, transfers open after one hour",
])
def test_a_head_that_only_sets_the_scene_gives_no_code(text):
    assert _codes(text) == []


def test_a_head_that_states_the_error_gives_its_code_with_another_tail():
    assert _codes("Error: Too many invalid verify attempts, wait a while") == [-18005]
