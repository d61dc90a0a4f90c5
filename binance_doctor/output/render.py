"""Writing results for people (plain text or rich) and for machines (JSON).

Plain text is used whenever stdout is not a terminal, so pipes and logs get
no escape codes and rich is never imported on that path (it costs more start
-up time than the whole catalog lookup). Terminals get rich; NO_COLOR keeps
the layout and drops the colour. JSON output is one versioned envelope,
documented in the README.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any, Callable, Iterable

from binance_doctor import __version__
from binance_doctor.output.document import Block, Field, Heading, Items, Section, Table, Text, Tone

JSON_SCHEMA = "binance-doctor/1"
_LABEL_WIDTH = 14
_TONE_STYLE = {Tone.PLAIN: "", Tone.OK: "green", Tone.WARN: "yellow",
               Tone.BAD: "red", Tone.INFO: "cyan"}
_TONE_MARK = {Tone.OK: "✓ ", Tone.BAD: "✗ ", Tone.WARN: "! "}


def envelope(command: str, result: Any, ok: bool = True) -> dict:
    """The JSON envelope every command prints with --json."""
    return {"schema": JSON_SCHEMA, "version": __version__, "command": command,
            "ok": ok, "result": result}


def write_json(command: str, result: Any, ok: bool = True, file: IO[str] | None = None) -> None:
    import json      # plain output, the common case, does without it

    out = file or sys.stdout
    json.dump(envelope(command, result, ok), out, indent=2, ensure_ascii=False)
    out.write("\n")


def show(command: str, as_json: bool, subject: Any, to_json: Callable[[Any], Any],
         blocks: Callable[[Any], Iterable[Block]], ok: bool = True) -> None:
    """A command's one output step: `subject` as the JSON envelope or as blocks."""
    if as_json:
        write_json(command, to_json(subject), ok=ok)
    else:
        write(blocks(subject))


class Options:
    """How output looks, set once per run from --color and --no-pager (cli/main.py)."""

    color = "auto"        # auto, always, never
    pager = True          # page long output on a terminal


COLOR_CHOICES = ("auto", "always", "never")


def _isatty(file: IO[str]) -> bool:
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


def color_mode() -> str:
    """always or never for --color auto: FORCE_COLOR forces colour, NO_COLOR drops it
    (https://force-color.org, https://no-color.org); otherwise "auto" stays."""
    if Options.color != "auto":
        return Options.color
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return "always"
    if os.environ.get("NO_COLOR"):
        return "never"
    return "auto"


def use_rich(file: IO[str]) -> bool:
    """Rich for a terminal (TERM=dumb means plain), or anywhere with colour forced."""
    if color_mode() == "always":
        return True
    return _isatty(file) and os.environ.get("TERM") != "dumb"


def write(blocks: Iterable[Block], file: IO[str] | None = None) -> None:
    out = file or sys.stdout
    blocks = list(blocks)
    if not use_rich(out):
        out.write(plain(blocks))
        return
    import io

    from rich.console import Console

    mode = color_mode()
    tty = _isatty(out)
    width = Console(file=out).width if tty else 100
    if _longest_word(blocks) > width - _RICH_INDENT:
        # Plain lines are never cut: a value meant to be copied (a curl line, a signed
        # payload) that rich could only show with "…" makes the whole screen plain.
        out.write(plain(blocks))
        return
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=tty or mode == "always",
                      no_color=mode == "never", highlight=False, width=width,
                      color_system="auto" if tty else "standard")
    write_rich(blocks, console)
    text = buffer.getvalue()
    if not (tty and Options.pager and page(text, out)):
        out.write(text)


_RICH_INDENT = 24      # label column, panel borders and padding around a value


def _longest_word(blocks: Iterable[Block]) -> int:
    """The longest run without spaces in any value: what rich would have to cut."""
    longest = 0
    for block in blocks:
        if isinstance(block, Section):
            texts: tuple[str, ...] = (block.title, block.subtitle or "")
            longest = max(longest, _longest_word(block.blocks))
        elif isinstance(block, Field):
            texts = (block.value,)
        elif isinstance(block, (Text, Heading)):
            texts = (block.text,)
        elif isinstance(block, Items):
            texts = tuple(block.items)
        else:
            continue
        longest = max([longest, *(len(w) for t in texts for w in t.split())])
    return longest


def _terminal_rows(out: IO[str]) -> int:
    try:
        return os.get_terminal_size(out.fileno()).lines
    except (AttributeError, OSError, ValueError):
        return 24


def page(text: str, out: IO[str]) -> bool:
    """Show text longer than the terminal through $BINANCE_DOCTOR_PAGER or $PAGER (default
    `less -FRX`), as git and gh do; False when it fits or no pager runs, so the caller
    writes it. What goes to the pager passes the same secret mask as stdout."""
    if text.count("\n") < _terminal_rows(out):
        return False
    import shlex
    import shutil
    import subprocess

    from binance_doctor.output.mask import MaskedStream

    command = os.environ.get("BINANCE_DOCTOR_PAGER", os.environ.get("PAGER", "less -FRX"))
    argv = shlex.split(command)
    if not argv or argv[0] == "cat" or shutil.which(argv[0]) is None:
        return False
    out.flush()
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, text=True,
                                encoding="utf-8", errors="replace")
    except OSError:
        return False
    assert proc.stdin is not None
    from binance_doctor import failure

    stream = MaskedStream(proc.stdin)
    try:
        stream.write(text)
        stream.flush()
        proc.stdin.close()
    except (BrokenPipeError, failure.ReaderGone):    # the reader quit early (q in less)
        pass
    proc.wait()
    return True


