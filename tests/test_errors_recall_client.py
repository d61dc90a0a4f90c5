"""A client library's pseudo-code: python-binance raises code 0 with "Invalid JSON error
message from Binance: <body>" when the body is not JSON (its exceptions.py). It is
reported as the client's code, not Binance's, with the HTTP status the page gives."""

from __future__ import annotations


import pytest

from support import run_cli, scan_rows

PAGE = ("binance.exceptions.BinanceAPIException: APIError(code=0): Invalid JSON error message "
        "from Binance: <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n"
        "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n"
        "<H1>403 ERROR</H1>\n</BODY></HTML>")


def _errors(text: str) -> list[dict]:
    run = run_cli("explain", "--json", input=text)
    assert run.code == 0, run.stderr
    return run.json()["result"]["errors"]


def _scanned(tmp_path, text: str) -> list[dict]:
    return scan_rows(tmp_path, text)


def test_code_0_with_a_block_page_is_the_clients_code_with_the_pages_status(tmp_path):
    (error,) = _errors(PAGE)
    assert (error["found"]["code"], error["found"]["status"], error["count"]) == (0, 403, 1)
    client, *status = error["diagnosis"]["findings"]
    assert (client["kind"], client["code"]) == ("client", 0)
    assert client["retry"]["policy"] == "check_first"
    assert [f["status"] for f in status] == ["403"]
    assert 0 in [h["code"] for h in _scanned(tmp_path, PAGE)]
    shown = run_cli("explain", input=PAGE).stdout
    assert "not a Binance error code" in shown and "means 2 different things" not in shown


@pytest.mark.parametrize("text,status", [
    # Versions whose exception prints the HTTP status where the code goes.
    ("APIError(code=502): Invalid JSON error message from Binance: <html><head><title>502 Bad "
     "Gateway</title></head></html>", 502),
    ("APIError(code=0): Invalid JSON error message from Binance: <html><head><title>504 Gateway "
     "Time-out</title></head></html>", 504),
    ("APIError(code=0): Invalid JSON error message from Binance", None),
])
def test_the_status_comes_from_the_page_when_the_text_has_it(tmp_path, text, status):
    (error,) = _errors(text)
    assert (error["found"]["code"], error["found"]["status"]) == (0, status)
    assert error["found"]["products"] == ["spot", "usdm", "coinm", "options", "papi", "sapi"]
    assert [h["code"] for h in _scanned(tmp_path, text)][:1] == [0]


def test_the_products_come_from_the_text_around_it():
    text = ("client.futures_account_balance() failed\n"
            "APIError(code=0): Invalid JSON error message from Binance: <html>oops</html>")
    (error,) = _errors(text)
    assert error["found"]["products"] == ["usdm"]


@pytest.mark.parametrize("text,code", [
    ("APIError(code=-1022): Invalid JSON error message from Binance: <html></html>", -1022),
    ("APIError(code=0): some other library text", None),
])
def test_only_the_clients_own_message_with_code_0_is_the_pseudo_code(text, code):
    run = run_cli("explain", "--json", input=text)
    codes = [e["found"]["code"] for e in run.json()["result"]["errors"]] if run.code == 0 else []
    assert codes == ([code] if code is not None else [])
