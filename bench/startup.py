"""Cold start-up of `binance-doctor explain -2010` against a bare typer hello-world.

Each run is a fresh process. Prints the median wall time of each, and the ratio
(target: explain adds at most 20% over the baseline). Piped output is what scripts
and logs see (plain text, rich not imported); the terminal figure runs the command
on a pseudo-terminal, where rich draws panels.

    python bench/startup.py [--runs 21] [--instructions]

--instructions also counts the instructions each runs (valgrind's callgrind, one
run each, piped): deterministic where wall time on a shared machine is not.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The baseline: the smallest typer app that, like `explain -2010`, parses one argument.
HELLO = """import typer
app = typer.Typer()
@app.command()
def main(code: int):
    print(f"hello {code}")
app()
"""


# Both sides run from compiled bytecode, as installed: typer's was compiled at install
# time, ours by the warm-up run, which PYTHONDONTWRITEBYTECODE would forbid (and then
# every run of ours would compile its modules again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], tty: bool = False) -> float:
    start = time.perf_counter()
    if tty:
        pid, fd = pty.fork()
        if pid == 0:
            # A pager would wait for a key press; `cat` means "no pager".
            os.execve(cmd[0], cmd, {**ENV, "BINANCE_DOCTOR_PAGER": "cat"})
        while True:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        os.waitpid(pid, 0)
    else:
        subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, env=ENV)
    return time.perf_counter() - start


def medians_ms(cmds: list[list[str]], runs: int, tty: bool = False) -> list[float]:
    """Median wall time of each command, runs interleaved so load on the machine
    falls on every command alike."""
    for cmd in cmds:
        timed(cmd, tty)                  # warm the OS file cache, not the interpreter
    samples: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            samples[i].append(timed(cmd, tty))
    return [statistics.median(s) * 1000 for s in samples]


def instructions(cmd: list[str], env: dict | None = None, stdin=None) -> int:
    """Instructions the command runs, by callgrind (which writes its total on stderr)."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=stdin,
                         text=True, check=True, env=env or ENV)
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with valgrind (callgrind)")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind on PATH")
    script = Path(sys.executable).parent / "binance-doctor"
    if not script.exists():
        sys.exit("install binance-doctor into this interpreter first: pip install .")
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        base = [sys.executable, str(hello), "--", "-2010"]
        doctor = [str(script), "explain", "-2010"]
        piped = medians_ms([base, doctor], args.runs)
        terminal = medians_ms([base, doctor], args.runs, tty=True)
        counts = [instructions(base), instructions(doctor)] if args.instructions else None
        rows = [("typer hello-world (piped)", piped[0]),
                ("explain -2010 (piped)", piped[1]),
                ("typer hello-world (terminal)", terminal[0]),
                ("explain -2010 (terminal)", terminal[1])]
    for name, ms in rows:
        print(f"{name:32s} {ms:8.1f} ms (median of {args.runs})")
    print(f"ratio piped    {rows[1][1] / rows[0][1]:.3f}  (target <= 1.20)")
    print(f"ratio terminal {rows[3][1] / rows[2][1]:.3f}")
    if counts:
        print(f"instructions   {counts[0] / 1e6:.1f} M hello-world, {counts[1] / 1e6:.1f} M "
              f"explain -2010 (piped): ratio {counts[1] / counts[0]:.3f}")


if __name__ == "__main__":
    main()
