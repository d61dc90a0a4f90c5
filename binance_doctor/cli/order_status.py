"""`order-status`: was my order placed? Asked read-only after an unknown execution status."""

from __future__ import annotations

from typing import Optional

import typer

from binance_doctor.cli.root import (
    ApiKeyOption,
    JsonOption,
    PrivateKeyOption,
    ProfileOption,
    SecretFileOption,
    SecretOption,
    _credentials,
    _load_profile,
    _product,
    _spinner,
    app,
)

EPILOG_ORDER_STATUS = """Examples:

  binance-doctor order-status BTCUSDT --client-order-id bot-7f3a2c

  binance-doctor order-status BTCUSDT --order-id 28457 --json

  binance-doctor order-status BTCUSDT --client-order-id bot-7f3a2c --product usdm

  binance-doctor order-status BTCUSD_PERP --client-order-id x1 --product coinm --testnet

  binance-doctor order-status BTCUSDT -c bot-7f3a2c --profile main

After a 5xx, -1006, -1007 or a timeout the order may or may not exist: ask this before
sending it again. Only read-only GET requests are sent (the order, the symbol's open
orders, the order's trades); nothing is retried. Exit 0: the order exists (filled,
open, cancelled, ...); 29 (ORDER_NOT_FOUND): not placed, safe to resend with the SAME
client order id; 28 (ORDER_STATUS_UNKNOWN): Binance could not be asked, try again in
the number of seconds shown.
"""


@app.command("order-status", epilog=EPILOG_ORDER_STATUS)
def order_status(
    symbol: str = typer.Argument(..., metavar="SYMBOL", help="The order's symbol, e.g. BTCUSDT."),
    client_order_id: Optional[str] = typer.Option(
        None, "--client-order-id", "-c", metavar="ID",
        help="The newClientOrderId the order was sent with."),
    order_id: Optional[int] = typer.Option(None, "--order-id", metavar="N",
                                           help="Binance's orderId, if an answer gave it."),
    product: str = typer.Option("spot", "--product", "-p", metavar="PRODUCT",
                                help="spot, usdm or coinm."),
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    testnet: bool = typer.Option(False, "--testnet", help="Ask the product's testnet."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", metavar="URL",
        help="Any Binance-compatible endpoint. Default: the profile's host for the "
             "product, else the product's production host."),
    timeout: Optional[float] = typer.Option(None, "--timeout", "-t", min=0.1, max=300,
                                            metavar="SECONDS",
                                            help="Time allowed for each request (default 10)."),
    profile: Optional[str] = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Was my order placed? Filled / open / cancelled / not found / still unknown."""
    from binance_doctor import credential
    from binance_doctor import product as products
    from binance_doctor.failure import BadInput, DoctorError, ExitCode
    from binance_doctor.net import transport
    from binance_doctor.order import status as core
    from binance_doctor.order import status_view as view
    from binance_doctor.output import render

    chosen = _product(product)
    if chosen not in core.ENDPOINTS:
        raise typer.BadParameter("order-status covers spot, usdm and coinm",
                                 param_hint="--product")
    if (client_order_id is None) == (order_id is None):
        raise BadInput("give exactly one of --client-order-id ID or --order-id N",
                       hint="the client order id is the newClientOrderId your bot sent")
    prof = _load_profile(profile)
    creds = _credentials(prof, api_key, secret_file, secret, private_key)
    if not creds.api_key:
        raise DoctorError("no API key given", hint=f"set {credential.ENV_API_KEY} or pass "
                          "--api-key KEY", exit_code=ExitCode.USAGE)
    # A profile's URLs are the network it names: the testnet's when it says testnet.
    testnet = testnet or bool(prof.pick("testnet", None, False))
    url = transport.check_base_url(prof.base_url(chosen.value, base_url,
                                                 products.host(chosen, testnet)))
    timeout = prof.pick("timeout", timeout, 10.0)
    with _spinner() as _, transport.make_client(timeout) as client:
        verdict = core.check(client, creds, url, chosen, symbol,
                             client_order_id=client_order_id, order_id=order_id)
    render.show("order-status", as_json, verdict, view.to_json, view.blocks,
                ok=verdict.exit_code == 0)
    raise typer.Exit(int(verdict.exit_code))
