"""Fuzz every command's arguments and stdin: no traceback, no undocumented exit, no secret.

Network is cut off (every lookup and connect fails at once), so the commands that
talk to Binance are fuzzed too, offline. FUZZ_EXAMPLES raises the number of
examples per command (default 40, a few seconds each in CI); FUZZ_RANDOM=1 draws new
examples each run instead of the same ones.
"""

from __future__ import annotations

import contextlib
import os
import socket

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from binance_doctor.failure import ExitCode
from support import run_cli

SECRET = "Fz9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Qa5Ws4Ed3Rf2Tg1Yh0Uj9I"
API_KEY = "Kk1Ll2Mm3Nn4Oo5Pp6Qq7Rr8Ss9Tt0Uu1Vv2Ww3Xx4Yy5Zz6Aa7Bb8Cc9Dd0Ee1F"
ENV = {"BINANCE_API_SECRET": SECRET, "BINANCE_API_KEY": API_KEY,
       "BINANCE_PRIVATE_KEY_FILE": None, "BINANCE_PRIVATE_KEY_PASSPHRASE": None}
DOCUMENTED = {int(c) for c in ExitCode} - {int(ExitCode.INTERNAL)}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))     # CI: the same examples every run
DEEP = '{"code":-1021,"msg":"x","d":' + "[" * 1500 + "]" * 1500 + "}"

OPTIONS = {
    "explain": ["--product", "-p", "--json", "-", "--"],
    "codes": ["--product", "--search", "--json", "--category"],
    "scan": ["-", "--json", "--jsonl", "--binary-as-text", "/nonexistent/x.log", "/"],
    "signature sign": ["--query", "--body", "--method", "--secret", "--secret-file",
                       "--private-key", "--json", "-"],
    "signature verify": ["--query", "--body", "--signature", "--secret-file", "--json", "-"],
    "completion": ["bash", "zsh", "fish"],
    "clock": ["--samples", "--recv-window", "--timeout", "--ntp-server", "--no-ntp",
              "--base-url", "--product", "--json"],
    "check-key": ["--api-key", "--secret-file", "--private-key", "--product", "--timeout",
                  "--base-url", "--testnet", "--json"],
    "doctor": ["--recv-window", "--timeout", "--product", "--base-url", "--no-ntp", "--json"],
    "order-status": ["BTCUSDT", "--client-order-id", "--order-id", "--product", "--timeout",
                     "--base-url", "--testnet", "--json"],
    "check-order": ["--quantity", "--price", "--product", "--exchange-info", "--json", "-",
                    "BTCUSDT", "BUY", "LIMIT"],
}

_numbers = st.one_of(
    st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-5", "1e30", "9999999999999999999", "400", "401", "200",
                     "-1021", "1021", "-1003", "nan", "inf"]))
_text = st.text(max_size=60)
_values = st.one_of(
    _numbers, _text, st.sampled_from([SECRET, API_KEY, DEEP, "-----BEGIN PRIVATE KEY-----",
                                      "http://[::1", "ftp://x", "https://",
                                      "http://127.0.0.1:9", "host:notaport", "\x00"]))


def _argv(command: str):
    words = st.one_of(st.sampled_from(OPTIONS[command]), _values)
    return st.lists(words, max_size=6).map(lambda rest: [*command.split(), *rest])


_stdin = st.one_of(st.none(), _text, st.binary(max_size=200),
                   st.sampled_from([DEEP, '{"code":-1003,"msg":"IP banned until '
                                    '9999999999999999999."}', f"apiKey={API_KEY}\n{SECRET}",
                                    '{"serverTime": 1e24}', "\x00" * 50 + "x"]))


@contextlib.contextmanager
def _offline():
    real = socket.getaddrinfo, socket.create_connection, socket.socket.connect

    def refuse(*_a, **_k):
        raise socket.gaierror(socket.EAI_NONAME, "fuzz: offline")

    def no_connect(*_a, **_k):
        raise ConnectionRefusedError("fuzz: offline")

    socket.getaddrinfo, socket.create_connection = refuse, no_connect
    socket.socket.connect = no_connect
    try:
        yield
    finally:
        socket.getaddrinfo, socket.create_connection, socket.socket.connect = real


def _check(argv: list[str], stdin) -> None:
    if "-" in argv or stdin is None:
        stdin = stdin if stdin is not None else ""
    with _offline():
        run = run_cli(*argv, "--timeout", "2", input=stdin, env=ENV) if argv[0] in (
            "clock", "check-key", "doctor", "order-status") and "--timeout" not in argv else run_cli(
            *argv, input=stdin, env=ENV)
    out = run.stdout + run.stderr
    assert run.code in DOCUMENTED, (argv, run.code, out[-2000:])
    assert "Traceback (most recent" not in out, (argv, out[-2000:])
    assert "binance-doctor: error: internal error" not in out, (argv, out[-2000:])
    assert SECRET not in out and API_KEY not in out, argv


def _fuzz(command: str):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(argv=_argv(command), stdin=_stdin)
    def run(argv, stdin):
        _check(argv, stdin)
    return run


test_fuzz_explain = example(argv=["explain", DEEP], stdin=None)(
    example(argv=["explain"], stdin=DEEP)(
        example(argv=["explain", '{"code":-1003,"msg":"Way too much request weight used; '
                     'IP banned until 9999999999999999999."}'], stdin=None)(
            _fuzz("explain"))))
test_fuzz_codes = _fuzz("codes")
test_fuzz_scan = example(argv=["scan", "\x00"], stdin=None)(   # open() raised ValueError
    example(argv=["scan", "-"], stdin=DEEP)(_fuzz("scan")))
test_fuzz_signature_sign = _fuzz("signature sign")
test_fuzz_signature_verify = _fuzz("signature verify")
test_fuzz_completion = _fuzz("completion")
test_fuzz_clock = _fuzz("clock")
test_fuzz_check_key = _fuzz("check-key")
test_fuzz_doctor = _fuzz("doctor")
test_fuzz_order_status = _fuzz("order-status")
test_fuzz_check_order = example(argv=["check-order", "--exchange-info", "\x00", "BTCUSDT",
                                      "BUY", "LIMIT"], stdin=None)(_fuzz("check-order"))
test_fuzz_check_key = example(argv=["check-key", "--secret-file", "\x00"], stdin=None)(
    test_fuzz_check_key)
