"""How the console script ends: threads waited for, exit handlers run, every byte
flushed, the exit code kept, and the interpreter not torn down (cli.main._leave)."""

from __future__ import annotations

import subprocess
import sys

from binance_doctor.failure import ExitCode

# The console script's own way in (main() with no arguments reads sys.argv), with a
# thread still at work when the command is done, an exit handler, and an object whose
# finaliser only a teardown of the interpreter would run.
SCRIPT = """
import atexit, sys, threading, time
class Torn:
    def __del__(self):
        sys.stderr.write("TORN DOWN\\n")
kept = Torn()
atexit.register(lambda: sys.stderr.write("HANDLER RAN\\n"))
def late():
    time.sleep(0.3)
    sys.stderr.write("THREAD DONE\\n")
threading.Thread(target=late).start()
from binance_doctor.cli import main
main()
"""


def _console(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True,
                          text=True, timeout=120, **kw)


def test_threads_and_exit_handlers_run_and_no_teardown():
    run = _console("explain", "-2010")
    assert run.returncode == 0
    assert "-2010" in run.stdout and "NEW_ORDER_REJECTED" in run.stdout
    lines = run.stderr.splitlines()
    assert lines.index("THREAD DONE") < lines.index("HANDLER RAN")   # the interpreter's order
    assert "TORN DOWN" not in lines


def test_the_exit_code_of_a_failure_is_kept():
    run = _console("explain", "-987654")
    assert run.returncode == ExitCode.NOT_FOUND
    assert "HANDLER RAN" in run.stderr


def test_a_long_output_through_a_pipe_arrives_whole(tmp_path):
    log = tmp_path / "bot.log"
    log.write_text("".join(f'2026-01-01 ERROR {{"code":-1021,"msg":"Timestamp for this request '
                           f'is outside of the recvWindow. {i}"}}\n' for i in range(3000)))
    run = _console("scan", "--jsonl", str(log))
    assert run.returncode == 0
    assert len(run.stdout.splitlines()) == 3000 and run.stdout.endswith("}\n")
