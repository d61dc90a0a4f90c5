"""What real client libraries send, fed to `signature verify` as raw HTTP requests.

tests/fixtures/signature/captures.json holds signed requests captured from
ccxt, python-binance, binance-connector and binance-futures-connector on a
loopback server (capture.py regenerates it). No correct capture may be called
invalid unless the docs say Binance rejects it; the library bugs must be named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from binance_doctor.failure import ExitCode
from binance_doctor.signature.kinds import Kind
from support import run_cli

CAPTURES = json.loads((Path(__file__).parent / "fixtures" / "signature" / "captures.json")
                      .read_text(encoding="utf-8"))
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
# python-binance signs the raw value and lets requests encode the form afterwards:
# '@' is signed raw and sent as %40, a space signed raw and sent as '+'. Real bugs.
BUGS = {("python-binance", "client id with @"): Kind.ENCODING,
        ("python-binance", "client id with a space"): Kind.ENCODING}
# Sent raw and signed raw: the docs do not settle these ASCII characters.
UNCERTAIN = {("binance-connector", "client id with @"),
             ("ccxt", "futures batchOrders (raw JSON)")}


@pytest.mark.parametrize("capture", CAPTURES["captures"],
                         ids=lambda c: f"{c['library']}: {c['case']}")
def test_real_client_capture(capture):
    run = run_cli("signature", "verify", "--json", "-", input=capture["http"],
                  env={"BINANCE_API_SECRET": SECRET})
    assert "Traceback" not in run.stderr and SECRET not in run.stdout
    result = run.json()["result"]
    assert result["request"]["source"] == "http"
    key = (capture["library"], capture["case"])
    if key in BUGS:
        assert run.code == ExitCode.SIGNATURE_MISMATCH
        assert [m["kind"] for m in result["mistakes"]] == [BUGS[key].value]
    else:
        assert run.code == ExitCode.OK, result["mistakes"]
        assert result["mistakes"] == []
        assert (result["uncertain"] is not None) == (key in UNCERTAIN)


def test_captures_cover_every_library():
    assert {c["library"] for c in CAPTURES["captures"]} == set(CAPTURES["versions"])
