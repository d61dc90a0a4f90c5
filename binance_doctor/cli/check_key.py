"""`check-key`: why Binance rejects an API key."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from binance_doctor.cli.root import (
    ApiKeyOption,
    JsonOption,
    PrivateKeyOption,
    SecretFileOption,
    RestProductsOption,
    SecretOption,
    _rest_products,
    _spinner,
    app,
)
from binance_doctor.failure import DoctorError, ExitCode

EPILOG_CHECK_KEY = """Examples:

  BINANCE_API_KEY=... BINANCE_API_SECRET=... binance-doctor check-key

  binance-doctor check-key --secret-file ~/.binance/secret --product usdm

  binance-doctor check-key --private-key ed25519.pem --testnet

  binance-doctor check-key --json

Only read-only GET requests are sent; nothing is retried. Exit 0: no problem,
21: a key problem was found, 13/15/16: HTTP 451/418/429 stopped the check.
"""


@app.command("check-key", epilog=EPILOG_CHECK_KEY)
def check_key(
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    testnet: bool = typer.Option(False, "--testnet",
                                 help="Check the key on the testnet instead of mainnet."),
    product: Optional[List[str]] = RestProductsOption,
    base_url: str = typer.Option("https://api.binance.com", "--base-url", metavar="URL",
                                 help="Mainnet spot and /sapi host."),
    futures_base_url: str = typer.Option("https://fapi.binance.com", "--futures-base-url",
                                         metavar="URL", help="Mainnet USDⓈ-M futures host."),
    delivery_base_url: str = typer.Option("https://dapi.binance.com", "--delivery-base-url",
                                          metavar="URL", help="Mainnet COIN-M futures host."),
    testnet_base_url: str = typer.Option("https://testnet.binance.vision", "--testnet-base-url",
                                         metavar="URL", help="Spot testnet host."),
    testnet_futures_base_url: str = typer.Option(
        "https://testnet.binancefuture.com", "--testnet-futures-base-url", metavar="URL",
        help="USDⓈ-M futures testnet host."),
    testnet_delivery_base_url: str = typer.Option(
        "https://testnet.binancefuture.com", "--testnet-delivery-base-url", metavar="URL",
        help="COIN-M futures testnet host."),
    timeout: float = typer.Option(15.0, "--timeout", metavar="SECONDS",
                                  help="Time allowed for the whole check."),
    as_json: bool = JsonOption,
) -> None:
    """Find out why Binance rejects an API key (-2015, -2014, -2008, -1022) and name the fix."""
    from binance_doctor import credential
    from binance_doctor.key import check as keycheck
    from binance_doctor.key import offline as keyoffline
    from binance_doctor.key import probe as keyprobe
    from binance_doctor.key import view as keyview
    from binance_doctor.net import transport
    from binance_doctor.output import render

    raw_key = api_key if api_key is not None else os.environ.get(credential.ENV_API_KEY)
    if not raw_key or not raw_key.strip():
        raise DoctorError("no API key given", hint=f"set {credential.ENV_API_KEY} or pass "
                          "--api-key KEY", exit_code=ExitCode.USAGE)
    settings = keyprobe.settings_for(
        testnet,
        keyprobe.Network("mainnet", base_url, futures_base_url, delivery_base_url),
        keyprobe.Network("testnet", testnet_base_url, testnet_futures_base_url,
                         testnet_delivery_base_url),
        _rest_products(product, "check-key"), timeout)
    n = settings.network
    ready = keyoffline.prepare(raw_key, secret=secret, secret_file=secret_file,
                               private_key=private_key, urls=(n.spot, n.futures, n.delivery))
    with _spinner() as progress, transport.make_client(timeout) as client:
        report = keycheck.check(ready.creds, ready.api_key, settings, client,
                                offline=ready.offline, progress=progress,
                                online=ready.sendable)
    if as_json:
        render.write_json("check-key", keyview.to_json(report),
                          ok=report.exit_code is ExitCode.OK)
    else:
        render.write(keyview.blocks(report))
    raise typer.Exit(int(report.exit_code))
