"""How the console script ends: threads waited for, exit handlers run, every byte
flushed, the exit code kept, and the interpreter not torn down (cli.main._leave);
while a program that calls main() itself, or a profiler around it, sees the
interpreter end as ever. Output that cannot be written (a full disk, a closed stdout)
is one line on stderr and exit 31, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from binance_doctor.failure import ExitCode

# The console script's own way in (console() reads sys.argv), with a thread still at
# work when the command is done, an exit handler, and an object whose finaliser only a
# teardown of the interpreter would run.
SCRIPT = """
import atexit, os, sys, threading, time
# Written, not flushed: only the teardown of the interpreter flushes it.
torn = open(os.environ["TORN"], "w")
torn.write("TORN DOWN")
atexit.register(lambda: sys.stderr.write("HANDLER RAN\\n"))
def late():
    time.sleep(0.3)
    sys.stderr.write("THREAD DONE\\n")
threading.Thread(target=late).start()
from binance_doctor.cli import console
PROFILE
console()
"""


def _console(tmp_path, *args: str, profile: str = "") -> tuple[subprocess.CompletedProcess,
                                                                  bool]:
    """The run, and whether the interpreter was torn down."""
    import os

    torn = tmp_path / "torn"
    run = subprocess.run([sys.executable, "-c", SCRIPT.replace("PROFILE", profile), *args],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TORN": str(torn)})
    return run, torn.read_text() == "TORN DOWN"


def test_threads_and_exit_handlers_run_and_no_teardown(tmp_path):
    run, torn = _console(tmp_path, "explain", "-2010")
    assert run.returncode == 0
    assert "-2010" in run.stdout and "NEW_ORDER_REJECTED" in run.stdout
    lines = run.stderr.splitlines()
    assert lines.index("THREAD DONE") < lines.index("HANDLER RAN")   # the interpreter's order
    assert not torn


def test_the_exit_code_of_a_failure_is_kept(tmp_path):
    run, _ = _console(tmp_path, "explain", "-987654")
    assert run.returncode == ExitCode.NOT_FOUND
    assert "HANDLER RAN" in run.stderr


def test_a_long_output_through_a_pipe_arrives_whole(tmp_path):
    log = tmp_path / "bot.log"
    log.write_text("".join(f'2026-01-01 ERROR {{"code":-1021,"msg":"Timestamp for this request '
                           f'is outside of the recvWindow. {i}"}}\n' for i in range(3000)))
    run, _ = _console(tmp_path, "scan", "--jsonl", str(log))
    assert run.returncode == 0
    assert len(run.stdout.splitlines()) == 3000 and run.stdout.endswith("}\n")


def test_under_a_profiler_the_interpreter_ends_it_as_ever(tmp_path):
    # cProfile and coverage report from the teardown: it must happen.
    run, torn = _console(tmp_path, "explain", "-987654",
                         profile="sys.setprofile(lambda *a: None)")
    assert run.returncode == ExitCode.NOT_FOUND and torn


def test_a_program_that_calls_main_gets_system_exit():
    code = ("import sys\n"
            "from binance_doctor.cli import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as e:\n"
            "    print('CAUGHT', e.code)\n"
            "finally:\n"
            "    print('FINALLY')\n")
    run = subprocess.run([sys.executable, "-c", code, "explain", "-987654"],
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.splitlines()[-2:] == [f"CAUGHT {int(ExitCode.NOT_FOUND)}", "FINALLY"]


def _closed_stdout() -> None:
    import os

    os.close(1)


def _env(buffered: bool) -> dict[str, str]:
    """The environment with Python's output buffered (as most users have it) or not
    (python -u, PYTHONUNBUFFERED: Docker images often set it; this suite's machine too)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return env if buffered else {**env, "PYTHONUNBUFFERED": "1"}


def _full():
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    return open("/dev/full", "w")     # noqa: SIM115 - the caller closes it


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args", [["explain", "-2010"], ["explain", "-2010", "--json"],
                                  ["codes"]])
@pytest.mark.parametrize("where", ["full", "closed"])
def test_output_that_cannot_be_written_is_one_line_on_stderr(args, where, buffered):
    out = _full() if where == "full" else None
    try:
        run = subprocess.run([sys.executable, "-m", "binance_doctor", *args], stdout=out,
                             stderr=subprocess.PIPE, text=True, timeout=120,
                             env=_env(buffered),
                             preexec_fn=_closed_stdout if where == "closed" else None)
    finally:
        if out is not None:
            out.close()
    assert run.returncode == ExitCode.OUTPUT_FAILED
    why = "No space left on device" if where == "full" else "the stream is closed"
    assert run.stderr == (f"binance-doctor: error: the output could not be written: {why}\n"
                          "  hint: check the disk or file the output goes to\n")


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_an_error_that_cannot_be_said_keeps_its_exit_code(buffered):
    with _full() as full:
        run = subprocess.run([sys.executable, "-m", "binance_doctor", "explain", "-987654"],
                             stdout=subprocess.PIPE, stderr=full, timeout=120,
                             env=_env(buffered))
    assert run.returncode == ExitCode.NOT_FOUND and run.stdout == b""


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args, code", [(["explain", "-987654", "--json"], ExitCode.NOT_FOUND),
                                        (["explain", "--bogus", "--json"], ExitCode.USAGE),
                                        (["explain", "-2010"], ExitCode.OK)])
