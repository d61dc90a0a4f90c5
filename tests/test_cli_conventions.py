"""CLI conventions users of gh and httpie expect: -q/--quiet, --color WHEN, a pager.

In-process through main() (run_cli) for quiet and colour; the pager needs a
terminal, so it runs the installed console script on a pseudo-terminal with a
PAGER that records what it was given.
"""

from __future__ import annotations

import os
import pty
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from binance_doctor.cli.main import GLOBAL_FLAGS, own_flags, split_globals
from binance_doctor.cli.root import COMMANDS
from binance_doctor.failure import ExitCode
from support import run_cli

ESC = "\x1b["


# -- -q/--quiet -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("-q", "explain", "-2010"), ("explain", "-2010", "-q"),
                                  ("explain", "--quiet", "-2010")])
def test_quiet_prints_nothing_and_keeps_the_exit_code(args):
    run = run_cli(*args)
    assert run.code == ExitCode.OK and run.stdout == "" and run.stderr == ""


def test_quiet_keeps_errors_on_stderr():
    run = run_cli("explain", "99999", "-q")
    assert run.code == ExitCode.NOT_FOUND and run.stdout == ""
    assert "binance-doctor: error:" in run.stderr


def test_quiet_doctor_answers_with_its_exit_code_only(binance, ntp):
    from fake import scenario

    scenario.geo_blocked_451().apply(binance)
    run = run_cli("doctor", "-q", "--base-url", binance.url, "--futures-base-url", binance.url,
                  "--delivery-base-url", binance.url, "--ntp-server", ntp.address,
                  env={"BINANCE_API_KEY": None, "BINANCE_DOCTOR_PROFILE": None})
    assert run.code == ExitCode.RESTRICTED and run.stdout == ""


def test_a_commands_own_short_option_wins():
    """signature's -q is --query and check-order's is --quantity: left to them."""
    args, found = split_globals(["signature", "sign", "-q", "a=1"])
    assert args == ["signature", "sign", "-q", "a=1"] and found == {}
    args, found = split_globals(["explain", "-2010", "-q", "--color=never"])
    assert args == ["explain", "-2010"] and found == {"quiet": True, "color": "never"}
    args, found = split_globals(["explain", "--", "-q"])
    assert args == ["explain", "--", "-q"] and found == {}


def test_every_command_keeps_the_global_names_it_declares():
    """Walk every command and subcommand: whatever of -q/--quiet/--color/--no-pager a
    command declares itself is never taken from it."""
    from binance_doctor.cli.root import load_commands

    app = load_commands()
    paths = [[c.name or c.callback.__name__.replace("_", "-")] for c in app.registered_commands]
    for group in app.registered_groups:
        paths += [[group.name, c.name or c.callback.__name__]
                  for c in group.typer_instance.registered_commands]
    assert {p[0] for p in paths} == set(COMMANDS)
    clashes = 0
    for path in paths:
        own = own_flags(path) & set(GLOBAL_FLAGS)
        for flag in own:
            clashes += 1
            assert split_globals([*path, flag, "x"])[0] == [*path, flag, "x"]
    assert clashes >= 2            # signature sign/verify -q, check-order -q


# -- --color -------------------------------------------------------------------------------

@pytest.mark.parametrize("args,env,coloured", [
    ((), {}, False),                                   # piped: plain
    (("--color", "always"), {}, True),
    (("--color=always",), {"NO_COLOR": "1"}, True),    # the flag beats the environment
    ((), {"FORCE_COLOR": "1"}, True),
    (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    ((), {"FORCE_COLOR": "0"}, False),
])
def test_color(args, env, coloured):
    run = run_cli("explain", "-2010", *args, env={"FORCE_COLOR": None, "NO_COLOR": None, **env})
    assert run.code == ExitCode.OK
    assert (ESC in run.stdout) is coloured
    assert "NEW_ORDER_REJECTED" in run.stdout


def test_json_is_never_coloured_and_a_bad_color_is_usage():
    run = run_cli("explain", "-2010", "--json", "--color", "always")
    assert ESC not in run.stdout and run.json()["ok"] is True
    bad = run_cli("explain", "-2010", "--color", "rainbow")
    assert bad.code == ExitCode.USAGE and "'rainbow' is not one of auto, always, never" \
        in bad.stderr


def test_the_next_run_starts_from_the_defaults():
    assert ESC in run_cli("explain", "-2010", "--color", "always").stdout
    assert ESC not in run_cli("explain", "-2010").stdout


# -- the pager ---------------------------------------------------------------------------

def _on_terminal(args: list[str], env: dict[str, str], rows: int = 20) -> str:
    """Run the console script on a pseudo-terminal of `rows` rows; return what it drew."""
    import fcntl
    import termios

    script = str(Path(sys.executable).parent / "binance-doctor")
    pid, fd = pty.fork()
    if pid == 0:                                    # the child: a terminal of `rows` rows
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 100, 0, 0))
        os.execve(script, [script, *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace")


@pytest.fixture
def recording_pager(tmp_path):
    """A PAGER that writes what it reads to a file (and nothing to the terminal)."""
    record = tmp_path / "paged.txt"
    pager = tmp_path / "pager.py"
    pager.write_text(f"import sys\nopen({str(record)!r}, 'w').write(sys.stdin.read())\n")
    env = {**os.environ, "TERM": "xterm", "PAGER": f"{sys.executable} {pager}",
           "BINANCE_DOCTOR_PAGER": f"{sys.executable} {pager}"}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    return record, env


def test_long_output_on_a_terminal_goes_through_the_pager(recording_pager):
    record, env = recording_pager
    drawn = _on_terminal(["codes"], env)
    paged = record.read_text(encoding="utf-8")
    assert "NEW_ORDER_REJECTED" in paged and paged.count("\n") > 900
    assert "NEW_ORDER_REJECTED" not in drawn           # the pager had it, not the terminal


def test_short_output_and_no_pager_are_not_paged(recording_pager):
    record, env = recording_pager
    assert "NEW_ORDER_REJECTED" in _on_terminal(["explain", "-2010"], env, rows=200)
    assert not record.exists()
    drawn = _on_terminal(["codes", "--no-pager"], env)
    assert "NEW_ORDER_REJECTED" in drawn and not record.exists()


def test_piped_output_is_never_paged(recording_pager):
    record, env = recording_pager
    proc = subprocess.run([str(Path(sys.executable).parent / "binance-doctor"), "codes"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert "NEW_ORDER_REJECTED" in proc.stdout and not record.exists()
