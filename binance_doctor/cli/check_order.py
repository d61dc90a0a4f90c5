"""`check-order`: check an order against every filter (and account rule) before sending it."""

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
    app,
    read_stdin,
)
from binance_doctor.failure import DoctorError, ExitCode

EPILOG_CHECK_ORDER = """Examples:

  binance-doctor check-order BTCUSDT BUY LIMIT --quantity 0.00012345 --price 30000.123

  binance-doctor check-order BTCUSDT BUY MARKET --quote-order-qty 5 --product spot

  binance-doctor check-order ETHUSDT SELL MARKET --quantity 0.001 --product usdm

  binance-doctor check-order BTCUSDT BUY LIMIT --quantity 0.1 --price 30000 \\
      --exchange-info btcusdt.json --price-ref 30100       (offline: nothing is sent)

  binance-doctor check-order 'https://api.binance.com/api/v3/order?symbol=...&side=...'

  pbpaste | binance-doctor check-order -        (a request, maybe with its error answer)

  BINANCE_API_KEY=... BINANCE_API_SECRET=... binance-doctor check-order BTCUSDT BUY LIMIT \\
      --quantity 0.01 --price 30000 --time-in-force GTC --product usdm --account

  binance-doctor check-order BTCUSDT BUY LIMIT --quantity 0.01 --price 30000 \\
      --time-in-force GTC --account --profile main     (host and key from config.toml)

Only read-only GET requests are sent (exchangeInfo, referencePrice/avgPrice,
premiumIndex; with --account, signed reads of the account). Exit 0: every rule passes; 26: a rule fails (Binance would
reject the order).
"""


def _params(symbol, side, order_type, values: dict) -> dict[str, str]:
    out = {"symbol": symbol, "side": side, "type": order_type}
    out.update({k: v for k, v in values.items() if v is not None})
    return out


def _account_rules(rules, order, ref, host, timeout, creds):
    """The account rules, read with the user's key."""
    from binance_doctor import credential
    from binance_doctor.order import account, market

    run = account.rules_for(rules.product)
    if not creds.api_key:
        raise DoctorError("--account needs an API key", hint=f"set {credential.ENV_API_KEY} "
                          "or pass --api-key KEY", exit_code=ExitCode.USAGE)
    sent: list[str] = []
    with market.session(timeout) as client:
        fetch = market.signed_fetch(client, host, creds,
                                    creds.api_key, sent)
        checks = tuple(run(fetch, rules, order, ref.value))
    return checks, tuple(sent)