def test_a_reader_gone_away_is_no_traceback_and_keeps_the_exit_code(args, code, buffered):
    import os

    read, write = os.pipe()
    os.close(read)                   # the reader is gone before a byte is written
    try:
        run = subprocess.run([sys.executable, "-m", "binance_doctor", *args], stdout=write,
                             stderr=subprocess.PIPE, text=True, timeout=120,
                             env=_env(buffered))
    finally:
        os.close(write)
    assert run.returncode == code and "Traceback" not in run.stderr
    if code != ExitCode.OK:          # the error, its envelope unread, is said on stderr
        assert run.stderr.startswith("binance-doctor: error:")


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_stderr_that_cannot_be_written_does_not_stop_the_command(tmp_path, buffered):
    log = tmp_path / "bot.log"
    log.write_text('2026-01-01 ERROR {"code":-1021,"msg":"x"}\n')
    with _full() as full:
        run = subprocess.run([sys.executable, "-m", "binance_doctor", "scan", "--json",
                              str(log), str(tmp_path / "missing.log")],
                             stdout=subprocess.PIPE, stderr=full, text=True, timeout=120,
                             env=_env(buffered))
    assert run.returncode == ExitCode.SOME_INPUTS_UNREADABLE
    assert '"errors": 1' in run.stdout


def test_jsonl_that_cannot_be_written_is_no_unreadable_input(tmp_path):
    log = tmp_path / "bot.log"
    log.write_text("".join(f'2026-01-01 ERROR {{"code":-1021,"msg":"x {i}"}}\n'
                           for i in range(2000)))
    with _full() as full:
        run = subprocess.run([sys.executable, "-m", "binance_doctor", "scan", "--jsonl",
                              str(log), str(log)], stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=120)
    assert run.returncode == ExitCode.OUTPUT_FAILED
    assert run.stderr.count("binance-doctor: error:") == 1


def test_an_unbuffered_short_write_is_written_on_to_the_end():
    # Unbuffered, the text layer hands the file one write; a file that takes part of it
    # (a nearly full disk) would lose the rest unsaid.
    import io

    from binance_doctor.output.mask import MaskedStream

    class Short(io.RawIOBase):
        def __init__(self):
            self.got = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.got += bytes(data[:7])
            return min(len(data), 7)

    raw = Short()
    stream = MaskedStream(io.TextIOWrapper(raw, encoding="utf-8", write_through=True))
    stream.write("Δ" * 50 + " a line of some length\n")
    stream.flush()
    assert raw.got.decode() == "Δ" * 50 + " a line of some length\n"


def test_a_monitoring_tool_is_an_observer(monkeypatch):
    # Python 3.12's cProfile and coverage use sys.monitoring, not sys.setprofile.
    import importlib

    cli_main = importlib.import_module("binance_doctor.cli.main")

    class Monitoring:
        @staticmethod
        def get_tool(tool_id):
            return "cProfile" if tool_id == 2 else None

    assert not cli_main._observed()
    monkeypatch.setattr(sys, "monitoring", Monitoring, raising=False)
    assert cli_main._observed()


@pytest.mark.parametrize("args", [[], ["config"]])
def test_a_bare_group_prints_its_help_and_no_empty_error(args):
    from support import run_cli

    run = run_cli(*args)
    assert run.code == ExitCode.USAGE and "Usage" in run.stdout + run.stderr
    assert "error:" not in run.stderr


def test_a_long_run_of_word_characters_is_read_in_linear_time(tmp_path):
    # A class name before "(" was found with an unbounded \\w+, retried from every place
    # of a run of word characters: a 1.5 MB line took minutes. The timeout is a guard
    # against that hang (the line is read in well under a second), not a speed test.
    log = tmp_path / "long.log"
    log.write_text("2026-01-01 ERROR " + "7" * 200_000 + "APIError(code=-2010): x\n"
                   + '{"code":-1021,"msg":"Timestamp for this request is outside of the '
                   'recvWindow."}\n')
    run = subprocess.run([sys.executable, "-m", "binance_doctor", "scan", "--json", str(log)],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and '"code": -1021' in run.stdout


@pytest.mark.parametrize("engine", ["pure", "hyperscan"])
def test_a_line_of_many_chunks_full_of_anchors_is_read_in_linear_time(tmp_path, engine):
    # A line longer than four chunks is read in pieces without a newline; each hit in
    # one looked back to the piece's start again (quadratic): a 10 MB line of "error
    # error ..." took minutes. The timeout is a guard against that hang (the file is read
    # in about a second), not a speed test.
    if engine == "hyperscan":
        pytest.importorskip("hyperscan")
    log = tmp_path / "words.log"
    log.write_text("2026-01-01T00:00:00Z " + "error " * 1_700_000 + "\n"
                   + '{"code":-1021,"msg":"Timestamp for this request is outside of the '
                   'recvWindow."}\n')
    run = subprocess.run([sys.executable, "-m", "binance_doctor", "scan", "--json", str(log)],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "BINANCE_DOCTOR_SCAN_ENGINE": engine})
    assert run.returncode == 0 and '"code": -1021' in run.stdout
