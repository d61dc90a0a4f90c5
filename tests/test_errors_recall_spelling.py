"""Recall of documented wordings however they are spelled: identifiers written
listenKey, listen-key, listen key, listen_key or in capitals, a leading determiner
dropped, and a template's distinctive head spliced with another tail ("Too much
request weight used; IP banned until ..."). Read the same by explain and scan."""

from __future__ import annotations

import json

import pytest

from binance_doctor.errors import wording
from binance_doctor.errors.catalog import load
from support import run_cli


def _codes(tmp_path, text: str) -> tuple[list, list, list]:
    stdin = run_cli("explain", "--json", input=text)
    arg = run_cli("explain", "--json", "--", text)
    log = tmp_path / "paste.log"
    log.write_text(text + "\n", encoding="utf-8")
    scan = run_cli("scan", "--jsonl", str(log))

    def found(run):
        return [e["found"]["code"] for e in run.json()["result"]["errors"]] if run.code == 0 else []
    return found(stdin), found(arg), [json.loads(x)["code"] for x in scan.stdout.splitlines()]


@pytest.mark.parametrize("text", [
    'the stream dies with "listen-key does not exist" after a day',
    "keepalive error: listen_key does not exist",
    "user stream error: Listen Key does not exist",
    "WS ERROR: LISTENKEY DOES NOT EXIST",
    "error: This listenKey does not exist.",
])
def test_identifier_spellings_and_a_dropped_determiner_find_the_wording(tmp_path, text):
    assert _codes(tmp_path, text) == ([-1125], [-1125], [-1125])


@pytest.mark.parametrize("text", [
    "error: key does not exist",                      # not the identifier
    "error: listenerKey does not exist",              # another identifier
    "error: the listen keys do not exist anymore",
])
def test_other_words_are_not_the_identifier(tmp_path, text):
    assert -1125 not in sum(_codes(tmp_path, text), [])


@pytest.mark.parametrize("text,code", [
    ("Error: too much request weight used; IP banned until later", -1003),
    ("request failed: A mandatory parameter was not sent, check the query", -1102),
])
def test_a_distinctive_head_gives_its_code_when_the_rest_differs(tmp_path, text, code):
    assert _codes(tmp_path, text) == ([code], [code], [code])


def test_heads_stand_for_one_code_per_product_and_are_long_enough():
    index = wording.index(load())
    heads = [(h, m) for v in index.heads.values() for h, m in v]
    assert heads
    for head, members in heads:
        assert len(head) >= 25 and head[-1] in ";,", head
        per_product: dict = {}
        for m in members:
            assert wording.norm(m.template).startswith(head)
            for p in m.entry.products:
                per_product.setdefault(p, set()).add(m.entry.code)
        assert all(len(c) == 1 for c in per_product.values()), head


@pytest.mark.parametrize("text", [
    "Error: too much request, try later",              # shorter than any head
    "error: too much request weight used by the other bot",   # no clause boundary
])
def test_a_head_needs_its_whole_clause(tmp_path, text):
    assert _codes(tmp_path, text) == ([], [], [])
