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
        if not _bare(text):
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


def _bare(text: str) -> bool:
    """A lone code or a lone JSON error body: explained exactly as before extraction."""
    text = text.strip()
    if text.lstrip("+-").isdigit():
        return True
    if text.startswith("{") and text.endswith("}"):
        import json

        try:
            return isinstance(json.loads(text), dict)
        except ValueError:
            return False
    return False


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


# -- commands added by later features go above this line, one block each --


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
