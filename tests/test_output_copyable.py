"""Values meant to be copied are never cut, on a terminal either."""

from __future__ import annotations

import io

from binance_doctor.output import render
from binance_doctor.output.document import Field, Section
from support import run_cli, signature_vectors

ENV = {"BINANCE_API_SECRET": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_value_on_a_terminal_is_written_whole(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    url = "https://api.binance.com/api/v3/order?" + "&".join(f"p{i}=v{i}" for i in range(40))
    out = _Terminal()
    render.write([Field("curl", f"curl -X GET '{url}'"),
                  Section("Mistake", (Field("Signed", url),))], out)
    assert "…" not in out.getvalue() and out.getvalue().count(url) == 2


def test_short_values_still_get_the_rich_screen(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = _Terminal()
    render.write([Section("Mistake", (Field("What", "a short value"),))], out)
    assert "╭" in out.getvalue()


def test_signature_sign_and_verify_on_a_terminal_print_the_whole_curl_line(monkeypatch):
    monkeypatch.setattr(render, "use_rich", lambda file: True)
    monkeypatch.setenv("COLUMNS", "80")
    vector = signature_vectors()[0]
    signed = run_cli("signature", "sign", vector["url"], env=ENV)
    curl = run_cli("signature", "sign", vector["url"], "--json", env=ENV).json()["result"]["curl"]
    assert signed.code == 0 and curl in signed.stdout and "…" not in signed.stdout
    verify = run_cli("signature", "verify", f"{vector['url']}&signature={'0' * 64}", env=ENV)
    assert "…" not in verify.stdout
