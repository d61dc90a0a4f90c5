"""The command table: only the invoked command is registered, and all of them for help."""

from __future__ import annotations

import subprocess
import sys

from binance_doctor.cli.root import COMMANDS
from support import run_cli


def _loaded_after(args: list[str]) -> set[str]:
    code = ("import sys, io, contextlib\n"
            "from binance_doctor.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main({args!r})\n"
            "print(' '.join(m for m in sys.modules if m.startswith('binance_doctor.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return {m.rsplit(".", 1)[1] for m in out.stdout.split()}


def test_explain_imports_no_other_command():
    loaded = _loaded_after(["explain", "-2010"])
    assert loaded & set(COMMANDS.values()) == {"explain"}


def test_help_lists_every_command():
    run = run_cli("--help")
    assert run.code == 0
    listing = run.stdout[run.stdout.index("Commands"):]
    assert all(f" {name} " in listing for name in COMMANDS)


def test_every_command_module_registers_its_command():
    for name in COMMANDS:
        run = run_cli(name, "--help")
        assert run.code == 0, name
        assert "Usage: binance-doctor " + name in " ".join(run.stdout.split()), name
