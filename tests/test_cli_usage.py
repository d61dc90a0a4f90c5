"""One style and one table for usage errors, across every command."""

from __future__ import annotations

import pytest

from binance_doctor.failure import ExitCode
from support import run_cli

ENV = {"BINANCE_API_KEY": "K" * 64, "BINANCE_API_SECRET": "S" * 64}


# The same kind of mistake gives the same exit code, whichever command makes it.
@pytest.mark.parametrize("args", [
    ("explain", "--bogus"),
    ("codes", "--bogus"),
    ("scan", "--bogus", "x.log"),
    ("clock", "--bogus"),
    ("check-key", "--bogus"),
    ("signature", "sign", "--bogus"),
    ("completion", "--bogus", "bash"),
])
def test_unknown_option_is_usage_in_every_command(args):
    run = run_cli(*args, env=ENV)
    assert run.code == ExitCode.USAGE
    assert run.stderr.lower().startswith("binance-doctor: error: no such option: --bogus")
    assert "  hint: see `binance-doctor " in run.stderr and "Usage:" not in run.stderr


@pytest.mark.parametrize("args", [
    ("clock", "--samples", "0"),
    ("clock", "--samples", "many"),
    ("clock", "--recv-window", "-5"),
    ("clock", "--recv-window", "70000"),
    ("clock", "--timeout", "0"),
    ("clock", "--ntp-server", "host:notaport"),
    ("clock", "--base-url", "ftp://example"),
    ("clock", "--product", "options"),
    ("check-key", "--base-url", "ftp://x"),
    ("check-key", "--product", "options"),
    ("explain", "--product", "nonsense", "-1021"),
    ("codes", "--product", "nonsense"),
    ("completion", "tcsh"),
])
def test_bad_option_value_is_usage_in_every_command(args):
    run = run_cli(*args, env=ENV)
    assert run.code == ExitCode.USAGE, run.stderr
    assert run.stderr.startswith("binance-doctor: error: ") and len(
        run.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize("args,name", [
    (("explain", "--json", "nothing like an error"), "explain"),
    (("clock", "--json", "--samples", "0"), "clock"),
    (("signature", "sign", "--json", "--bogus"), "signature sign"),
    (("check-key", "--json", "--base-url", "ftp://x"), "check-key"),
])
def test_json_failure_names_the_real_command(args, name):
    body = run_cli(*args, env=ENV).json()
    assert body["ok"] is False and body["command"] == name


@pytest.mark.parametrize("args", [
    ("--debug", "explain", "-1021"),
    ("explain", "-1021", "--debug"),
    ("explain", "--debug", "-1021"),
    ("clock", "--debug", "--samples", "0"),
])
def test_debug_is_accepted_before_or_after_the_command(args):
    run = run_cli(*args, env=ENV)
    assert "no such option" not in run.stderr
    assert run.code in (ExitCode.OK, ExitCode.USAGE)
    if args[-1] == "-1021" or args[1] == "-1021":
        assert run.code == ExitCode.OK and "-1021 INVALID_TIMESTAMP" in run.stdout


def test_a_pasted_line_starting_with_a_dash_is_text_not_options():
    """'-1021 Timestamp ... h ...': click read it as -1 -0 -2 -1 ... -h and printed help."""
    run = run_cli("explain", "-1021 Timestamp for this request is outside of the recvWindow.")
    assert "Usage:" not in run.stdout + run.stderr
    # The whole line is read as a paste: its code and message are found.
    assert run.code == ExitCode.OK
    assert "-1021 INVALID_TIMESTAMP" in run.stdout


def test_a_pasted_pem_is_text_not_an_unknown_option():
    pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGxq\n-----END PRIVATE KEY-----"
    run = run_cli("explain", pem)
    assert run.code == ExitCode.NO_ERROR_FOUND and "No such option" not in run.stderr
    assert "MC4CAQ" not in run.stderr
