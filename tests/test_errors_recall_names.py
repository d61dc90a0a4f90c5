"""A documented code name printed as a whole token in an error-like line gives its code
(NEW_ORDER_REJECTED, INVALID_TIMESTAMP); the products whose entry has that name come
first, those where the code goes by another name stay, ranked after them."""

from __future__ import annotations

import json

import pytest

from binance_doctor.errors.catalog import Kind, load
from support import pasted_found, run_cli, scan_rows


def _scanned(tmp_path, text: str) -> list:
    return [row["code"] for row in scan_rows(tmp_path, text)]


@pytest.mark.parametrize("text,code", [
    ("order failed: NEW_ORDER_REJECTED", -2010),
    ("sync error INVALID_TIMESTAMP, check the clock", -1021),
    ("cancel error: CANCEL_REJECTED", -2011),
    ("Exception: NO_SUCH_ORDER", -2013),
])
def test_a_documented_name_gives_its_code(tmp_path, text, code):
    (found,) = pasted_found(text)
    assert (found["code"], found["code_from"]) == (code, "name")
    assert _scanned(tmp_path, text) == [code]
    assert "its documented name gives it" in run_cli("explain", input=text).stdout


def test_products_with_the_name_come_first_the_others_stay():
    """SERVER_BUSY is -1008's name on spot and sapi; -1008 exists elsewhere by other names."""
    (found,) = pasted_found("order failed: SERVER_BUSY")
    named = {p for e in load().by_code(-1008) if e.name == "SERVER_BUSY" for p in
             (x.value for x in e.products)}
    every = {p.value for e in load().by_code(-1008) for p in e.products}
    assert found["code"] == -1008 and set(found["products"]) == every
    assert set(found["products"][:len(named)]) == named
    assert "documents this name" in found["product_from"]


@pytest.mark.parametrize("text", [
    "NEW_ORDER_REJECTED",                                   # the name alone says no more
    "see the table of INVALID_TIMESTAMP values",            # no error-like context
    "error: Filter failure: MIN_NOTIONAL",                  # a filter's name (and -4164's)
    '{"type":"STOP_LOSS_LIMIT","status":"NEW"} error',      # order enums are not code names
    "error: UNKNOWN_ORDER",                                 # no documented code has this name
    "error: xNEW_ORDER_REJECTED",                           # not a whole token
])
def test_tokens_that_are_not_a_code_name_in_context_give_no_name_code(text):
    assert not [f for f in pasted_found(text) if f["code_from"] == "name"]


def test_every_name_is_found_only_where_its_entry_has_it():
    names = {e.name for e in load().of_kind(Kind.CODE) if e.name and "_" in e.name}
    from binance_doctor.errors.recall import code_names
    table = code_names(load())
    assert set(table) <= names and "MIN_NOTIONAL" not in table
    for name, codes in table.items():
        for code, products in codes.items():
            assert all(e.name == name for p in products for e in load().by_code(code)
                       if p in [x.value for x in e.products]), (name, code)


def test_scan_finds_every_new_shape_in_a_big_log(tmp_path):
    """Past the size scan reads whole, lines go through its prefilter (recall.anchors):
    each new shape, on a line that says "error", is still found."""
    shapes = {
        "worker error: NEW_ORDER_REJECTED": -2010,
        "1001 error, retrying": -1001,
        "stream error: listen-key does not exist": -1125,
        "error: too much request weight used; IP banned until later": -1003,
        "Withdraw error (Code =-9000)": -9000,
        "APIError(code=0): Invalid JSON error message from Binance: <html></html>": 0,
        "order error: Market is closed.": -1013,
    }
    filler = [f"2024-05-0{i % 9 + 1} 12:00:{i % 60:02d} INFO tick {i} price 1{i}.5 ok"
              for i in range(4000)]
    lines = filler[:]
    for i, shape in enumerate(shapes):
        lines.insert(500 * (i + 1), shape)
    log = tmp_path / "big.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert log.stat().st_size > 128 * 1024
    got = [json.loads(x)["code"] for x in run_cli("scan", "--jsonl", str(log)).stdout.splitlines()]
    assert got == list(shapes.values())
