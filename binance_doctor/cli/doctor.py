"""`doctor`: every check between this machine and Binance in one run, as a checklist."""

from __future__ import annotations

from typing import List, Optional

import typer

from binance_doctor.cli.root import (
    ApiKeyOption,
    JsonOption,
    NtpServerOption,
    PrivateKeyOption,
    ProfileOption,
    RestProductsOption,
    SecretFileOption,
    _load_profile,
    _ntp_servers,
    _rest_products,
    _spinner,
    app,
)
from binance_doctor.failure import BadOption, ExitCode
from binance_doctor.product import Product, host

# The weights are checkup.BASE_WEIGHT and KEY_WEIGHT; a test holds them to a real run.
EPILOG_DOCTOR = """Examples:

  binance-doctor doctor

  binance-doctor doctor --product usdm --recv-window 10000

  BINANCE_API_KEY=... BINANCE_API_SECRET=... binance-doctor doctor --json

  binance-doctor doctor --testnet --no-ntp

Checks each product host (DNS, TCP+TLS, ping, time), Binance's system status,
the futures rate limits, the weight in use, the clock against Binance and NTP
and, with credentials, the API key (as check-key does) and its trading status.
Read-only: only GET requests, weight 12 in all without a key, 49 with one.

Exit 0: every check passed (warnings included). A single cause exits with its
own code (13: HTTP 451, 14: WAF 403, 15: 418 ban, 16: 429, 17: 5xx, 10: DNS or
unreachable, 11: TLS, 12: timeout, 20: clock, 21: key); different causes
together exit 27.
"""


@app.command(epilog=EPILOG_DOCTOR)
def doctor(
    product: Optional[List[str]] = RestProductsOption,
    base_url: Optional[str] = typer.Option(None, "--base-url", metavar="URL",
                                           help="Spot and /sapi host."),
    futures_base_url: Optional[str] = typer.Option(None, "--futures-base-url", metavar="URL",
                                                   help="USDⓈ-M futures host."),
    delivery_base_url: Optional[str] = typer.Option(None, "--delivery-base-url",
                                                    metavar="URL", help="COIN-M futures host."),
    testnet: bool = typer.Option(False, "--testnet",
                                 help="The hosts are a testnet (default URLs, no /sapi)."),
    ntp_server: Optional[List[str]] = NtpServerOption,
    no_ntp: bool = typer.Option(False, "--no-ntp", help="Compare the clock with Binance only."),
    recv_window: Optional[int] = typer.Option(
        None, "--recv-window", "-w", metavar="MS",
        help="The recvWindow your requests send (max 60000; default 5000)."),
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    private_key: Optional[str] = PrivateKeyOption,
    timeout: Optional[float] = typer.Option(
        None, "--timeout", "-t", min=0.1, max=300, metavar="SECONDS",
        help="Time limit for the whole run (default 20)."),
    profile: Optional[str] = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Check everything between this machine and Binance: network, clock, key, limits."""
    from binance_doctor.clock import offset as clocks
    from binance_doctor.doctor import checkup
    from binance_doctor.doctor import view as doctorview
    from binance_doctor.key import offline as keyoffline
    from binance_doctor.net import transport
    from binance_doctor.output import render

    prof = _load_profile(profile)
    recv_window = prof.pick("recv_window", recv_window, clocks.DEFAULT_RECV_WINDOW)
    timeout = prof.pick("timeout", timeout, 20.0)
    if not 0 < recv_window <= clocks.MAX_RECV_WINDOW:
        raise BadOption(f"--recv-window {recv_window} is out of range",
                       hint=f"Binance accepts 1 to {clocks.MAX_RECV_WINDOW} ms")
    testnet = testnet or bool(prof.pick("testnet", None, False))
    defaults = {p: host(Product(p), testnet) for p in ("spot", "usdm", "coinm")}
    given = {"spot": base_url, "usdm": futures_base_url, "coinm": delivery_base_url}
    hosts = tuple((p, transport.check_base_url(prof.base_url(p, given[p], defaults[p])))
                  for p in _rest_products(product, "doctor"))
    settings = checkup.Settings(
        hosts, "testnet" if testnet else "mainnet", recv_window,
        _ntp_servers(ntp_server or prof.values.get("ntp_servers"), no_ntp), timeout)
    creds = prof.credentials(api_key=api_key, secret_file=secret_file,
                             private_key=private_key)
    key = None
    if creds.api_key and creds.api_key.strip():
        ready = keyoffline.prepare(creds.api_key, secret=None, secret_file=creds.secret_file,
                                   private_key=creds.private_key,
                                   urls=tuple(u for _, u in hosts),
                                   secret_from=creds.secret_from)
        key = checkup.KeyInput(ready.api_key, ready.creds, ready.offline, ready.sendable)
    with _spinner() as progress, transport.make_client(timeout) as client:
        report = checkup.run(settings, client, key=key, progress=progress)
    render.show("doctor", as_json, report, doctorview.to_json, doctorview.blocks,
                ok=report.exit_code is ExitCode.OK)
    raise typer.Exit(int(report.exit_code))
