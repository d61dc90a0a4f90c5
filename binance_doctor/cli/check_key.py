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
    SecretOption,
    _product,
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


def _check_key_products(values: Optional[List[str]]) -> tuple[str, ...]:
    from binance_doctor.product import Product

    wanted = {Product.SPOT: "spot", Product.SAPI: "spot", Product.USDM: "usdm",
              Product.COINM: "coinm"}
    out: list[str] = []
    for word in (w for v in values or [] for w in v.split(",") if w.strip()):
        product = _product(word)
        if product not in wanted:
            raise typer.BadParameter(f"check-key checks spot, usdm and coinm, not "
                                     f"{product.value}", param_hint="--product")
        out.append(wanted[product])
    return tuple(out)


@app.command("check-key", epilog=EPILOG_CHECK_KEY)
def check_key(
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    testnet: bool = typer.Option(False, "--testnet",
                                 help="Check the key on the testnet instead of mainnet."),
    product: Optional[List[str]] = typer.Option(
        None, "--product", "-p", metavar="PRODUCT",
        help="spot, usdm or coinm (repeat or comma-separate; default: all three)."),
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
        _check_key_products(product), timeout)
    key, key_checks = keyoffline.inspect_api_key(raw_key)
    creds = keyoffline.read_credentials(api_key=key, secret=secret, secret_file=secret_file,
                                        private_key=private_key)
    creds, secret_checks = keyoffline.inspect_credentials(creds, key)
    offline = (*key_checks, *secret_checks, *keyoffline.inspect_urls(settings))
    sendable = key.isascii() and key.isprintable() and bool(key)
    with _spinner() as progress, transport.make_client(timeout) as client:
        report = keycheck.check(creds, key, settings, client, offline=offline,
                                progress=progress, online=sendable)
    if as_json:
        render.write_json("check-key", keyview.to_json(report),
                          ok=report.exit_code is ExitCode.OK)
    else:
        render.write(keyview.blocks(report))
    raise typer.Exit(int(report.exit_code))
