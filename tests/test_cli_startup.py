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


def _run_piped(*args: str) -> dict:
    """Run main() in a fresh interpreter with stdout a pipe, after a first run has
    written the catalog's cached copy; report what the second run loaded."""
    code = ("import sys\n"
            "before = set(sys.modules)\n"
            "from binance_doctor.cli import main\n"
            f"rc = main({list(args)!r})\n"
            "from binance_doctor.errors import catalog\n"
            "from binance_doctor.pattern import Pattern\n"
            "ours = [m for n, m in list(sys.modules.items()) if n.startswith('binance_doctor')]\n"
            "report = {'rc': rc, 'modules': sorted(set(sys.modules) - before),\n"
            "          'unpacked': len(catalog.load()._built),\n"
            "          'compiled': [p.pattern for m in ours for p in vars(m).values()\n"
            "                       if isinstance(p, Pattern) and p._compiled]}\n"
            "sys.stderr.write(repr(report))\n")
    for _ in range(2):     # the first run of a fresh cache reads the JSON itself
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
    assert "NEW_ORDER_REJECTED" in out.stdout
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
