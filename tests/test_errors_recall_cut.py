"""A message cut off before the word it is indexed under is still found (a log line
clipped at a width, a JSON body truncated mid-string, a paste ending in "…"); and an
undocumented code's note says what ccxt really maps (a message, not the code) and when
the printed message is another one. Fixtures written for this project."""

from __future__ import annotations

import json

import pytest

from support import pasted_found, run_cli


@pytest.mark.parametrize("text,code", [
    ('{"code":-1111,"msg":"Precision is over the maximum def', -1111),
    ('2026-05-01 12:00:00 WARN {"code":-1111,"msg":"Precision is over the maxim…', -1111),
    ("ccxt.base.errors.InvalidOrder: binance Precision is over the maximum defi...", -1111),
])
def test_a_message_cut_before_its_rarest_word_is_found(tmp_path, text, code):
    (found,) = pasted_found(text)
    assert found["code"] == code and found["message"].endswith(("…", "..."))
    log = tmp_path / "paste.log"
    log.write_text(text + "\n", encoding="utf-8")
    (scanned,) = [json.loads(x) for x in run_cli("scan", "--jsonl", str(log)).stdout.splitlines()]
    assert scanned["message"].endswith(("…", "..."))


@pytest.mark.parametrize("text", [
    "ERROR: Precision is over",                                   # under 16 characters kept
    "ERROR: Precision issue in my own code, over the maximum allowed by the UI",
])
def test_a_few_words_of_a_head_are_no_cut_message(text):
    assert pasted_found(text) == []


def test_a_code_ccxt_saw_beside_one_message_is_told_as_that():
    """-9000 is in ccxt's map as a message key whose comment shows the code."""
    text = '{"code":-9000,"msg":"This type of sub-account exceeds the maximum number limit"}'
    run = run_cli("explain", input=text)
    assert "ccxt maps the message" in run.stderr and "another one" not in run.stderr


def test_an_undocumented_code_with_another_message_says_so():
    run = run_cli("explain", "--json", input='ExchangeError: binance {"code":-9000,'
                  '"msg":"Redeem is not available for this product now"}')
    (error,) = run.json()["result"]["errors"]
    assert "the message here is another one" in error["problem"]
    run = run_cli("explain", input='{"code":-2008,"msg":"Key revoked by admin"}')
    assert "ccxt maps it to AuthenticationError" in run.stderr
    assert "the message here is another one" in run.stderr
    run = run_cli("explain", input='{"code":-2008,"msg":"Invalid Api-Key ID."}')
    assert "another one" not in run.stderr
