"""Helpers the tests import: run the CLI in-process, and the official reference data."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from binance_doctor.cli import main

TESTS = Path(__file__).parent
# A copy of shared/reference/official_codes.json: the facts the catalog must match.
REFERENCE = TESTS / "reference" / "official_codes.json"
GOLDEN = TESTS / "golden"   # UPDATE_GOLDEN=1 rewrites these after an intended change
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


def scan_rows(tmp_path: Path, text: str) -> list[dict]:
    """scan --jsonl's rows for a log whose one line is `text`."""
    log = tmp_path / "paste.log"
    log.write_text(text + "\n", encoding="utf-8")
    return [json.loads(line) for line in run_cli("scan", "--jsonl", str(log)).stdout.splitlines()]


def pasted_found(text: str) -> list[dict]:
    """What explain found in `text` piped on stdin (`found` of each error), or [] on failure."""
    run = run_cli("explain", "--json", input=text)
    return [e["found"] for e in run.json()["result"]["errors"]] if run.code == 0 else []


SIGNATURE_VECTORS = TESTS / "reference" / "signature_vectors.json"


def findings(result: dict) -> list[dict]:
    """explain --json's findings, whether it read a paste (`errors`) or a bare query."""
    if "errors" in result:
        return result["errors"][0]["diagnosis"]["findings"]
    return result["findings"]


def signature_vectors() -> list[dict]:
    """Binance's published HMAC examples (public example keys, not credentials)."""
    return json.loads(SIGNATURE_VECTORS.read_text(encoding="utf-8"))["vectors"]


_KEYS: dict[str, object] = {}


def private_pem(kind: str, passphrase: str | None = None) -> bytes:
    """One generated RSA or Ed25519 private key per run, as PKCS#8 PEM, maybe encrypted."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if kind not in _KEYS:
        _KEYS[kind] = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                       if kind == "rsa" else ed25519.Ed25519PrivateKey.generate())
    encryption = (serialization.BestAvailableEncryption(passphrase.encode())
                  if passphrase else serialization.NoEncryption())
    return _KEYS[kind].private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8, encryption)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see UPDATE_GOLDEN"
