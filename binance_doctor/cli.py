"""The command line: parse arguments, call the core, render, exit.

Nothing here decides anything about Binance; it wires typer to the core
modules. `main()` is the one place where errors become exit codes. Heavy
imports (httpx, ntplib, cryptography, rich) stay inside the commands that
need them, so `explain` starts fast.
"""

from __future__ import annotations

import os
import sys
import time
from typing import List, Optional

import typer

try:  # typer >= 0.2x vendors click; older releases use the click package
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_errors

from binance_doctor import __version__
from binance_doctor.failure import BadInput, DoctorError, ExitCode

EPILOG_EXPLAIN = """Examples:

  binance-doctor explain -2010

  binance-doctor explain 1021            (the sign may be dropped)

  binance-doctor explain -2026 --product usdm

  binance-doctor explain "Filter failure: LOT_SIZE"

  binance-doctor explain 418

  echo '{"code":-1021,"msg":"..."}' | binance-doctor explain

  python bot.py 2>&1 | tail -50 | binance-doctor explain -   (a traceback or log lines)
"""

app = typer.Typer(
    name="binance-doctor",
    help="Turns Binance API errors into their exact cause and fix.",
    epilog="Examples:\n\n  binance-doctor explain -2010\n\n"
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

ProductOption = typer.Option(
    None, "--product", "-p", metavar="PRODUCT",
    help="spot, usdm, coinm, options, papi or sapi. Narrows a code to one product.")
JsonOption = typer.Option(False, "--json", help="Print the versioned JSON envelope instead.")
# Credentials, shared by check-key and signature: secrets never as plain arguments
# without a warning (shell history).
ApiKeyOption = typer.Option(None, "--api-key", metavar="KEY",
                            help="The API key (default: $BINANCE_API_KEY).")
SecretFileOption = typer.Option(None, "--secret-file", metavar="FILE",
                                help="Read the HMAC secret from FILE "
                                     "(default: $BINANCE_API_SECRET, else a hidden prompt).")
SecretOption = typer.Option(None, "--secret", metavar="SECRET",
                            help="The HMAC secret itself; lands in shell history, so it "
                                 "prints a warning. Prefer the env var or --secret-file.")
PrivateKeyOption = typer.Option(None, "--private-key", metavar="FILE",
                                help="RSA or Ed25519 private key PEM (passphrase from "
                                     "$BINANCE_PRIVATE_KEY_PASSPHRASE or a hidden prompt).")


class State:
    debug = False


def _version(value: bool) -> None:
    if value:
        print(f"binance-doctor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    State.debug = debug


def _product(value: Optional[str]):
    if value is None:
        return None
    from binance_doctor.product import parse_product

    try:
        return parse_product(value)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--product") from None


def read_stdin(limit: int = 64 * 1024 * 1024) -> str:
    """Text piped on stdin; binary data and empty input are bad input, not crashes."""
    stream = sys.stdin
    if stream is None or stream.closed:
        raise BadInput("nothing on stdin to read",
                       hint="pipe the error in, or give a code or message as an argument")
    if stream.isatty():
        raise BadInput("no code or message given and stdin is a terminal",
                       hint="try: binance-doctor explain -2010")
    data = stream.buffer.read(limit + 1) if hasattr(stream, "buffer") else stream.read().encode()
    if len(data) > limit:
        raise BadInput(f"stdin holds more than {limit // (1024 * 1024)} MiB",
                       hint="use `binance-doctor scan` for large logs")
    if b"\x00" in data[:8192]:
        raise BadInput("stdin looks like binary data, not text")
    return data.decode("utf-8", errors="replace")


@app.command(
    context_settings={"ignore_unknown_options": True},  # so `explain -2010` is a code
    epilog=EPILOG_EXPLAIN,
)
def explain(
    query: Optional[List[str]] = typer.Argument(
        None, metavar="[CODE|MESSAGE|-]",
        help="An error code (-2010 or 2010), an HTTP status, a message, or - for stdin."),
    product: Optional[str] = ProductOption,
    as_json: bool = JsonOption,
) -> None:
    """Explain a Binance error code, message or error JSON: cause, fix and retry advice."""
    from binance_doctor import catalog, diagnosis, render, report

    words = list(query or [])
    unknown = [w for w in words if w.startswith("--") and w != "--"]
    if unknown:
        raise click_errors.UsageError(f"no such option: {unknown[0]}")
    text = " ".join(words)
    if not words or text == "-":
        text = read_stdin()
        if not diagnosis.is_bare(text):
            # Pasted tracebacks, log lines and transcripts: find every error in them.
            pasted = diagnosis.explain_pasted(catalog.load(), text, _product(product),
                                              now=time.time())
            if pasted:
                if as_json:
                    render.write_json("explain", report.pasted_json(pasted))
                else:
                    render.write(report.pasted_blocks(pasted))
                return
    result = diagnosis.explain_text(catalog.load(), text, _product(product), now=time.time())
    if as_json:
        render.write_json("explain", report.diagnosis_json(result))
    else:
        render.write(report.diagnosis_blocks(result))


@app.command(epilog="Examples:\n\n  binance-doctor codes --product spot\n\n"
                    "  binance-doctor codes --search timestamp\n\n"
                    "  binance-doctor codes --kind http\n")
def codes(
    product: Optional[str] = ProductOption,
    search: Optional[str] = typer.Option(
        None, "--search", "-s", help="Keep entries whose name, message or meaning has WORD."),
    kind: str = typer.Option("code", "--kind", help="code, message, filter, http or all."),
    as_json: bool = JsonOption,
) -> None:
    """List the catalog: every documented error, per product."""
    from binance_doctor import catalog, render, report

    cat = catalog.load()
    try:
        kinds = list(catalog.Kind) if kind == "all" else [catalog.Kind(kind)]
    except ValueError:
        raise typer.BadParameter("choose code, message, filter, http or all",
                                 param_hint="--kind") from None
    chosen = _product(product)
    entries = [e for k in kinds for e in cat.of_kind(k, chosen)]
    if search:
        word = search.casefold()
        entries = [e for e in entries if word in " ".join(
            [str(e.code), e.name or "", e.filter or "", e.explanation.meaning, *e.messages]
        ).casefold()]
    if as_json:
        render.write_json("codes", {"count": len(entries),
                                    "entries": [report.entry_json(e) for e in entries]})
    else:
        render.write(report.codes_blocks(entries))


# -- scan: count the errors in logs ------------------------------------------------

@app.command(
    "scan",
    epilog="Examples:\n\n  binance-doctor scan bot.log\n\n"
           "  binance-doctor scan logs/*.log.gz --json\n\n"
           "  journalctl -u bot | binance-doctor scan -\n\n"
           "  binance-doctor scan bot.log --jsonl | jq -c 'select(.code == -1021)'\n")
def scan_command(
    files: List[str] = typer.Argument(..., metavar="FILE...|-",
                                      help="Log files (plain or .gz), or - for stdin."),
    as_json: bool = JsonOption,
    as_jsonl: bool = typer.Option(False, "--jsonl",
                                  help="One JSON record per error found, with file and line."),
) -> None:
    """Count the Binance errors in logs of any size: by product, code and message."""
    import json

    from binance_doctor import catalog, render, report
    from binance_doctor import scan as core
    from binance_doctor.failure import NoErrorFound

    cat = catalog.load()
    counter = core.Counter(cat)
    on_hit = None
    if as_jsonl:
        def on_hit(hit) -> None:
            sys.stdout.write(json.dumps({"schema": render.JSON_SCHEMA, **report.hit_json(hit)},
                                        ensure_ascii=False) + "\n")
    streams = [(name, core.open_input(name, sys.stdin.buffer if name == "-" else None))
               for name in files]
    size = lines = 0
    try:
        for name, stream in streams:
            read, n = core.scan(cat, name, stream, counter, on_hit, _progress(name, stream))
            size += read
            lines += n
    except BrokenPipeError:
        # `scan --jsonl | head`: the reader has all it wants; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    finally:
        for name, stream in streams:
            if name != "-":
                stream.close()
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    summary = counter.summary(tuple(files), size, lines)
    if not summary.errors:
        raise NoErrorFound(f"no Binance error found in {lines} lines of {', '.join(files)}",
                           hint="scan looks for error JSON, client exceptions and 4xx/5xx "
                                "responses; see `binance-doctor explain --help`")
    if as_jsonl:
        return
    if as_json:
        render.write_json("scan", report.scan_json(summary))
    else:
        render.write(report.scan_blocks(summary))


def _progress(name: str, stream):
    """Percent read on stderr, for big files and only on a terminal."""
    if not sys.stderr.isatty():
        return None
    try:
        total = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        total = 0
    if total < 64 * 1024 * 1024:
        return None
    shown = [0.0]

    def report_progress(done: int) -> None:
        now = time.monotonic()
        if now - shown[0] >= 0.5:
            shown[0] = now
            pct = min(100, done * 100 // total)   # .gz: compressed size, so it can pass 100
            sys.stderr.write(f"\rscanning {name}: {pct}% ({done // 1_000_000} MB)")
            sys.stderr.flush()
    return report_progress


# -- clock: offset against Binance and NTP, and the recvWindow verdict ----------------

EPILOG_CLOCK = """Examples:

  binance-doctor clock

  binance-doctor clock --recv-window 10000

  binance-doctor clock --product usdm --samples 9

  binance-doctor clock --base-url https://testnet.binance.vision --no-ntp

  binance-doctor clock --ntp-server time.google.com --ntp-server 192.168.1.1:123 --json

Exit code 20 (CLOCK_REJECTED) when a signed request sent now would be rejected
with -1021 (or could be, within the measurement uncertainty); 0 when it passes.
"""


def _spinner():
    """A progress callback: a spinner on stderr when it is a terminal, else nothing."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.console import Console

    @contextlib.contextmanager
    def spin():
        with Console(stderr=True).status("Working…") as status:
            yield lambda text: status.update(text)

    return spin()


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
    recv_window: int = typer.Option(5000, "--recv-window", "-w", metavar="MS",
                                    help="The recvWindow your requests send (max 60000)."),
    ntp_server: Optional[List[str]] = typer.Option(
        None, "--ntp-server", metavar="HOST[:PORT]",
        help="NTP server to compare with; repeatable. Default: pool.ntp.org, "
             "time.google.com, time.cloudflare.com."),
    no_ntp: bool = typer.Option(False, "--no-ntp", help="Compare with Binance only."),
    timeout: float = typer.Option(10.0, "--timeout", "-t", min=0.1, max=300, metavar="SECONDS",
                                  help="Time limit for the whole check."),
    as_json: bool = JsonOption,
) -> None:
    """Measure your clock's offset against Binance and NTP; say if -1021 will hit you."""
    from binance_doctor import clock as core
    from binance_doctor import clockview, render, transport

    chosen = _product(product)
    if chosen is None or chosen.value not in core.TIME_PATHS:
        raise typer.BadParameter("clock supports spot, usdm and coinm", param_hint="--product")
    if not 0 < recv_window <= core.MAX_RECV_WINDOW:
        raise BadInput(f"recvWindow {recv_window} is out of range",
                       hint=f"Binance accepts 1 to {core.MAX_RECV_WINDOW} ms; the default "
                            f"is {core.DEFAULT_RECV_WINDOW}")
    for server in ntp_server or ():
        try:
            core.parse_ntp_server(server)
        except ValueError as e:
            raise BadInput(str(e), hint="e.g. --ntp-server time.google.com or "
                                        "--ntp-server 127.0.0.1:1123") from None
    servers = None if no_ntp else tuple(ntp_server or core.DEFAULT_NTP_SERVERS)
    url = transport.check_base_url(base_url or core.DEFAULT_BASE_URLS[chosen.value])
    deadline = transport.Deadline(timeout)
    with _spinner() as progress, transport.make_client(timeout) as client:
        result = core.check(client, url, product=chosen.value, samples=samples,
                            recv_window=recv_window, ntp_servers=servers,
                            platform=core.detect_platform(), deadline=deadline,
                            timeout=timeout, progress=progress)
    if as_json:
        render.write_json("clock", clockview.clock_json(result))
    else:
        render.write(clockview.clock_blocks(result))
    if result.window.verdict is not core.Verdict.PASS:
        raise typer.Exit(int(ExitCode.CLOCK_REJECTED))


# -- check-key ------------------------------------------------------------------------

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
    from binance_doctor import credential, keycheck, render, transport

    raw_key = api_key if api_key is not None else os.environ.get(credential.ENV_API_KEY)
    if not raw_key or not raw_key.strip():
        raise DoctorError("no API key given", hint=f"set {credential.ENV_API_KEY} or pass "
                          "--api-key KEY", exit_code=ExitCode.USAGE)
    settings = keycheck.settings_for(
        testnet,
        keycheck.Network("mainnet", base_url, futures_base_url, delivery_base_url),
        keycheck.Network("testnet", testnet_base_url, testnet_futures_base_url,
                         testnet_delivery_base_url),
        _check_key_products(product), timeout)
    key, key_checks = keycheck.inspect_api_key(raw_key)
    creds = keycheck.read_credentials(api_key=key, secret=secret, secret_file=secret_file,
                                      private_key=private_key)
    creds, secret_checks = keycheck.inspect_credentials(creds, key)
    offline = (*key_checks, *secret_checks, *keycheck.inspect_urls(settings))
    sendable = key.isascii() and key.isprintable() and bool(key)
    with _spinner() as progress, transport.make_client(timeout) as client:
        report = keycheck.check(creds, key, settings, client, offline=offline,
                                progress=progress, online=sendable)
    if as_json:
        render.write_json("check-key", keycheck.to_json(report),
                          ok=report.exit_code is ExitCode.OK)
    else:
        render.write(keycheck.blocks(report))
    raise typer.Exit(int(report.exit_code))


# -- signature: re-derive a request's signature and name the mistake (-1022) --------

EPILOG_SIGNATURE_VERIFY = """Examples:

  export BINANCE_API_SECRET=...        (or --secret-file FILE, or the hidden prompt)

  binance-doctor signature verify 'https://api.binance.com/api/v3/order?symbol=...&signature=...'

  binance-doctor signature verify "$(cat failing-curl.txt)"

  binance-doctor signature verify --query 'symbol=...&timestamp=...' --body '...&signature=...'

  binance-doctor signature verify --private-key ed25519.pem - < request.txt
"""

EPILOG_SIGNATURE_SIGN = """Examples:

  binance-doctor signature sign 'https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY&timestamp=1499827319559'

  binance-doctor signature sign --query 'symbol=BTCUSDT&timestamp=1591702613943' --private-key rsa.pem
"""

signature_app = typer.Typer(
    name="signature", no_args_is_help=True,
    help="Re-derive request signatures: find why Binance said -1022 INVALID_SIGNATURE.",
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(signature_app, name="signature")

RequestArgument = typer.Argument(
    None, metavar="[URL|CURL|-]",
    help="The request as sent: a full URL, a curl command line (one quoted argument), "
         "or - to read either from stdin.")
QueryOption = typer.Option(None, "--query", "-q", help="The query string as sent (no '?').")
BodyOption = typer.Option(None, "--body", "-b", help="The request body as sent.")
MethodOption = typer.Option(None, "--method", "-X", help="HTTP method (default: POST with a "
                                                           "body, else GET).")


def _sent_request(text: Optional[str], query: Optional[str], body: Optional[str],
                  method: Optional[str]):
    from binance_doctor import request

    if text is not None and (query is not None or body is not None):
        raise click_errors.UsageError("give the request either as URL/curl or as "
                                      "--query/--body, not both")
    if query is not None or body is not None:
        return request.from_parts((query or "").lstrip("?"), body or "", method)
    return request.parse(read_stdin() if text in (None, "-") else text, method)


def _request_and_credentials(text, query, body, method, api_key, secret_file, secret,
                             private_key):
    """The sent request, the credentials, and every value that must never be printed."""
    from binance_doctor import credential

    request = _sent_request(text, query, body, method)
    creds = credential.read(api_key=api_key, secret_file=secret_file, secret=secret,
                            private_key=private_key)
    for note in creds.notes:
        sys.stderr.write(f"binance-doctor: warning: {note}\n")
    secrets = creds.secrets + ((request.api_key,) if request.api_key else ())
    return request, creds, secrets


def _write_redacted(secrets, command: str, payload, blocks, as_json: bool) -> None:
    """Render into memory, mask every secret value, then write: nothing secret gets out."""
    import io

    from binance_doctor import credential, render

    class _Buffer(io.StringIO):
        def isatty(self) -> bool:
            return render.use_rich(sys.stdout)

    buffer = _Buffer()
    if as_json:
        render.write_json(command, payload, file=buffer)
    else:
        render.write(blocks, buffer)
    sys.stdout.write(credential.redact(buffer.getvalue(), secrets))


@signature_app.command("verify", epilog=EPILOG_SIGNATURE_VERIFY)
def signature_verify(
    sent: Optional[str] = RequestArgument,
    query: Optional[str] = QueryOption,
    body: Optional[str] = BodyOption,
    method: Optional[str] = MethodOption,
    signature: Optional[str] = typer.Option(
        None, "--signature", "-s", help="The signature that was sent, if not in the request."),
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    as_json: bool = JsonOption,
) -> int:
    """Diagnose a sent request: is its signature right, and if not, which mistake made it."""
    from binance_doctor import mistake, signatureview

    request, creds, secrets = _request_and_credentials(sent, query, body, method, api_key,
                                                       secret_file, secret, private_key)
    verdict = mistake.verify(request, creds.key, creds.api_key, signature)
    _write_redacted(secrets, "signature verify",
                    signatureview.verdict_json(verdict, creds.source),
                    signatureview.verdict_blocks(verdict, creds.source), as_json)
    return ExitCode.OK if verdict.ok else ExitCode.SIGNATURE_MISMATCH


@signature_app.command("sign", epilog=EPILOG_SIGNATURE_SIGN)
def signature_sign(
    sent: Optional[str] = RequestArgument,
    query: Optional[str] = QueryOption,
    body: Optional[str] = BodyOption,
    method: Optional[str] = MethodOption,
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Print a request's canonical payload, its correct signature and a ready curl line."""
    from binance_doctor import mistake, signatureview

    request, creds, secrets = _request_and_credentials(sent, query, body, method, api_key,
                                                       secret_file, secret, private_key)
    signed = mistake.sign_request(request, creds.key)
    _write_redacted(secrets, "signature sign", signatureview.signed_json(signed),
                    signatureview.signed_blocks(signed, creds.source), as_json)


# -- completion -----------------------------------------------------------------------

@app.command(epilog="Examples:\n\n  binance-doctor completion bash > "
                    "~/.local/share/bash-completion/completions/binance-doctor\n\n"
                    "  binance-doctor completion zsh > ~/.zfunc/_binance-doctor\n\n"
                    "  binance-doctor completion fish > "
                    "~/.config/fish/completions/binance-doctor.fish\n")
def completion(
    shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
) -> None:
    """Print the shell completion script for bash, zsh or fish."""
    from binance_doctor import completion as comp

    if shell not in comp.SHELLS:
        raise typer.BadParameter(f"choose one of {', '.join(comp.SHELLS)}", param_hint="SHELL")
    sys.stdout.write(comp.script(shell, comp.commands(typer.main.get_command(app))))


def _print_error(message: str, hint: str | None, code: ExitCode, as_json: bool) -> None:
    if as_json:
        from binance_doctor import render

        render.write_json("error", {"message": message, "hint": hint,
                                    "exit_code": int(code), "exit_name": code.name}, ok=False)
        return
    sys.stderr.write(f"binance-doctor: error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")


def _exit_code(value: int) -> ExitCode:
    try:
        return ExitCode(value)
    except ValueError:
        return ExitCode.INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: the only place errors turn into exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    State.debug = "--debug" in args or bool(os.environ.get("BINANCE_DOCTOR_DEBUG"))
    code = ExitCode.OK
    try:
        result = app(args=args, prog_name="binance-doctor", standalone_mode=False)
        code = ExitCode(result) if isinstance(result, int) else ExitCode.OK
    except DoctorError as e:
        _print_error(e.message, e.hint, e.exit_code, as_json)
        code = e.exit_code
    except typer.Exit as e:
        code = _exit_code(e.exit_code)
    except SystemExit as e:
        # typer exits by itself on a broken pipe (`| head`): not our error.
        code = _exit_code(e.code if isinstance(e.code, int) else 1)
    except click_errors.ClickException as e:
        # Usage errors keep click's own wording and exit 2.
        if as_json:
            _print_error(e.format_message(), None, ExitCode.USAGE, True)
        else:
            e.show()
        code = ExitCode.USAGE
    except typer.Abort:
        sys.stderr.write("binance-doctor: aborted\n")
        code = ExitCode.INTERNAL
    except KeyboardInterrupt:
        sys.stderr.write("binance-doctor: interrupted\n")
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: no tracebacks
        if State.debug:
            raise
        _print_error(f"internal error: {type(e).__name__}: {e}",
                     "rerun with --debug for the traceback, and report it", ExitCode.INTERNAL,
                     as_json)
        code = ExitCode.INTERNAL
    if argv is None:
        sys.exit(int(code))
    return int(code)
