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
) -> None:
    """Count the Binance errors in logs of any size: by product, code and message."""
    import json

    from binance_doctor.errors import catalog
    from binance_doctor.errors import scan as core
    from binance_doctor.errors import view as report
    from binance_doctor.failure import NoErrorFound
    from binance_doctor.output import render

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
