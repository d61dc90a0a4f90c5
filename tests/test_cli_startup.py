"""What `explain -2010` leaves out of its start-up stays out (bench/startup.py has the timing).

Each of these was once imported or built on that path and cost start-up time; a
change that brings one back fails here, by name, instead of slowly in a benchmark.
"""

from __future__ import annotations

import ast
import subprocess
import sys

# Modules a bare code, piped, does not need: the terminal's renderer, the network,
# the paste reader and its product ranking, scan, the JSON codec, dataclasses (record.py
# makes the @frozen classes dataclasses only when a tool asks).
NOT_IMPORTED = ("rich", "httpx", "json", "binance_doctor.errors.recall",
                "binance_doctor.errors.extract", "binance_doctor.errors.origin",
                "binance_doctor.errors.scan", "binance_doctor.api", "dataclasses")


def _run_piped(*args: str, expect: str = "NEW_ORDER_REJECTED") -> dict:
    """Run main() in a fresh interpreter with stdout a pipe, after a first run has
    written the catalog's cached copy; report what the second run loaded."""
    code = ("import sys\n"
            "before = set(sys.modules)\n"
            "import typer.main\n"
            "groups = []\n"
            "build_group = typer.main.get_group\n"
            "typer.main.get_group = lambda app: groups.append(app) or build_group(app)\n"
            "from binance_doctor.cli import main\n"
            f"rc = main({list(args)!r})\n"
            "from binance_doctor.cli import root\n"
            "from binance_doctor.errors import catalog\n"
            "from binance_doctor.pattern import Pattern\n"
            "ours = [m for n, m in list(sys.modules.items()) if n.startswith('binance_doctor')]\n"
            "report = {'rc': rc, 'modules': sorted(set(sys.modules) - before),\n"
            "          'unpacked': len(catalog.load()._built),\n"
            "          'groups': len(groups),\n"
            "          'options': sorted(n for n in root._SHARED_OPTIONS if n in vars(root)),\n"
            "          'compiled': [p.pattern for m in ours for p in vars(m).values()\n"
            "                       if isinstance(p, Pattern) and p._compiled]}\n"
            "sys.stderr.write(repr(report))\n")
    for _ in range(2):     # the first run of a fresh cache reads the JSON itself
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
    assert expect in out.stdout
    return ast.literal_eval(out.stderr)


def test_a_bare_code_piped_imports_none_of_the_heavy_modules():
    report = _run_piped("explain", "-2010")
    assert report["rc"] == 0
    loaded = set(report["modules"])
    for name in NOT_IMPORTED:
        assert not any(m == name or m.startswith(name + ".") for m in loaded), name


def test_a_bare_code_unpacks_only_its_own_catalog_records():
    report = _run_piped("explain", "-2010")
    # -2010 has one entry per product (six) and the explanations they share; the
    # catalog holds over a thousand.
    assert 0 < report["unpacked"] <= 12


def test_a_bare_code_compiles_none_of_the_lazy_regexes():
    # The masking rules (its output holds nothing secret-shaped) and the reading of
    # statuses and request IPs in messages.
    assert _run_piped("explain", "-2010")["compiled"] == []


def test_a_bare_code_builds_no_root_group_and_only_its_own_options():
    # typer's root group (the callback's options, a parse through it) and the options
    # other commands share were built on every run; main() runs the command alone.
    report = _run_piped("explain", "-2010")
    assert report["groups"] == 0
    assert report["options"] == ["JsonOption", "ProductOption"]


def test_help_and_options_before_the_command_still_go_through_the_root_group():
    assert _run_piped("explain", "-2010", "--help", expect="[CODE|MESSAGE|-]")["groups"] == 1
    assert _run_piped("--version", "explain", expect="binance-doctor 0.")["groups"] == 1
