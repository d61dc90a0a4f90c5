"""One code with one Binance name on several products is one error, worded per product.

explain says "means N different things" only where the products' names (or, without
a shared name, their meanings) differ; scan's fix column says the same.
"""

from __future__ import annotations

import pytest

from support import run_cli

SAME = "means the same on every product, but the advice differs by product"
DIFFERENT = "different things depending on the product"


@pytest.mark.parametrize("code", ["-4138", "-4137", "-1125", "-1003", "-1000", "-4120"])
def test_one_name_on_every_product_is_one_error(code):
    # -4120: COIN-M gives no name, but its meaning is the USD-M one word for word
    run = run_cli("explain", "--", code)
    assert SAME in run.stdout and DIFFERENT not in run.stdout
    data = run_cli("explain", "--json", "--", code).json()["result"]
    assert data["ambiguous"] is False and len(data["findings"]) > 1


@pytest.mark.parametrize("code", ["-1008", "-1128", "-4046", "-1122"])
def test_other_names_on_other_products_are_different_errors(code):
    # -1122: INVALID_SYMBOLSTATUS on spot, INVALID_SYMBOL_STATUS on USD-M, read apart
    run = run_cli("explain", "--", code)
    assert DIFFERENT in run.stdout and SAME not in run.stdout
    assert run_cli("explain", "--json", "--", code).json()["result"]["ambiguous"] is True


def test_scan_fix_column_tells_the_two_apart(tmp_path):
    log = tmp_path / "bot.log"
    log.write_text('2026-01-01 ERROR {"code":-4138,"msg":"Reduce only must be true when '
                   'closePosition is true."}\n2026-01-01 ERROR {"code":-1008,"msg":"busy"}\n',
                   encoding="utf-8")
    rows = {r["code"]: r for r in run_cli("scan", "--json", str(log)).json()["result"]["rows"]}
    assert rows[-4138]["fix"] == "advice differs per product: binance-doctor explain -4138"
    assert rows[-1008]["fix"].startswith("means different things per product")


def test_scan_fix_column_for_a_bare_status_names_the_status(tmp_path):
    # A bare 503 from /fapi has four meanings on USD-M alone (the message tells them
    # apart): the hint must be a command that runs, never "explain None".
    log = tmp_path / "bot.log"
    log.write_text("2026-01-01T10:00:00Z INFO https://fapi.binance.com/fapi/v1/order BTCUSDT "
                   "-> HTTP/1.1 503 \n",
                   encoding="utf-8")
    rows = run_cli("scan", "--json", str(log)).json()["result"]["rows"]
    [row] = [r for r in rows if r["status"] == 503]
    assert row["code"] is None and row["product"] == "usdm"
    assert row["fix"] == ("means different things, told apart by the message: "
                          "binance-doctor explain 503 --product usdm")
    shown = run_cli("explain", "503", "--product", "usdm")
    assert shown.code == 0 and "Internal error; unable to process" in shown.stdout


def test_scan_fix_column_for_a_status_without_product_or_with_its_message(tmp_path):
    # No product: spot's and margin's 503 (execution unknown) is one of the meanings.
    # A usdm 503 whose message names one meaning gets that meaning's fix, not a list.
    ticks = "".join(f"2026-01-01T10:01:00Z INFO tick {i}\n" for i in range(50))
    log = tmp_path / "bot.log"
    log.write_text("2026-01-01T10:00:00Z ERROR request -> HTTP/1.1 503 \n" + ticks +
                   "2026-01-01T10:02:00Z ERROR https://fapi.binance.com/fapi/v1/order "
                   "returned 503: Unknown error, please check your request or try again "
                   "later.\n", encoding="utf-8")
    rows = {r["product"]: r for r in run_cli("scan", "--json", str(log)).json()["result"]["rows"]}
    bare = rows[None]
    assert bare["status"] == 503 and "HTTP 5XX" in bare["name"].split("/")
    assert bare["fix"] == ("means different things, told apart by the message: "
                           "binance-doctor explain 503")
    told = rows["usdm"]
    assert told["name"] == ("HTTP 503: Unknown error, please check your request or try "
                            "again later.")
    assert told["fix"].startswith("Do not resend blindly: query the order")


def test_without_a_product_a_status_message_keeps_every_meaning(tmp_path):
    # "Unknown error, ..." is the futures wording of a 503; with no product named, a
    # 503 may still be spot's or margin's (execution unknown): no meaning is dropped.
    log = tmp_path / "bot.log"
    log.write_text("2026-01-01T10:02:00Z ERROR request returned 503: Unknown error, please "
                   "check your request or try again later.\n", encoding="utf-8")
    (row,) = run_cli("scan", "--json", str(log)).json()["result"]["rows"]
    assert row["product"] is None and row["status"] == 503
    assert "HTTP 5XX" in row["name"].split("/")
