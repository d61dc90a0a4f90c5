"""`scan`: count the Binance errors in logs of any size."""

from __future__ import annotations

import os
import sys
import time
from typing import List

import typer

from binance_doctor.cli.root import JsonOption, app


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
    binary_as_text: bool = typer.Option(
        False, "--binary-as-text",
        help="Read files that look binary as text (NUL runs are skipped and counted anyway)."),
) -> None:
    """Count the Binance errors in logs of any size: by product, code and message."""
    import json

    from binance_doctor.errors import catalog
    from binance_doctor.errors import scan as core
    from binance_doctor.errors import view as report
    from binance_doctor.failure import (DoctorError, ExitCode, NoErrorFound, OutputFailed,
                                        ReaderGone)
    from binance_doctor.output import render

    cat = catalog.load()
    counter = core.Counter(cat)
    counter.binary_as_text = binary_as_text
    on_hit = None
    if as_jsonl:
        def on_hit(hit) -> None:
            sys.stdout.write(json.dumps({"schema": render.JSON_SCHEMA, **report.hit_json(hit)},
                                        ensure_ascii=False) + "\n")
    size = lines = 0
    read_ok: list[str] = []
    unreadable: list[tuple[str, DoctorError]] = []
    try:
        for name in files:
            # One bad input is named on stderr; the others are still scanned.
            try:
                stream = core.open_input(name, sys.stdin.buffer if name == "-" else None)
            except DoctorError as e:
                unreadable.append((name, e))
                continue
            try:
                read, n = core.scan(cat, name, stream, counter, on_hit,
                                    _progress(name, stream))
                size += read
                lines += n
                read_ok.append(name)
            except OutputFailed:         # --jsonl's output, not this input
                raise
            except DoctorError as e:
                unreadable.append((name, e))
            finally:
                if name != "-":
                    stream.close()
    except ReaderGone:
        # `scan --jsonl | head`: the reader has all it wants; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    if len(unreadable) == len(files) == 1:
        raise unreadable[0][1]
    for _, error in unreadable:
        _warn(error)
    if not read_ok:
        raise DoctorError(
            f"none of the {len(files)} inputs could be read", hint="each is named above",
            exit_code=unreadable[0][1].exit_code)
    summary = counter.summary(tuple(read_ok), size, lines)
    skipped = (f"; {summary.binary} NUL bytes were skipped" if summary.binary else "")
    if not summary.errors:
        failure = NoErrorFound(f"no Binance error found in {lines} lines of "
                               f"{', '.join(read_ok)}{skipped}",
                               hint="scan looks for error JSON, client exceptions and 4xx/5xx "
                                    "responses; see `binance-doctor explain --help`")
        if unreadable:
            failure.exit_code = ExitCode.SOME_INPUTS_UNREADABLE
        raise failure
    if not as_jsonl:
        if as_json:
            payload = report.scan_json(summary)
            payload["unreadable"] = [{"file": name, "reason": e.message, "exit_code": int(
                e.exit_code)} for name, e in unreadable]
            render.write_json("scan", payload, ok=not unreadable)
        else:
            render.write(report.scan_blocks(summary))
    if unreadable:
        raise typer.Exit(int(ExitCode.SOME_INPUTS_UNREADABLE))


def _warn(error) -> None:
    sys.stderr.write(f"binance-doctor: error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  hint: {error.hint}\n")


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
