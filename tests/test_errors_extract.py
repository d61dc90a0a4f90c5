"""The extractor, driven through `explain` on stdin and `scan`, over every fixture format.

tests/fixtures/extract/lib/ was produced by the real client libraries raising
against a loopback server (generate.py there; not run here). hand/ holds
formats we could not run (Java, Go, C#, node, PHP, bot logs): each file names
the source file its format follows.
"""

from __future__ import annotations

import re
import json

import pytest
from hypothesis import given, settings, strategies as st

from binance_doctor.errors.extract import find_all
from binance_doctor.failure import ExitCode
from support import TESTS, run_cli

FIXTURES = TESTS / "fixtures" / "extract"
GENERATED = json.loads((FIXTURES / "generated.json").read_text(encoding="utf-8"))["files"]
HAND = json.loads((FIXTURES / "hand.json").read_text(encoding="utf-8"))


def _errors(run) -> list[dict]:
    assert run.code == 0, run.stderr
    return run.json()["result"]["errors"]


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_library_output_is_explained_from_stdin(name):
    want = GENERATED[name]
    text = (FIXTURES / "lib" / name).read_text(encoding="utf-8")
    errors = _errors(run_cli("explain", "--json", input=text))
    assert errors, name
    for e in errors:
        found = e["found"]
        assert found["code"] == want["code"]
        assert found["code_from"] == want.get("code_from", "text")
        if want["status"]:
            assert str(found["status"]) == want["status"]
        if want["product"]:
            assert found["product"] == want["product"]
        assert e["diagnosis"] is not None, e["problem"]


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_library_output_is_counted_by_scan(name):
    want = GENERATED[name]
    rows = run_cli("scan", "--json", str(FIXTURES / "lib" / name)).json()["result"]["rows"]
    assert rows
    for row in rows:
        # A client's code 0 is one line of the page; its other lines give the status alone.
        if want["code"] == 0 and row["code"] is None:
            assert str(row["status"]) == want["status"]
            continue
        assert row["code"] == want["code"]
        if want["status"] and row["code"] != 0:   # scan reads the page's status on its lines
            assert str(row["status"]) == want["status"]
        if want["product"]:
            assert row["product"] == want["product"]


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_written_formats_through_explain_and_scan(name):
    path = FIXTURES / "hand" / name
    assert path.read_text(encoding="utf-8").startswith("# "), "say which source it follows"
    errors = _errors(run_cli("explain", "--json", input=path.read_text(encoding="utf-8")))
    scanned = run_cli("scan", "--jsonl", str(path))
    records = [json.loads(line) for line in scanned.stdout.splitlines()]
    for got in ([e["found"] for e in errors], records):
        assert len(got) == len(HAND[name])
        for found, want in zip(got, HAND[name]):
            for key, value in want.items():
                assert found[key] == value, (name, key)


def test_ccxt_message_without_code_is_found_by_its_documented_text():
    text = (FIXTURES / "lib" / "ccxt-binance__balance.txt").read_text(encoding="utf-8")
    (e,) = _errors(run_cli("explain", "--json", input=text))
    assert e["found"]["code"] == -2010 and e["found"]["code_from"] == "message"
    assert e["count"] == 3
    assert e["diagnosis"]["findings"][0]["category"] == "balance"


def test_product_from_the_text_narrows_and_product_option_overrides():
    text = "POST https://fapi.binance.com/fapi/v1/order failed: {\"code\":-2026,\"msg\":\"x\"}"
    (e,) = _errors(run_cli("explain", "--json", input=text))
    assert [f["name"] for f in e["diagnosis"]["findings"]] == [
        "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED"]
    (e,) = _errors(run_cli("explain", "--json", "--product", "spot", input=text))
    assert [f["name"] for f in e["diagnosis"]["findings"]] == ["ORDER_ARCHIVED"]


def test_unknown_product_shows_every_meaning():
    (e,) = _errors(run_cli("explain", "--json", input="APIError(code=-2026): x"))
    assert e["found"]["product"] is None and e["diagnosis"]["ambiguous"] is True


def test_several_errors_are_explained_once_each_in_order():
    text = "\n".join([
        "10:00 APIError(code=-1021): Timestamp for this request is outside of the recvWindow.",
        "10:01 <APIError> code=-2019, msg=Margin is insufficient.",
        "10:02 APIError(code=-1021): Timestamp for this request is outside of the recvWindow.",
    ])
    errors = _errors(run_cli("explain", "--json", input=text))
    assert [(e["found"]["code"], e["count"]) for e in errors] == [(-1021, 2), (-2019, 1)]
    plain = run_cli("explain", input=text).stdout
    assert "2 Binance errors found" in plain
    assert plain.index("-1021 INVALID_TIMESTAMP") < plain.index("-2019")


