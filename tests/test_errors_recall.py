"""Recall: every shape class of tests/fixtures/recall/shapes.json is read the same by
`explain` (argument and stdin) and `scan`; what is not Binance's is never counted;
products are ranked, never dropped; a documented template filled with values and
wrapped in prose is found (property test)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from binance_doctor.errors import recall
from binance_doctor.errors.catalog import PLACEHOLDER, Kind, load
from binance_doctor.errors.extract import find_all
from binance_doctor.failure import ExitCode
from support import TESTS, run_cli

SHAPES = json.loads((TESTS / "fixtures" / "recall" / "shapes.json").read_text(encoding="utf-8"))
CASES = [(group, c) for group in ("codes", "messages", "statuses", "not_binance")
         for c in SHAPES[group]]


def _explained(run) -> list[dict]:
    if run.code != 0:
        return []
    return [e["found"] for e in run.json()["result"].get("errors", [])]


def _scanned(tmp_path, text: str) -> list[dict]:
    log = tmp_path / "paste.log"
    log.write_text(text + "\n", encoding="utf-8")
    run = run_cli("scan", "--jsonl", str(log))
    return [json.loads(line) for line in run.stdout.splitlines()]


@pytest.mark.parametrize("group,case", CASES, ids=[f"{g}: {c['shape']}" for g, c in CASES])
def test_every_shape_reads_the_same_in_explain_and_scan(tmp_path, group, case):
    text = case["text"]
    readings = {
        "explain (stdin)": _explained(run_cli("explain", "--json", input=text)),
        "explain (argument)": _explained(run_cli("explain", "--json", "--", text)),
        "scan": _scanned(tmp_path, text),
    }
    for how, found in readings.items():
        if case.get("none"):
            assert [f["code"] for f in found if f["code"] is not None] == [], how
            continue
        assert found, (how, text)
        if "code" in case:
            assert case["code"] in [f["code"] for f in found], (how, found)
        if "status" in case:
            assert case["status"] in [f["status"] for f in found], (how, found)
            assert [f["code"] for f in found if f["code"] is not None] == [], (how, found)
        if group == "messages":
            assert all(f["code_from"] == "message" for f in found if f["code"] == case["code"])
        if group == "codes":
            assert any(f["code_from"] == "text" for f in found if f["code"] == case["code"])


def test_scan_never_counts_json_rpc_or_other_negative_codes(tmp_path):
    """Issue 12 item 8: a log full of Ethereum JSON-RPC errors and one Binance error."""
    rpc = '{"jsonrpc":"2.0","id":%d,"error":{"code":-32000,"message":"nonce too low"}}'
    lines = [rpc % i for i in range(500)]
    lines += ['{"jsonrpc":"2.0","id":9,"error":{"code":-32603,"message":"Internal error"}}',
              '{"code":-1234,"msg":"a negative code from some other service"}',
              'bot: {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}']
    log = tmp_path / "node.log"
    log.write_text("\n".join(lines) + "\n")
    rows = run_cli("scan", "--json", str(log)).json()["result"]["rows"]
    assert [(r["code"], r["count"]) for r in rows] == [(-1021, 1)]
    empty = tmp_path / "rpc.log"
    empty.write_text("\n".join(lines[:500]) + "\n")
    assert run_cli("scan", "--json", str(empty)).code == ExitCode.NO_ERROR_FOUND


def test_the_catalog_decides_what_is_a_binance_code():
    catalog = load()
    assert recall.is_binance_code(catalog, -1021)          # documented
    assert recall.is_binance_code(catalog, -2008)          # observed, kept with its source
    assert catalog.undocumented(-2008)["ccxt_class"]
    assert not recall.is_binance_code(catalog, -32000)     # JSON-RPC
    assert not recall.is_binance_code(catalog, -1234)
    # A JSON-RPC-range code counts only with the message Binance is observed to send.
    known = catalog.undocumented(-32603)
    assert recall.is_binance_code(catalog, -32603, known["message"])
    assert not recall.is_binance_code(catalog, -32603, "Internal error")


def _products(text: str) -> dict:
    (e,) = run_cli("explain", "--json", input=text).json()["result"]["errors"]
    return e["found"]


def test_a_named_product_is_the_product_with_its_evidence():
    found = _products("POST https://fapi.binance.com/fapi/v1/order -> "
                      '{"code":-2019,"msg":"Margin is insufficient."}')
    assert (found["product"], found["products"]) == ("usdm", ["usdm"])
    assert "/fapi/" in found["product_from"]
    coin = _products("client.futures_coin_create_order(symbol='ETHUSD_PERP') failed: "
                     "APIError(code=-2019): Margin is insufficient.")
    assert coin["products"] == ["coinm"]


def test_a_named_product_outranks_the_wording_of_a_message_without_code():
    """Spot documents the wording; the text names a USDⓈ-M call, and -2011 exists there."""
    found = _products("client.futuresCancelOrder(...) threw \"Unknown order sent.\"")
    assert (found["code"], found["code_from"], found["products"]) == (-2011, "message", ["usdm"])


def test_no_product_named_keeps_every_product_with_the_code():
    found = _products("APIError(code=-1021): Timestamp for this request is outside of the "
                      "recvWindow.")
    assert found["product"] is None
    assert set(found["products"]) == {e.products[0].value for e in load().by_code(-1021)}
    futures = _products("futures order failed: <APIError> code=-2019, msg=Margin is "
                        "insufficient.")
    assert set(futures["products"]) == {"usdm", "coinm"} and futures["product"] is None


def test_an_older_wording_keeps_spot_and_says_when_it_was_replaced():
    """-1111's spot wording was replaced in the docs; spot sent it for years."""
    catalog = load()
    old = [h for h in catalog.history(-1111) if h["products"] == ["spot"]]
    assert old and old[0]["replaced"] and old[0]["commit"]
    text = f'{{"code":-1111,"msg":"{old[0]["message"]}"}}'
    findings = run_cli("explain", "--json", input="order failed: " + text).json()[
        "result"]["findings"]
    (spot,) = [f for f in findings if "spot" in f["products"]]
    assert spot["matched_template"] == old[0]["message"]
    facts = {f["label"]: f["value"] for f in spot["facts"]}
    assert old[0]["replaced"] in facts["Wording"]


