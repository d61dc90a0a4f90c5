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


HELP_PAGES = [[name] for name in COMMANDS] + [["signature", "sign"], ["signature", "verify"],
                                              ["config", "show"]]


def test_help_never_clips_a_word_on_an_80_column_screen():
    # Hosts and variable names in help are meant to be copied: folded, never cut with "…".
    for page in HELP_PAGES:
        run = run_cli(*page, "--help", env={"COLUMNS": "80"})
        assert run.code == 0, page
        assert "…" not in run.stdout, page
        assert max(map(len, run.stdout.splitlines())) <= 80, page


def test_check_key_help_names_every_default_host_from_the_host_table():
    from binance_doctor.product import MAINNET_HOSTS, TESTNET_HOSTS, Product

    run = run_cli("check-key", "--help", env={"COLUMNS": "200"})
    for table in (MAINNET_HOSTS, TESTNET_HOSTS):
        for product in (Product.SPOT, Product.USDM, Product.COINM):
            assert f"(default {table[product]})" in run.stdout, product


def test_bare_group_prints_help_unclipped():
    from binance_doctor.cli.main import wants_help

    assert wants_help(["signature"]) and wants_help([]) and wants_help(["scan", "-h"])
    assert not wants_help(["explain", "-2010"]) and not wants_help(["signature", "sign", "x"])
    assert not wants_help(["explain", "--", "--help"])
