"""Helpers the tests import: run the CLI in-process, and the official reference data."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from binance_doctor.cli import main

TESTS = Path(__file__).parent
# A copy of shared/reference/official_codes.json: the facts the catalog must match.
REFERENCE = TESTS / "reference" / "official_codes.json"
PRODUCT_KEYS = {"spot": "spot", "usdm_futures": "usdm", "coinm_futures": "coinm",
                "portfolio_margin": "papi", "options": "options",
                "margin_wallet_sapi": "sapi"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args: str, input: str | bytes | None = None,
            env: dict[str, str] | None = None) -> Run:
    """Run `binance-doctor ARGS` in-process through main(), as the console script does."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Run(code, out.getvalue().decode(), err.getvalue().decode())
