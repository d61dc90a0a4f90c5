"""Never hang: DNS obeys --timeout and is named, and Ctrl-C ends any command at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from binance_doctor.failure import ExitCode
from support import run_cli


@pytest.fixture
def silent_resolver(monkeypatch):
    """getaddrinfo that never answers for names (IP literals still resolve)."""
    release = threading.Event()
    real = socket.getaddrinfo

    def never(host, *args, **kwargs):
        if host and host[0].isalpha() and host != "localhost":
            release.wait()
            raise socket.gaierror("released")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", never)
    yield
    release.set()


def test_dns_that_never_answers_obeys_timeout_and_is_named(silent_resolver):
    run = run_cli("clock", "--base-url", "https://time.example.test", "--no-ntp",
                  "--timeout", "0.5")
    assert run.code == ExitCode.TIMEOUT
    assert "DNS lookup of time.example.test got no answer in time" in run.stderr
    assert "network path" not in run.stderr


def test_ntp_server_whose_name_never_resolves_is_a_row_not_a_hang(silent_resolver, binance):
    run = run_cli("clock", "--base-url", binance.url, "--ntp-server", "ntp.example.test",
                  "--timeout", "3", "--json")
    rows = run.json()["result"]["ntp"]["servers"]
    assert [r["error"] for r in rows if r["server"] == "ntp.example.test"][0].startswith(
        "no answer in time")


def test_check_key_dns_that_never_answers_is_named(silent_resolver):
    run = run_cli("check-key", "--api-key", "A" * 64, "--secret", "B" * 64, "--product",
                  "spot", "--timeout", "0.5", "--base-url", "https://api.example.test")
    assert "DNS lookup of api.example.test got no answer" in run.stdout + run.stderr


_HANGING = textwrap.dedent("""
    import socket, sys, threading
    def hang(*a, **k):
        sys.stderr.write("resolving\\n"); sys.stderr.flush()
        threading.Event().wait()
    socket.getaddrinfo = hang
    from binance_doctor.cli.main import main
    sys.argv = ["binance-doctor"] + sys.argv[1:]
    main()
""")


@pytest.mark.parametrize("args,stdin_wait", [
    (["clock", "--base-url", "https://time.example.test", "--no-ntp", "--timeout", "300"],
     False),
    (["explain", "-"], True),
    (["scan", "-"], True),
])
def test_ctrl_c_exits_130_at_once(args, stdin_wait):
    """SIGINT while DNS hangs or while waiting on stdin: one line, exit 130."""
    proc = subprocess.Popen([sys.executable, "-c", _HANGING, *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        if stdin_wait:
            proc.stdin.write(b"partial line")
            proc.stdin.flush()
            import time

            time.sleep(1.0)          # let it reach the blocking read (not an assertion)
        else:
            assert proc.stderr.readline() == b"resolving\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED == 130, err
    assert err.decode().strip().endswith("binance-doctor: interrupted")
    assert "Traceback" not in err.decode() and "internal error" not in err.decode()
