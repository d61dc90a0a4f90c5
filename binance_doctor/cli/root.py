"""The root typer app and what every command shares: options, stdin, products, the spinner.

Nothing here decides anything about Binance. Heavy imports (httpx, ntplib,
cryptography, rich) stay inside the commands that need them, so `explain`
starts fast. Each command lives in its own module beside this one;
`binance_doctor.cli.main` registers them and turns errors into exit codes.
"""

# No `from __future__ import annotations`: typer reads the commands' annotations with
# typing.get_type_hints, which compiles every one that is a string (start-up).

import importlib
import sys
from typing import Optional, Sequence

import typer

try:  # typer >= 0.2x vendors click; older releases use the click package
    from typer._click import exceptions as click_errors  # noqa: F401 - re-exported
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_errors  # noqa: F401 - re-exported to the commands

from binance_doctor import __version__
from binance_doctor.failure import BadInput, BadOption

app = typer.Typer(
    name="binance-doctor",
    help="Turns Binance API errors into their exact cause and fix.",
    epilog="Examples:\n\n  binance-doctor doctor\n\n  binance-doctor explain -2010\n\n"
           "  python bot.py 2>&1 | binance-doctor explain -\n\n"
           "  binance-doctor scan logs/*.log.gz\n\n"
           "  binance-doctor clock --recv-window 10000\n\n"
           "  binance-doctor check-key\n\n"
           "  binance-doctor signature verify 'https://api.binance.com/api/v3/order?...'\n",
    add_completion=False,                 # we ship static scripts: `completion SHELL`
    no_args_is_help=True,
    pretty_exceptions_enable=False,       # main() prints errors; locals may hold secrets
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Every command, in the order a user meets them (the order `--help` lists them in):
# its name on the command line -> the module under binance_doctor.cli that registers it.
# A new command is one line here and one module beside this one.
COMMANDS = {
    "doctor": "doctor",
    "explain": "explain",
    "codes": "codes",
    "scan": "scan",
    "clock": "clock",
    "check-key": "check_key",
    "check-order": "check_order",
    "order-status": "order_status",
    "signature": "signature",
    "config": "config",
    "completion": "completion",
}


def load_commands(args: Sequence[str] | None = None) -> typer.Typer:
    """Register the invoked command only, or every command when `args` names none.

    Start-up: `explain -2010` should not pay for importing the other commands'
    modules. `--help`, a typo and the completion generator need them all.
    """
    name = next((a for a in args or () if not a.startswith("-")), None)
    for word in [name] if name in COMMANDS else COMMANDS:
        importlib.import_module(f"binance_doctor.cli.{COMMANDS[word]}")
    return app


def unclipped_help() -> None:
    """Fold, never clip, a long word in help.

    typer draws option help in table cells, and a cell ends a word too long for
    its column with "…". Hosts and variable names in help are there to be copied,
    so such a word goes on across the line instead. Installed only when help is
    about to be printed: typer's rich renderer costs start-up time.
    """
    from rich.text import Text
    from typer import rich_utils

    make = rich_utils._make_rich_text
    if getattr(make, "unclipped", False):
        return

    def folded(**kwargs):
        text = make(**kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text
    folded.unclipped = True     # type: ignore[attr-defined]
    rich_utils._make_rich_text = folded


# Options shared by several commands, each built when a command module first imports it
# (module __getattr__ below): a typer.Option call is ~0.1 M instructions, and explain
# uses two of these nine. name -> typer.Option's arguments.
_SHARED_OPTIONS = {
    "ProductOption": ((None, "--product", "-p"), dict(
        metavar="PRODUCT",
        help="spot, usdm, coinm, options, papi or sapi. Narrows a code to one product.")),
    "JsonOption": ((False, "--json"), dict(help="Print the versioned JSON envelope instead.")),
    # Credentials, shared by check-key and signature: secrets never as plain arguments
    # without a warning (shell history).
    "ApiKeyOption": ((None, "--api-key"), dict(
        metavar="KEY", help="The API key (default: $BINANCE_API_KEY).")),
    "SecretFileOption": ((None, "--secret-file"), dict(
        metavar="FILE", help="Read the HMAC secret from FILE "
                             "(default: $BINANCE_API_SECRET, else a hidden prompt).")),
    "SecretOption": ((None, "--secret"), dict(
        metavar="SECRET", help="The HMAC secret itself; lands in shell history, so it "
                               "prints a warning. Prefer the env var or --secret-file.")),
    "PrivateKeyOption": ((None, "--private-key"), dict(
        metavar="FILE", help="RSA or Ed25519 private key PEM (passphrase from "
                             "$BINANCE_PRIVATE_KEY_PASSPHRASE or a hidden prompt).")),
    "RestProductsOption": ((None, "--product", "-p"), dict(
        metavar="PRODUCT",
        help="spot, usdm or coinm (repeat or comma-separate; default: all three).")),
    "NtpServerOption": ((None, "--ntp-server"), dict(
        metavar="HOST[:PORT]",
        help="NTP server to compare with; repeatable. Default: pool.ntp.org, "
             "time.google.com, time.cloudflare.com.")),
    "ProfileOption": ((None, "--profile"), dict(
        metavar="NAME",
        help="Settings from this profile in config.toml (default: $BINANCE_DOCTOR_PROFILE, "
             "else the file's default).")),
}


def __getattr__(name: str):
    shared = _SHARED_OPTIONS.get(name)
    if shared is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    args, kwargs = shared
    option = globals()[name] = typer.Option(*args, **kwargs)   # one object per name, as before
    return option


class State:
    debug = False
    quiet = False


def _version(value: bool) -> None:
    if value:
        print(f"binance-doctor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="Print nothing on stdout: for scripts that want only "
                                    "the exit code (errors still go to stderr)."),
    color: str = typer.Option("auto", "--color", metavar="WHEN",
                              help="auto, always or never. auto: colour on a terminal; "
                                   "FORCE_COLOR forces it, NO_COLOR turns it off."),
    no_pager: bool = typer.Option(False, "--no-pager",
                                  help="Never page long output (default: $PAGER, else "
                                       "less -FRX, on a terminal)."),
) -> None:
    # main() takes these anywhere, after the command too, and applies them itself; here
    # they are documented in --help and serve callers that drive `app` directly.
    State.debug = State.debug or debug    # main() also takes --debug after the command
    if quiet or color != "auto" or no_pager:
        from binance_doctor.output import render

        State.quiet = State.quiet or quiet
        render.Options.color = color if color in render.COLOR_CHOICES else "auto"
        render.Options.pager = render.Options.pager and not no_pager


def _product(value: Optional[str]):
    if value is None:
        return None
    from binance_doctor.product import parse_product

    try:
        return parse_product(value)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--product") from None


def _rest_products(values: Optional[Sequence[str]], command: str) -> tuple[str, ...]:
    """--product for the commands that talk to spot, usdm and coinm hosts: those three
    (sapi counts as spot), in that order; all three when none is given."""
    from binance_doctor.product import Product

    wanted = {Product.SPOT: "spot", Product.SAPI: "spot", Product.USDM: "usdm",
              Product.COINM: "coinm"}
    out: list[str] = []
    for word in (w for v in values or [] for w in v.split(",") if w.strip()):
        product = _product(word)
        if product not in wanted:
            raise typer.BadParameter(f"{command} checks spot, usdm and coinm, not "
                                     f"{product.value}", param_hint="--product")
        out.append(wanted[product])
    return tuple(p for p in ("spot", "usdm", "coinm") if p in out) or ("spot", "usdm", "coinm")


def _ntp_servers(values: Optional[Sequence[str]], off: bool) -> tuple[str, ...] | None:
    """The NTP servers to ask (validated), the defaults, or None with --no-ntp."""
    from binance_doctor.clock import offset as clocks

    for server in values or ():
        try:
            clocks.parse_ntp_server(server)
        except ValueError as e:
            raise BadOption(f"--ntp-server: {e}", hint="e.g. --ntp-server time.google.com "
                                                       "or --ntp-server 127.0.0.1:1123") from None
    return None if off else tuple(values or clocks.DEFAULT_NTP_SERVERS)


def _load_profile(name: Optional[str]):
    """The profile in use (config/profile.load); its warnings go to stderr."""
    from binance_doctor.config import profile

    chosen = profile.load(name)
    for warning in chosen.warnings:
        sys.stderr.write(f"binance-doctor: warning: {warning}\n")
    return chosen


def _credentials(prof, api_key: Optional[str], secret_file: Optional[str],
                 secret: Optional[str], private_key: Optional[str]):
    """The credentials a signing command uses: flags, then the profile's sources, then
    the usual environment variables (credential.read's order); its notes go to stderr."""
    from binance_doctor import credential

    given = prof.credentials(api_key=api_key, secret_file=secret_file,
                             private_key=private_key)
    creds = credential.read(api_key=given.api_key, secret_file=given.secret_file,
                            secret=secret, private_key=given.private_key,
                            secret_from=given.secret_from)
    for note in creds.notes:
        sys.stderr.write(f"binance-doctor: warning: {note}\n")
    return creds


def read_stdin(limit: int = 64 * 1024 * 1024, prompt: bool = False) -> str:
    """Text piped on stdin; binary data and empty input are bad input, not crashes.

    With `prompt` (the user typed `-`), a terminal is read too, until Ctrl-D,
    after a one-line prompt on stderr."""
    stream = sys.stdin
    if stream is None or stream.closed:
        raise BadInput("nothing on stdin to read",
                       hint="pipe the error in, or give a code or message as an argument")
    if stream.isatty() and prompt:
        eof = "Ctrl-Z then Enter" if sys.platform == "win32" else "Ctrl-D"
        sys.stderr.write(f"Paste the error, then press {eof} on a new line:\n")
        sys.stderr.flush()
    elif stream.isatty():
        raise BadInput("no code or message given and stdin is a terminal",
                       hint="try: binance-doctor explain -2010")
    data = stream.buffer.read(limit + 1) if hasattr(stream, "buffer") else stream.read().encode()
    if len(data) > limit:
        raise BadInput(f"stdin holds more than {limit // (1024 * 1024)} MiB",
                       hint="use `binance-doctor scan` for large logs")
    if b"\x00" in data[:8192]:
        raise BadInput("stdin looks like binary data, not text")
    return data.decode("utf-8", errors="replace")


def _spinner():
    """A progress callback: a spinner on stderr when it is a terminal, else nothing."""
    import contextlib

    if State.quiet or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.console import Console

    @contextlib.contextmanager
    def spin():
        with Console(stderr=True).status("Working…") as status:
            yield lambda text: status.update(text)

    return spin()
