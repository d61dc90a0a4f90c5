"""The README's exit-code table is what the program does: every documented code is
produced by a scenario, and nothing else is documented (the fuzz tests check that no
undocumented code comes out)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from binance_doctor.errors import diagnosis
from binance_doctor.failure import ExitCode
from fake.server import closed_port
from support import run_cli, signature_vectors

README = Path(__file__).parent.parent / "README.md"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ENV = {"BINANCE_API_SECRET": SECRET, "BINANCE_PRIVATE_KEY_FILE": None}
ERROR = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
# Codes whose scenarios need their command's own fixtures: the test that produces each.
ELSEWHERE = {
    ExitCode.ORDER_WOULD_FAIL: "test_order_",
    ExitCode.CHECKS_FAILED: "test_doctor_",
    ExitCode.ORDER_STATUS_UNKNOWN: "test_order_status",
    ExitCode.ORDER_NOT_FOUND: "test_order_status",
    ExitCode.CONFIG_INVALID: "test_doctor_",
    ExitCode.INTERRUPTED: "test_net_interrupt.py",
    ExitCode.OUTPUT_FAILED: "test_cli_exit.py",     # a real process's stdout
}


def _clock(binance, *args):
    return run_cli("clock", "--base-url", binance.url, "--no-ntp", *args)


def _failing(kind):
    def run(binance, tmp_path, monkeypatch, plain_tcp):
        binance.fail("/api/v3/time", kind)
        return _clock(binance)
    return run


def _internal(binance, tmp_path, monkeypatch, plain_tcp):
    def boom(*_a, **_k):
        raise RuntimeError("a bug")
    monkeypatch.setattr(diagnosis, "explain_text", boom)
    return run_cli("explain", "-1021")


def _some_unreadable(binance, tmp_path, monkeypatch, plain_tcp):
    log = tmp_path / "a.log"
    log.write_text(ERROR + "\n")
    return run_cli("scan", str(log), str(tmp_path / "missing.log"))


def _clock_rejected(binance, tmp_path, monkeypatch, plain_tcp):
    binance.offset_ms = 6000
    return _clock(binance)


def _key_problem(binance, tmp_path, monkeypatch, plain_tcp):
    url = f"http://127.0.0.1:{closed_port()}"
    return run_cli("check-key", "--api-key", "не ключ", "--base-url", url,
                   "--futures-base-url", url, "--delivery-base-url", url, env=ENV)


def _timeout(binance, tmp_path, monkeypatch, plain_tcp):
    binance.latency(1.0, 0.0)
    return _clock(binance, "--timeout", "0.3")


SCENARIOS = {
    ExitCode.OK: lambda *f: run_cli("explain", "-2010"),
    ExitCode.INTERNAL: _internal,
    ExitCode.USAGE: lambda *f: run_cli("clock", "--samples", "0"),
    ExitCode.NOT_FOUND: lambda *f: run_cli("explain", "-1019"),
    ExitCode.BAD_INPUT: lambda *f: run_cli("explain", input=""),
    ExitCode.NO_ERROR_FOUND: lambda *f: run_cli("scan", "-", input="all is well\n"),
    ExitCode.UNREACHABLE: lambda *f: run_cli(
        "clock", "--base-url", f"http://127.0.0.1:{closed_port()}", "--no-ntp"),
    ExitCode.TLS: lambda b, t, m, plain_tcp: run_cli(
        "clock", "--base-url", f"https://127.0.0.1:{plain_tcp.port}", "--no-ntp"),
    ExitCode.TIMEOUT: _timeout,
    ExitCode.RESTRICTED: _failing("restricted"),
    ExitCode.FORBIDDEN: _failing("waf"),
    ExitCode.IP_BANNED: _failing("ban"),
    ExitCode.RATE_LIMITED: _failing("rate_limit"),
    ExitCode.SERVER_ERROR: _failing("server_error"),
    ExitCode.CLOCK_REJECTED: _clock_rejected,
    ExitCode.KEY_PROBLEM: _key_problem,
    ExitCode.SIGNATURE_MISMATCH: lambda *f: run_cli(
        "signature", "verify", f"{signature_vectors()[0]['url']}&signature={'0' * 64}", env=ENV),
    ExitCode.SECRET_MISSING: lambda *f: run_cli(
        "signature", "sign", signature_vectors()[0]["url"],
        env={"BINANCE_API_SECRET": None, "BINANCE_PRIVATE_KEY_FILE": None}),
    ExitCode.NO_SUCH_FILE: lambda b, tmp_path, *f: run_cli("scan", str(tmp_path / "no.log")),
    ExitCode.SOME_INPUTS_UNREADABLE: _some_unreadable,
}


def _documented() -> dict[int, str]:
    table = README.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(n): name for n, name in re.findall(r"^\| (\d+) \| `(\w+)` \|", table, re.M)}


def test_the_readme_documents_exactly_the_exit_codes_there_are():
    assert _documented() == {int(c): c.name for c in ExitCode}


def test_every_exit_code_has_a_scenario():
    missing = set(ExitCode) - set(SCENARIOS) - set(ELSEWHERE)
    assert not missing, f"no scenario produces {sorted(missing)}"
    tests = Path(__file__).parent
    for code, where in ELSEWHERE.items():
        files = [p for p in tests.glob("test_*.py") if p.name.startswith(where)]
        assert any(re.search(rf"\bExitCode\.{code.name}\b|\b{int(code)}\b", p.read_text())
                   for p in files), (code, where)


@pytest.mark.parametrize("code", list(SCENARIOS), ids=lambda c: c.name)
def test_scenario_produces_its_code(code, binance, tmp_path, monkeypatch, plain_tcp):
    run = SCENARIOS[code](binance, tmp_path, monkeypatch, plain_tcp)
    assert run.code == code, (run.stdout[-500:], run.stderr[-500:])
    if code is not ExitCode.OK:
        assert "Traceback" not in run.stderr