# -- plain text ---------------------------------------------------------------

def plain(blocks: Iterable[Block], indent: int = 0) -> str:
    lines: list[str] = []
    _plain_into(list(blocks), lines, indent)
    return "".join(line.rstrip() + "\n" for line in lines)


def _mark(tone: Tone) -> str:
    return _TONE_MARK.get(tone, "")


def _label_widths(blocks: list[Block]) -> list[int]:
    """Per block, the label column of its run of consecutive fields (so runs align)."""
    widths = [_LABEL_WIDTH] * len(blocks)
    start = 0
    while start < len(blocks):
        end = start
        while end < len(blocks) and isinstance(blocks[end], Field):
            end += 1
        if end > start:
            width = max(_LABEL_WIDTH, max(len(b.label) + 2 for b in blocks[start:end]))
            widths[start:end] = [width] * (end - start)
        start = end + 1
    return widths


def _plain_into(blocks: list[Block], lines: list[str], indent: int) -> None:
    pad = " " * indent
    widths = _label_widths(blocks)
    for block, width in zip(blocks, widths):
        if isinstance(block, Heading):
            lines.append(pad + _mark(block.tone) + block.text)
        elif isinstance(block, Text):
            lines.append(pad + _mark(block.tone) + block.text)
        elif isinstance(block, Field):
            label = (block.label + " ").ljust(width)
            lines.append(f"{pad}{label}{_mark(block.tone)}{block.value}")
        elif isinstance(block, Items):
            lines.append(pad + block.label)
            for i, item in enumerate(block.items, 1):
                bullet = f"{i}." if block.numbered else "-"
                lines.append(f"{pad}  {bullet} {item}")
        elif isinstance(block, Table):
            lines.extend(_plain_table(block, pad))
        elif isinstance(block, Section):
            if lines and lines[-1].strip():
                lines.append("")
            title = _mark(block.tone) + block.title
            lines.append(pad + title)
            if block.subtitle:
                lines.append(pad + block.subtitle)
            _plain_into(list(block.blocks), lines, indent + 2)


def _plain_table(table: Table, pad: str) -> list[str]:
    rows = [table.columns] + [tuple(r) for r in table.rows]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(table.columns))]

    def line(row: tuple[str, ...]) -> str:
        return pad + "  ".join(str(c).ljust(w) for c, w in zip(row, widths))

    out = [pad + table.title] if table.title else []
    out.append(line(table.columns))
    out.append(pad + "  ".join("-" * w for w in widths))
    out.extend(line(r) for r in table.rows)
    return out


# -- rich -----------------------------------------------------------------------

def write_rich(blocks: list[Block], console: Any) -> None:
    for renderable in _rich_renderables(blocks):
        console.print(renderable)


def _rich_renderables(blocks: list[Block]) -> list[Any]:
    from rich.panel import Panel
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    out: list[Any] = []
    fields: list[Field] = []

    def flush() -> None:
        if fields:
            grid = RichTable.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column()
            for f in fields:
                grid.add_row(f.label, RichText(_mark(f.tone) + f.value,
                                               style=_TONE_STYLE[f.tone]))
            out.append(grid)
            fields.clear()

    for block in blocks:
        if isinstance(block, Field):
            fields.append(block)
            continue
        flush()
        if isinstance(block, Heading):
            out.append(RichText(_mark(block.tone) + block.text,
                                style=("bold " + _TONE_STYLE[block.tone]).strip()))
        elif isinstance(block, Text):
            out.append(RichText(_mark(block.tone) + block.text, style=_TONE_STYLE[block.tone]))
        elif isinstance(block, Items):
            grid = RichTable.grid(padding=(0, 1))
            grid.add_column(no_wrap=True, justify="right", min_width=4)
            grid.add_column()
            for i, item in enumerate(block.items, 1):
                grid.add_row(f"{i}." if block.numbered else "•", item)
            out.append(Group(RichText(block.label, style="bold"), grid))
        elif isinstance(block, Table):
            table = RichTable(title=block.title, show_lines=False, header_style="bold")
            for col in block.columns:
                table.add_column(col, overflow="fold")
            for i, row in enumerate(block.rows):
                tone = block.tones[i] if i < len(block.tones) else Tone.PLAIN
                table.add_row(*[str(c) for c in row], style=_TONE_STYLE[tone] or None)
            out.append(table)
        elif isinstance(block, Section):
            body = Group(*_rich_renderables(list(block.blocks)))
            out.append(Panel(body, title=_mark(block.tone) + block.title,
                             title_align="left", subtitle=block.subtitle,
                             subtitle_align="left",
                             border_style=_TONE_STYLE[block.tone] or "blue"))
    flush()
    return out

