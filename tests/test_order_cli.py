"""check-order through the CLI, offline from a saved exchangeInfo: exit codes, the screen,
pasted requests and pasted errors, bad input."""

from __future__ import annotations

from pathlib import Path

from support import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "order"
SPOT = str(FIXTURES / "spot.json")
USDM = str(FIXTURES / "usdm.json")
OFFLINE_SPOT = ("--exchange-info", SPOT, "--price-ref", "30000")


def test_a_failing_spot_limit_exits_26_with_binances_answer_and_the_corrected_request():
    run = run_cli("check-order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.0012345",
                  "--price", "30000.123", "--time-in-force", "GTC", *OFFLINE_SPOT)
    assert run.code == 26, run.stderr
    out = run.stdout
    assert "Binance would reject this order: 2 rules fail" in out
    assert "Binance answers -1013 Filter failure: LOT_SIZE" in out
    assert "Binance answers -1013 Filter failure: PRICE_FILTER" in out
    assert ("POST /api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
            "&quantity=0.00123&price=30000.12") in out
    assert "\x1b[" not in out          # piped: plain text


def test_a_passing_order_exits_0():
    run = run_cli("check-order", "BTCUSDT", "SELL", "LIMIT", "--quantity", "0.001",
                  "--price", "30000", "--time-in-force", "GTC", *OFFLINE_SPOT)
    assert run.code == 0, run.stdout
    assert "passes every rule checked" in run.stdout


def test_json_envelope_has_verdict_checks_and_corrected():
    run = run_cli("check-order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.0012345",
                  "--price", "30000", "--time-in-force", "GTC", *OFFLINE_SPOT, "--json")
    doc = run.json()
    assert run.code == 26
    assert doc["command"] == "check-order" and doc["ok"] is False
    result = doc["result"]
    assert result["verdict"] == "fail"
    assert result["corrected"] == {"quantity": "0.00123"}
    lot = next(c for c in result["checks"] if c["filter"] == "LOT_SIZE")
    assert lot == {"filter": "LOT_SIZE", "ok": False, "code": -1013,
                   "message": "Filter failure: LOT_SIZE", "detail": lot["detail"]}
    assert "0.00001" in lot["detail"]


def test_futures_order_below_minimum_notional_names_4164_and_the_smallest_quantity():
    run = run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--quantity", "0.003",
                  "--product", "usdm", "--exchange-info", USDM, "--price-ref", "30000",
                  "--json")
    result = run.json()["result"]
    assert run.code == 26
    failed = [c for c in result["checks"] if c["ok"] is False]
    assert [(c["filter"], c["code"]) for c in failed] == [("MIN_NOTIONAL", -4164)]
    assert failed[0]["message"] == ("Order's notional must be no smaller than 100 "
                                    "(unless you choose reduce only)")
    assert result["smallest_quantity"] == "0.004" and "corrected" not in result


def test_a_pasted_url_is_read_as_the_order_and_its_product():
    url = ("https://fapi.binance.com/fapi/v1/order?symbol=XYZUSDT&side=BUY&type=LIMIT"
           "&timeInForce=GTC&quantity=10&price=1.0005&timestamp=1&signature=00")
    run = run_cli("check-order", url, "--exchange-info", USDM, "--price-ref", "1", "--json")
    result = run.json()["result"]
    assert result["product"] == "usdm"
    assert result["corrected"] == {"quantity": "9.95"}


def test_a_pasted_error_is_explained_by_the_failing_rule():
    text = ("curl -X POST 'https://api.binance.com/api/v3/order' -d "
            "'symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.001"
            "&price=20000&timestamp=1&signature=00'\n"
            '{"code":-1013,"msg":"Filter failure: PERCENT_PRICE_BY_SIDE"}\n')
    run = run_cli("check-order", "-", *OFFLINE_SPOT, "--json", input=text)
    result = run.json()["result"]
    assert result["pasted_error"] == {"code": -1013,
                                      "message": "Filter failure: PERCENT_PRICE_BY_SIDE",
                                      "explained_by": ["PERCENT_PRICE_BY_SIDE"]}
    assert result["corrected"] == {"price": "24000"}
    plain = run_cli("check-order", "-", *OFFLINE_SPOT, input=text).stdout
    assert "Explained by" in plain and "24000" in plain