# -- property: a documented template, filled in and wrapped in prose, is found ------

_CODE_WORDINGS = sorted({(t, e.code) for t, e, _ in load().wordings()
                         if e.kind is Kind.CODE and len(t) >= 24}, key=lambda x: (x[1], x[0]))
_PROSE = st.text(alphabet=st.sampled_from("abcdefghij klmnopqrstuvwxyz ,;!?"), max_size=40)
_VALUE = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_CODE_WORDINGS), st.lists(_VALUE, min_size=8, max_size=8), _PROSE,
       _PROSE)
def test_a_filled_template_in_prose_is_found(wording, values, before, after):
    template, code = wording
    filled = iter(values)
    message = PLACEHOLDER.sub(lambda _m: next(filled), template)
    text = f"{before} error: {message} {after}".strip()
    found = find_all(text)
    codes = {f.code for f in found}
    # The same wording can belong to several codes; any of them is a right reading.
    same = {m.entry.code for m in load().match_message(message)} | {code}
    assert codes & same, (text, codes)
    assert codes <= same | {None}, (text, codes)


def _searched_status(text: str) -> int | None:
    """recall.status with its gate always open: the search alone."""
    gate = recall._THREE
    recall._THREE = re.compile("")             # finds a match in any text
    try:
        return recall.status(text)
    finally:
        recall._THREE = gate


def test_every_phrasing_but_the_net_names_reads_a_run_of_three_digits():
    """The gate's premise, for branches added later too: each named status group of
    _STATUS is exactly [45]\\d\\d, but the .NET names (which stand in brackets)."""
    groups = dict(re.findall(r"\(\?P<(\w)>([^()]*(?:\([^()]*\)[^()]*)*)\)", recall._STATUS.pattern))
    assert len(groups) >= 12
    for name, body in groups.items():
        if name == "k":
            assert body.lstrip().startswith("GatewayTimeout") and "\\[" in recall._STATUS.pattern
        else:
            assert body == r"[45]\d\d", (name, body)


_STATUS_PIECES = ["HTTP/1.1 ", "HTTP/2 ", "status", " code", "statusCode", "=", ": ", '"', "'",
                  "<Response [", "]>", "(", ")", ", None,", " ", "x", "-", "4", "5", "0", "1",
                  "9", "29", "03", "18", "51", "00", "02", "٣", "０", "Forbidden", "Too Many Requests",
                  "TOO_MANY_REQUESTS", " ERROR", "<H1>", "</H1>", "<title>", "[BadGateway]",
                  "[badrequest]", "HTTP ", "returned code", "does not indicate success", "\\",
                  "Bad Request", "Service Unavailable", "a", "ü", "_", "\t"]


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_STATUS_PIECES), max_size=14))
def test_the_status_gate_never_changes_what_the_search_reads(pieces):
    text = "".join(pieces)
    assert recall.status(text) == _searched_status(text)


@pytest.mark.parametrize("text, status", [
    ("HTTP/1.1 429 Too Many Requests", 429), ("<Response [418]>", 418),
    ("status code: 451", 451), ('"status":503', 503), ("got 403 Forbidden", 403),
    ("[ServiceUnavailable] try later", 503), ("(429, None, 'x')", 429),
    ("order 2627345190 failed: -2010", None), ("took 4512 ms, code 12", None),
    # Digits of other scripts after the first: the search reads them, so the gate must.
    ("got 4٢٩ Too Many Requests", 429), ("HTTP/1.1 4２９ Too Many Requests", 429),
])
def test_statuses_read_with_and_without_three_digits_standing_alone(text, status):
    assert recall.status(text) == _searched_status(text) == status
