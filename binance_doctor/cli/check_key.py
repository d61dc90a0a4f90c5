"""`check-key`: why Binance rejects an API key."""

from __future__ import annotations

from typing import List, Optional

import typer

from binance_doctor.cli.root import (
    ApiKeyOption,
    JsonOption,
    PrivateKeyOption,
    ProfileOption,
    RestProductsOption,
    SecretFileOption,
    SecretOption,
    _load_profile,
    _rest_products,
    _spinner,
    app,
)
from binance_doctor.failure import DoctorError, ExitCode
from binance_doctor.product import Product, host

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
    base_url: Optional[str] = typer.Option(
        None, "--base-url", metavar="URL",
        help=f"Mainnet spot and /sapi host (default {host(Product.SPOT)})."),
    futures_base_url: Optional[str] = typer.Option(
        None, "--futures-base-url", metavar="URL",
        help=f"Mainnet USDⓈ-M futures host (default {host(Product.USDM)})."),
    delivery_base_url: Optional[str] = typer.Option(
        None, "--delivery-base-url", metavar="URL",
        help=f"Mainnet COIN-M futures host (default {host(Product.COINM)})."),
    testnet_base_url: Optional[str] = typer.Option(
        None, "--testnet-base-url", metavar="URL",
        help=f"Spot testnet host (default {host(Product.SPOT, testnet=True)})."),
    testnet_futures_base_url: Optional[str] = typer.Option(
        None, "--testnet-futures-base-url", metavar="URL",
        help=f"USDⓈ-M futures testnet host (default {host(Product.USDM, testnet=True)})."),
    testnet_delivery_base_url: Optional[str] = typer.Option(
        None, "--testnet-delivery-base-url", metavar="URL",
        help=f"COIN-M futures testnet host (default {host(Product.COINM, testnet=True)})."),
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS",
                                            help="Time allowed for the whole check "
                                                 "(default 15)."),
    profile: Optional[str] = ProfileOption,
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

    prof = _load_profile(profile)
    given = prof.credentials(api_key=api_key, secret_file=secret_file,
                             private_key=private_key)
    raw_key = given.api_key
    if not raw_key or not raw_key.strip():
        raise DoctorError("no API key given", hint=f"set {credential.ENV_API_KEY} or pass "
                          "--api-key KEY", exit_code=ExitCode.USAGE)
    # A profile's URLs are the network it names: the testnet's when it says testnet.
    testnet = testnet or bool(prof.pick("testnet", None, False))
    mine = "testnet" if testnet else "mainnet"
    urls = {"mainnet": (base_url, futures_base_url, delivery_base_url),
            "testnet": (testnet_base_url, testnet_futures_base_url, testnet_delivery_base_url)}
    networks = {}
    for name, default in (("mainnet", keyprobe.MAINNET), ("testnet", keyprobe.TESTNET)):
        flags = urls[name]
        if name == mine:
            flags = tuple(prof.base_url(p, f) for p, f in zip(("spot", "usdm", "coinm"),
                                                               flags))
        networks[name] = keyprobe.Network(name, *(f or d for f, d in zip(
            flags, (default.spot, default.futures, default.delivery))))
    settings = keyprobe.settings_for(testnet, networks["mainnet"], networks["testnet"],
                                     _rest_products(product, "check-key"),
                                     prof.pick("timeout", timeout, 15.0))
    timeout = settings.timeout
    n = settings.network
    ready = keyoffline.prepare(raw_key, secret=secret, secret_file=given.secret_file,
                               private_key=given.private_key,
                               urls=(n.spot, n.futures, n.delivery),
                               secret_from=given.secret_from)
    with _spinner() as progress, transport.make_client(timeout) as client:
        report = keycheck.check(ready.creds, ready.api_key, settings, client,
                                offline=ready.offline, progress=progress,
                                online=ready.sendable)
    render.show("check-key", as_json, report, keyview.to_json, keyview.blocks,
                ok=report.exit_code is ExitCode.OK)
    raise typer.Exit(int(report.exit_code))
