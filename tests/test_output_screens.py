"""Golden text for the main screens, the shipped completions, and the real console script.

Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change,
then read the diff before committing it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from binance_doctor.errors import catalog
from binance_doctor.cli import completion
from binance_doctor.errors import diagnosis
from binance_doctor.output import render
from binance_doctor.errors import view as report
from binance_doctor.cli import app
from binance_doctor.failure import ExitCode
from support import TESTS, check_golden, run_cli

ROOT = TESTS.parent
NOW = 1_700_000_000 - 300     # five minutes before the sample ban ends


SCREENS = {
    "explain_2010.txt": ["explain", "-2010"],
    "explain_2026.txt": ["explain", "-2026"],
    "explain_lot_size.txt": ["explain", "Filter failure: LOT_SIZE"],
    "explain_503.txt": ["explain", "503"],
    "codes_spot_timestamp.txt": ["codes", "--product", "spot", "--search", "timestamp"],
}


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_plain_screens(name):
    run = run_cli(*SCREENS[name])
    assert run.code == 0
    check_golden(name, run.stdout)


def test_ban_screen_with_values(monkeypatch):
    monkeypatch.setattr("time.time", lambda: NOW)
    body = ('{"code":-1003,"msg":"Way too much request weight used; IP banned until '
            '1700000000000. Please use WebSocket Streams for live updates to avoid bans."}')
    check_golden("explain_ban.txt", run_cli("explain", input=body).stdout)


def test_rich_screen():
    from rich.console import Console

    result = diagnosis.explain_text(catalog.load(), '{"code":-2010,"msg":"Order would '
                                    'immediately match and take."}', now=NOW)
    console = Console(width=100, file=io.StringIO(), color_system=None)
    render.write_rich(report.diagnosis_blocks(result), console)
    check_golden("rich_explain_2010_take.txt", console.file.getvalue())


def test_no_color_terminal_output_has_no_colour(monkeypatch):
    """On a terminal rich draws panels; NO_COLOR keeps them but drops the colour codes."""
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    render.write(report.codes_blocks(catalog.load().by_code(-1021)[:1]), out)
    text = out.getvalue()
    assert "-1021" in text and "┃" in text or "│" in text
    assert not re.search(r"\x1b\[[0-9;]*3\dm", text)   # no foreground colours


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_shipped_completions_are_current(shell):
    import typer

    fresh = completion.script(shell, completion.commands(typer.main.get_command(app)))
    shipped = (ROOT / "completions" / f"binance-doctor.{shell}").read_text(encoding="utf-8")
    assert fresh == shipped, (f"completions/binance-doctor.{shell} is stale: run "
                              f"binance-doctor completion {shell} > completions/binance-doctor.{shell}")
    for word in ("explain", "codes", "product", "spot usdm coinm options papi sapi"):
        assert word in shipped


def test_completion_lists_every_command():
    import typer

    cmds = completion.commands(typer.main.get_command(app))
    root = next(c for c in cmds if c.path == ())
    assert set(root.children) == {c.name for c in typer.main.get_command(app).commands.values()}
    run = run_cli("completion", "bash")
    assert run.code == 0 and "complete -o default -F _binance_doctor binance-doctor" in run.stdout
    assert run_cli("completion", "tcsh").code == ExitCode.USAGE


def test_readme_lists_every_exit_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \| `{code.name}` \|", readme, re.M), code


def test_installed_console_script_runs():
    """One real process: the console script that `pip install .` put next to python."""
    script = Path(sys.executable).parent / "binance-doctor"
    assert script.exists(), "install the package first: pip install '.[test]'"
    proc = subprocess.run([str(script), "explain", "-2010"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "-2010 NEW_ORDER_REJECTED" in proc.stdout and "\x1b[" not in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "binance_doctor", "explain", "-9"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == ExitCode.NOT_FOUND
    assert proc.stderr.startswith("binance-doctor: error:") and "Traceback" not in proc.stderr
