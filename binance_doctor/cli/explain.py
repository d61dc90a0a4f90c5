"""`explain`: a code, a message, error JSON or any pasted text, explained."""

# No `from __future__ import annotations`: typer reads the commands' annotations with
# typing.get_type_hints, which compiles every one that is a string (start-up).

import re
import time
from typing import List, Optional

import typer

from binance_doctor.cli.root import (
    JsonOption,
    ProductOption,
    _product,
    app,
    click_errors,
    read_stdin,
)

EPILOG_EXPLAIN = """Examples:

  binance-doctor explain -2010

  binance-doctor explain 1021            (the sign may be dropped)

  binance-doctor explain -2026 --product usdm

  binance-doctor explain "Filter failure: LOT_SIZE"

  binance-doctor explain 418

  echo '{"code":-1021,"msg":"..."}' | binance-doctor explain

  python bot.py 2>&1 | tail -50 | binance-doctor explain -   (a traceback or log lines)
"""


_FLAGS = ("--json", "--help", "-h")
_VALUED = ("--product", "-p")


def literal_words(args: list[str]) -> list[str]:
    """`explain` arguments with its own options first and every other word after `--`.

    A pasted message can start with "-" ("-1003 Way too much request weight
    used; ..."): click would read it as a cluster of short options and find
    -h or -p inside it. Only explain's own options stay options.
    """
    at = args.index("explain")
    head, rest = args[:at + 1], args[at + 1:]
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            words.extend(rest[i + 1:])
            break
        if arg in _FLAGS or arg.startswith("--product="):
            options.append(arg)
        elif arg in _VALUED and i + 1 < len(rest):
            options.extend(rest[i:i + 2])
            i += 1
        else:
            words.append(arg)
        i += 1
    return head + options + (["--", *words] if words else [])


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
    from binance_doctor.errors import catalog, diagnosis
    from binance_doctor.errors import view as report
    from binance_doctor.output import render

    words = list(query or [])
    # A mistyped option (--jsn), not pasted text that starts with dashes (a PEM block).
    unknown = [w for w in words
               if w.startswith("--") and re.fullmatch(r"--[A-Za-z][\w-]*(?:=.*)?", w)]
    if unknown:
        raise click_errors.UsageError(f"No such option: {unknown[0]}")   # click's words
    text = " ".join(words)
    chosen = _product(product)
    if not words or text == "-":
        text = read_stdin(prompt=text == "-")
    # Pasted tracebacks, log lines and transcripts, on stdin or as an argument: the same
    # reader as scan finds every error in them.
    if not diagnosis.is_bare(text) and _write_pasted(text, chosen, as_json):
        return
    result = diagnosis.explain_text(catalog.load(), text, chosen, now=time.time())
    if as_json:
        render.write_json("explain", report.diagnosis_json(result))
    else:
        render.write(report.diagnosis_blocks(result))


def _write_pasted(text: str, product, as_json: bool) -> bool:
    """Pasted tracebacks, log lines and transcripts: find every error in them and write
    them; False when there is none."""
    from binance_doctor.errors import catalog, pasted as reading
    from binance_doctor.errors import view as report
    from binance_doctor.output import render

    pasted = reading.explain_pasted(catalog.load(), text, product, now=time.time())
    if not pasted:
        return False
    if as_json:
        render.write_json("explain", report.pasted_json(pasted))
    else:
        render.write(report.pasted_blocks(pasted))
    return True