@app.command("check-order", epilog=EPILOG_CHECK_ORDER)
def check_order(
    symbol: Optional[str] = typer.Argument(
        None, metavar="SYMBOL|REQUEST|-",
        help="The symbol (then SIDE and TYPE), or a pasted request (URL, curl line, "
             "query), or - to read a request (and its error answer) from stdin."),
    side: Optional[str] = typer.Argument(None, metavar="[SIDE]", help="BUY or SELL."),
    order_type: Optional[str] = typer.Argument(None, metavar="[TYPE]",
                                               help="LIMIT, MARKET, STOP_LOSS_LIMIT, ..."),
    quantity: Optional[str] = typer.Option(None, "--quantity", "-q", metavar="Q"),
    price: Optional[str] = typer.Option(None, "--price", metavar="P"),
    stop_price: Optional[str] = typer.Option(None, "--stop-price", metavar="S"),
    quote_order_qty: Optional[str] = typer.Option(None, "--quote-order-qty", metavar="Q"),
    iceberg_qty: Optional[str] = typer.Option(None, "--iceberg-qty", metavar="Q"),
    trailing_delta: Optional[str] = typer.Option(None, "--trailing-delta", metavar="N"),
    time_in_force: Optional[str] = typer.Option(None, "--time-in-force", metavar="TIF"),
    reduce_only: bool = typer.Option(False, "--reduce-only", help="Futures reduceOnly."),
    position_side: Optional[str] = typer.Option(None, "--position-side",
                                                metavar="BOTH|LONG|SHORT"),
    close_position: bool = typer.Option(False, "--close-position",
                                        help="Futures closePosition (STOP_MARKET/TAKE_PROFIT_MARKET)."),
    product: Optional[str] = typer.Option(None, "--product", "-p", metavar="PRODUCT",
                                          help="spot, usdm or coinm (default: from the "
                                               "pasted URL or the file, else spot)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", metavar="URL",
                                           help="Host to read exchangeInfo and prices from "
                                                "(default: the pasted URL's, else the "
                                                "profile's, else the product's mainnet "
                                                "host)."),
    exchange_info: Optional[str] = typer.Option(
        None, "--exchange-info", metavar="FILE",
        help="A saved exchangeInfo answer (whole, or one symbol) instead of a live GET."),
    price_ref: Optional[str] = typer.Option(
        None, "--price-ref", metavar="PRICE",
        help="The reference/average (spot) or mark (futures) price the rules use. With "
             "--exchange-info, nothing is sent."),
    account: bool = typer.Option(False, "--account",
                                 help="Also check the account rules with your key (signed, "
                                      "read-only GETs): balance, open orders; futures "
                                      "position mode, leverage bracket, margin."),
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS",
                                            help="Time allowed for the live reads "
                                                 "(default 10)."),
    profile: Optional[str] = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Check an order against every exchangeInfo filter before sending it; give corrected values."""
    from binance_doctor.order import check, exchange_info as info, view
    from binance_doctor.output import render
    from binance_doctor import product as products
    from binance_doctor.product import Product

    prof = _load_profile(profile)
    timeout = prof.pick("timeout", timeout, 10.0)
    chosen = _product(product)
    if chosen is not None and chosen not in info.PRODUCTS:
        raise typer.BadParameter("check-order checks spot, usdm and coinm orders",
                                 param_hint="--product")
    pasted = None
    if symbol is not None and (symbol == "-" or side is None):
        text = read_stdin() if symbol == "-" else symbol
        pasted = check.read_pasted(text)
        params = {**pasted.params}
        chosen = chosen or pasted.product
    else:
        if side is None or order_type is None:
            raise DoctorError("give SYMBOL SIDE TYPE, or a pasted request",
                              hint="e.g. binance-doctor check-order BTCUSDT BUY LIMIT "
                                   "--quantity 0.001 --price 30000", exit_code=ExitCode.USAGE)
        params = {}
    flags = {"quantity": quantity, "price": price, "stopPrice": stop_price,
             "quoteOrderQty": quote_order_qty, "icebergQty": iceberg_qty,
             "trailingDelta": trailing_delta, "timeInForce": time_in_force,
             "positionSide": position_side,
             "reduceOnly": "true" if reduce_only else None,
             "closePosition": "true" if close_position else None}
    if pasted is None:
        params = _params(symbol, side, order_type, flags)
    else:
        params.update({k: v for k, v in flags.items() if v is not None})
    order = check.order_from_params(params)

    def host(product_: Product) -> str:
        """--base-url, else the pasted request's host, else the profile's, else Binance's."""
        from binance_doctor.net import transport

        testnet = bool(prof.pick("testnet", None, False))
        return transport.check_base_url(
            base_url or (pasted.base_url if pasted else None)
            or prof.base_url(product_.value, None, products.host(product_, testnet)))

    ref_value = check._decimal("--price-ref", price_ref) if price_ref is not None else None

    if exchange_info is not None:
        rules = info.load_file(exchange_info, order.symbol, chosen)
        sent: tuple[str, ...] = ()
        ref = (check.PriceRef(ref_value, "--price-ref", check.ref_name(rules.product))
               if ref_value is not None else None)
        if ref is None:
            from binance_doctor.order import market

            with market.session(timeout) as client:
                ref, sent = market.price_ref(client, host(rules.product), rules.product,
                                             order.symbol)
    else:
        from binance_doctor.order import market

        product_ = chosen or Product.SPOT
        with market.session(timeout) as client:
            rules, ref, sent = market.read(client, host(product_), product_, order.symbol,
                                           ref_value)
    checks: tuple = ()
    if account:
        creds = _credentials(prof, api_key, secret_file, secret, private_key)
        checks, more = _account_rules(rules, order, ref, host(rules.product), timeout, creds)
        sent = sent + more
    result = check.run(rules, order, ref, account=checks,
                       pasted_error=pasted.error if pasted else None, sent=sent)
    render.show("check-order", as_json, result, view.to_json, view.blocks,
                ok=result.verdict == "pass")
    if result.verdict == "fail":
        raise typer.Exit(int(ExitCode.ORDER_WOULD_FAIL))
