"""`clock`: the clock's offset against Binance and NTP, and the -1021 verdict."""

from __future__ import annotations

from typing import List, Optional

import typer

from binance_doctor.cli.root import (
    JsonOption,
    NtpServerOption,
    ProfileOption,
    _load_profile,
    _ntp_servers,
    _product,
    _spinner,
    app,
)
from binance_doctor.failure import BadOption, ExitCode

EPILOG_CLOCK = """Examples:

  binance-doctor clock

  binance-doctor clock --recv-window 10000

  binance-doctor clock --product usdm --samples 9

  binance-doctor clock --base-url https://testnet.binance.vision --no-ntp

  binance-doctor clock --ntp-server time.google.com --ntp-server 192.168.1.1:123 --json

Exit code 20 (CLOCK_REJECTED) when a signed request sent now would be rejected
with -1021 (or could be, within the measurement uncertainty); 0 when it passes.
"""


@app.command(epilog=EPILOG_CLOCK)
def clock(
    product: str = typer.Option("spot", "--product", "-p", metavar="PRODUCT",
                                help="spot, usdm or coinm: which time endpoint to ask."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", metavar="URL",
        help="Any Binance-compatible endpoint, testnet included. "
             "Default: the product's production host."),
    samples: int = typer.Option(5, "--samples", "-n", min=1, max=50,
                                help="Requests to the time endpoint (weight 1 each)."),
    recv_window: Optional[int] = typer.Option(
        None, "--recv-window", "-w", metavar="MS",
        help="The recvWindow your requests send (max 60000; default 5000)."),
    ntp_server: Optional[List[str]] = NtpServerOption,
    no_ntp: bool = typer.Option(False, "--no-ntp", help="Compare with Binance only."),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", "-t", min=0.1, max=300, metavar="SECONDS",
        help="Time limit for the whole check (default 10)."),
    profile: Optional[str] = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Measure your clock's offset against Binance and NTP; say if -1021 will hit you."""
    from binance_doctor import product as products
    from binance_doctor.clock import offset as core
    from binance_doctor.clock import view as clockview
    from binance_doctor.net import transport
    from binance_doctor.output import render

    chosen = _product(product)
    if chosen is None or chosen.value not in core.TIME_PATHS:
        raise typer.BadParameter("clock supports spot, usdm and coinm", param_hint="--product")
    prof = _load_profile(profile)
    recv_window = prof.pick("recv_window", recv_window, core.DEFAULT_RECV_WINDOW)
    timeout = prof.pick("timeout", timeout, 10.0)
    base_url = prof.base_url(chosen.value, base_url)
    if not 0 < recv_window <= core.MAX_RECV_WINDOW:
        raise BadOption(f"--recv-window {recv_window} is out of range",
                       hint=f"Binance accepts 1 to {core.MAX_RECV_WINDOW} ms; the default "
                            f"is {core.DEFAULT_RECV_WINDOW}")
    servers = _ntp_servers(ntp_server or prof.values.get("ntp_servers"), no_ntp)
    url = transport.check_base_url(base_url or products.host(chosen))
    deadline = transport.Deadline(timeout)
    with _spinner() as progress, transport.make_client(timeout) as client:
        result = core.check(client, url, product=chosen.value, samples=samples,
                            recv_window=recv_window, ntp_servers=servers,
                            platform=core.detect_platform(), deadline=deadline,
                            timeout=timeout, progress=progress)
    render.show("clock", as_json, result, clockview.clock_json, clockview.clock_blocks)
    if result.window.verdict is not core.Verdict.PASS:
        raise typer.Exit(int(ExitCode.CLOCK_REJECTED))
