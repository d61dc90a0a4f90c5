"""Never crash: deep nesting, numbers out of range, a non-UTF-8 stdout, bare statuses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from binance_doctor import epoch
from binance_doctor.failure import ExitCode
from support import run_cli

DEEP = '{"code":-1021,"msg":"x","d":' + "[" * 1000 + "]" * 1000 + "}"
BAN = ('{"code":-1003,"msg":"Way too much request weight used; IP banned until '
       '9999999999999999999. Please use WebSocket Streams for live updates to avoid bans."}')


@pytest.mark.parametrize("how", ["argument", "stdin"])
def test_json_nested_past_the_recursion_limit_is_still_explained(how):
    run = (run_cli("explain", DEEP) if how == "argument"
           else run_cli("explain", input=DEEP))
    assert run.code == ExitCode.OK, run.stderr
    assert "-1021" in run.stdout and "internal error" not in run.stderr


def test_a_ban_until_no_real_date_is_said_so():
    run = run_cli("explain", BAN)
    assert run.code == ExitCode.OK, run.stderr
    assert "9999999999999999999: not a real date" in run.stdout


@pytest.mark.parametrize("value", [10 ** 24, 10 ** 20, 1e30, -5, 0, float("nan")])
def test_epoch_values_that_are_no_real_instant(value):
    assert not epoch.is_real_ms(value)
    assert "not a real date" in epoch.utc_text(value)


def test_a_real_instant_reads_as_a_date():
    assert epoch.utc_text(1_600_000_000_000) == "2020-09-13 12:26 UTC"


@pytest.mark.parametrize("server_time", [10 ** 24, 10 ** 20, 17])
def test_server_time_out_of_range_is_not_believed(binance, server_time):
    from fake.server import reply_json

    binance.route("GET", "/api/v3/time", lambda req, srv: reply_json({"serverTime": server_time}))
    run = run_cli("clock", "--base-url", binance.url, "--no-ntp")
    assert run.code == ExitCode.SERVER_ERROR
    assert f"serverTime of {server_time}, which is not a real time" in run.stderr


def test_stdout_that_cannot_encode_the_marks_falls_back_to_ascii():
    proc = subprocess.run([sys.executable, "-m", "binance_doctor", "explain", "-1021"],
                          capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"x -1021 INVALID_TIMESTAMP")
    proc = subprocess.run([sys.executable, "-m", "binance_doctor", "explain", "-2026"],
                          capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0 and b"USDS-M" in proc.stdout or b"USD?-M" in proc.stdout


def test_401_is_a_status_with_its_usual_codes():
    run = run_cli("explain", "401", "--json")
    assert run.code == ExitCode.OK
    result = run.json()["result"]
    assert result["query"]["status"] == "401" and result["query"]["code"] is None
    assert [f["code"] for f in result["findings"]] == [-2015, -2014, -1022]
    assert "is a status, not an error code" in run_cli("explain", "401").stdout


@pytest.mark.parametrize("status", ["400", "200", "302"])
def test_other_bare_statuses_are_not_read_as_codes(status):
    run = run_cli("explain", status)
    assert run.code == ExitCode.NO_ERROR_FOUND
    assert f"-{status}" not in run.stderr and f"HTTP {status}" in run.stderr


def test_free_text_without_an_error_exits_like_scan():
    explain = run_cli("explain", "the weather is fine")
    scan = run_cli("scan", "-", input="the weather is fine\n")
    assert explain.code == scan.code == ExitCode.NO_ERROR_FOUND


def test_explain_dash_on_a_terminal_prompts_and_reads_until_eof():
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "binance_doctor", "explain", "-"],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b'{"code":-1021,"msg":"x"}\n')
        os.write(master, b"\x04")                  # Ctrl-D at the start of a line: EOF
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == 0, err
    assert b"Paste the error, then press Ctrl-D" in err and b"-1021" in out