def test_a_pasted_precision_error_is_explained():
    text = ('GET /api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC'
            '&quantity=0.0123456789&price=30000\n'
            '{"code":-1111,"msg":"Parameter \'quantity\' has too much precision."}')
    result = run_cli("check-order", "-", *OFFLINE_SPOT, "--json", input=text).json()["result"]
    assert result["pasted_error"]["explained_by"] == ["PRECISION"]
    assert result["corrected"] == {"quantity": "0.01234"}


def test_bad_decimals_and_unknown_symbols_are_bad_input():
    run = run_cli("check-order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "1e-3",
                  "--price", "30000", *OFFLINE_SPOT)
    assert run.code == 4 and "not a plain positive decimal" in run.stderr
    run = run_cli("check-order", "NOPE", "BUY", "MARKET", "--quantity", "1", *OFFLINE_SPOT)
    assert run.code == 4 and "NOPE is not in this exchangeInfo" in run.stderr
    run = run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1",
                  "--exchange-info", str(FIXTURES / "missing.json"), "--price-ref", "1")
    assert run.code == 4 and "cannot read" in run.stderr
    run = run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1",
                  "--exchange-info", SPOT, "--product", "usdm", "--price-ref", "1")
    assert run.code == 4 and "not USDⓈ-M" in run.stderr


def test_options_is_not_a_check_order_product():
    run = run_cli("check-order", "BTCUSDT", "BUY", "MARKET", "--product", "options",
                  "--quantity", "1", *OFFLINE_SPOT)
    assert run.code == 2


def test_check_order_stays_off_explains_import_path():
    import subprocess
    import sys

    code = ("import sys; from binance_doctor.cli import main; "
            "main(['explain', '-2010']) if False else None; "
            "from binance_doctor.cli.root import load_commands; load_commands(['explain']); "
            "print(sorted(m for m in sys.modules if m.startswith('binance_doctor.order')"
            " or m == 'binance_doctor.cli.check_order'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


SPOT_LIMIT = ("check-order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.0012345", "--price",
              "30000.123", "--time-in-force", "GTC", *OFFLINE_SPOT)


def test_golden_plain_and_rich_screens():
    import io

    from rich.console import Console

    from support import check_golden

    from binance_doctor.order import check, exchange_info, view
    from binance_doctor.output import render
    from binance_doctor.product import Product

    check_golden("check_order_spot_limit.txt", run_cli(*SPOT_LIMIT).stdout)
    rules = exchange_info.load_file(USDM, "BTCUSDT", Product.USDM)
    order = check.order_from_params({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                     "quantity": "0.003"})
    result = check.run(rules, order, check.PriceRef(check.Decimal("30000"), "markPrice",
                                                    "mark price"))
    console = Console(width=100, file=io.StringIO(), color_system=None)
    render.write_rich(view.blocks(result), console)
    check_golden("check_order_usdm_rich.txt", console.file.getvalue())


def test_the_console_script_exits_26_for_a_failing_order():
    import subprocess
    import sys

    script = Path(sys.executable).parent / "binance-doctor"
    proc = subprocess.run([str(script), *SPOT_LIMIT, "--json"], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 26, proc.stderr
    assert '"corrected": {' in proc.stdout and '"price": "30000.12"' in proc.stdout


def test_a_pasted_4164_is_explained_by_min_notional():
    text = ("https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&side=BUY&type=MARKET"
            "&quantity=0.003&timestamp=1&signature=00\n"
            '{"code":-4164,"msg":"Order\'s notional must be no smaller than 100 (unless you '
            'choose reduce only)"}')
    result = run_cli("check-order", "-", "--exchange-info", USDM, "--price-ref", "30000",
                     "--json", input=text).json()["result"]
    assert result["pasted_error"]["explained_by"] == ["MIN_NOTIONAL"]
    assert result["smallest_quantity"] == "0.004"