def test_bare_inputs_still_work_as_before():
    assert run_cli("explain", "--json", input="-2010").json()["result"]["findings"][0][
        "name"] == "NEW_ORDER_REJECTED"
    (f,) = run_cli("explain", "--json", input="Filter failure: LOT_SIZE").json()[
        "result"]["findings"]
    assert f["filter"] == "LOT_SIZE"


def test_text_without_binance_error_falls_back_to_message_lookup():
    run = run_cli("explain", input="Traceback: KeyError 'foo'\nsomething else broke")
    assert run.code == ExitCode.NO_ERROR_FOUND
    assert run.stderr.startswith("binance-doctor: error: no documented Binance error")
    assert "most recent call last" not in run.stderr


def test_headers_and_waf_are_reported():
    text = (FIXTURES / "lib" / "curl__ban.txt").read_text(encoding="utf-8")
    (e,) = _errors(run_cli("explain", "--json", input=text))
    assert e["found"]["headers"] == {"retry-after": "120", "x-mbx-used-weight-1m": "6120"}
    out = run_cli("explain", input=text).stdout
    assert re.search(r"Retry-After +120 s", out) and "X-MBX-USED-WEIGHT-1M" in out
    waf = (FIXTURES / "lib" / "curl__waf.txt").read_text(encoding="utf-8")
    (e,) = _errors(run_cli("explain", "--json", input=waf))
    assert e["found"]["waf"] is True and e["found"]["status"] == 403
    assert "WAF or CDN" in run_cli("explain", input=waf).stdout


def test_secrets_in_pasted_text_never_come_back():
    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    text = (f'{{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action. '
            f'key {key}"}}\nX-MBX-APIKEY: {key}')
    run = run_cli("explain", "--json", input=text)
    assert run.code == 0 and key not in run.stdout


# -- robustness ----------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text):
    find_all(text)


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_never_raises_on_any_bytes(data):
    find_all(data)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85"
                                                            "\u2028\u2029{}"), max_size=200),
       st.text(alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85"
                                                            "\u2028\u2029{}"), max_size=200),
       st.sampled_from([-1021, -2010, -4164, -1003]))
def test_error_json_is_found_anywhere_in_noise(before, after, code):
    body = json.dumps({"code": code, "msg": "Some message."})
    found = [f for f in find_all(before + " " + body + " " + after) if f.code == code]
    assert found and found[0].message == "Some message."


def test_hostile_inputs():
    body = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
    assert find_all("x" * 10_000_000 + body) == ()          # beyond the searched part
    assert find_all(body + "y" * 10_000_000)[0].code == -1021
    assert find_all("[" * 100_000 + body + "]" * 100_000)[0].code == -1021
    assert find_all('{"a":' * 50_000 + body + "}" * 50_000)[0].code == -1021
    assert find_all(b"\xff\xfe\x00" + body.encode() + b"\x00\x80")[0].code == -1021
    assert len(find_all('{"code":-1021,"msg":"' * 20_000)) <= 64   # bounded per line


def test_an_empty_reader_is_idle_for_any_line_and_holds_nothing():
    """scan skips `idle` and `expire` when the reader is empty: that must be what they
    would say, at every step of a log with statuses, bodies, headers, hosts and codes."""
    from binance_doctor.errors import extract
    from test_errors_scan import _status_log
    from test_errors_scan_golden import varied_log

    lines = (varied_log(1500, seed=5) + _status_log(4)).splitlines() + [
        "< x-mbx-used-weight-1m: 1200", "2024-01-15T10:00:00Z INFO nothing here",
        "2024-01-15T10:00:01Z Retry-After: 30", "2024-01-15T10:00:02Z INFO still nothing",
        "2024-01-15T10:00:03Z POST https://fapi.binance.com/fapi/v1/order",
        "2024-01-15T10:00:04Z INFO and nothing", "Code = -1013", "",
        "2024-01-15T10:00:05Z HTTP 503", "2024-01-15T10:00:06Z INFO waiting"]
    reader = extract.Reader()
    empties = 0
    for n, text in enumerate(lines, 1):
        if reader.empty():
            empties += 1
            assert reader.idle(n, False) and reader.idle(n, True) and reader.idle(n + 50)
            assert reader.expire(n) == [] and reader.lines_held() == ()
        reader.apply(n, extract.analyse(text))
        if n % 7 == 0 and reader.empty():
            assert reader.waiting is None and reader.held is None
    assert 100 < empties < len(lines)
