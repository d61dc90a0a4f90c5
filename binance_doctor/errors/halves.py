"""Reading one big plain file with two processes, to the very counts one gets.

Owns finding a split point where neither half's lines can change the other's
(no candidate line in the extractor's window before it), running the second
half in a forked process and merging its rows as if counted in order.
"""

from __future__ import annotations

import os
from typing import IO, Callable

from binance_doctor.errors import chunks, extract, scan
from binance_doctor.errors.catalog import Catalog
from binance_doctor.errors.prefilter import CURL, lines
from binance_doctor.errors.scan import _Reader
from binance_doctor.errors.tally import MAX_ROWS, Counter, _TEMPLATES, _variant

_QUIET = extract.WINDOW + 2      # lines with no candidate before the split point
_TAIL = 256 * 1024
_LATE_ROWS = 4 * MAX_ROWS


def half_of(name: str, stream: IO[bytes]) -> tuple[int, int] | None:
    """(k, offset) when a second process can read a plain file from `offset` on, at
    the chunk edge before chunks.CHUNK read `k`: a point with no candidate line in the
    extractor's window before it, so neither half's lines change the other's."""
    import io
    import stat

    if name == "-" or not hasattr(os, "fork") or not isinstance(stream, io.BufferedReader):
        return None
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(
        os.cpu_count() or 1)
    if len(cpus) < 2:
        return None
    try:
        fd = stream.fileno()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size < scan.SPLIT_FROM or stream.tell() != 0:
            return None
    except (OSError, ValueError):
        return None
    blocks = -(-st.st_size // chunks.CHUNK)
    mid = blocks // 2
    # Try up to 64 edges, nearest the middle first: in a log dense with candidate lines
    # (lines that say "error" are candidates too) few edges are quiet.
    for k in sorted(range(1, blocks), key=lambda k: (abs(k - mid), k))[:64]:
        end = k * chunks.CHUNK
        start = max((k - 1) * chunks.CHUNK, end - _TAIL)
        head = os.pread(fd, end - start, start)
        cut = head.rfind(b"\n")
        if cut >= 0 and _quiet(head[:cut + 1], at_start=start == 0):
            return k, start + cut + 1
    return None


def _quiet(head: bytes, at_start: bool) -> bool:
    """Whether the last _QUIET lines of `head` hold no line the prefilter could pick."""
    pos = len(head) - 1
    for _ in range(_QUIET):
        pos = head.rfind(b"\n", 0, pos)
        if pos < 0:
            if not at_start:
                return False
            break
    region = head[pos + 1:]
    if lines(region):
        return False
    at = 0
    while at < len(region):
        if region.startswith(CURL, at):
            return False
        at = region.find(b"\n", at) + 1
    return True


class _At:
    """Reads a file from an offset without moving the descriptor's shared position."""

    def __init__(self, fd: int, pos: int) -> None:
        self.fd, self.pos = fd, pos

    def read(self, size: int) -> bytes:
        data = os.pread(self.fd, size, self.pos)
        self.pos += len(data)
        return data


def scan_halves(catalog: Catalog, name: str, stream: IO[bytes], counter: Counter,
                 on_progress: Callable[[int], None] | None, k: int, split: int) \
        -> tuple[int, int]:
    import pickle

    fd = stream.fileno()
    size = os.fstat(fd).st_size
    _warm(catalog)
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the second process: no way back
        status = 1
        try:
            os.close(rd)
            data = pickle.dumps(_second(catalog, name, fd, k, split, counter.binary_as_text),
                                protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(wr, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(wr)
    reaped = False
    try:
        first = _Reader(catalog, name, counter, None)
        progress = (lambda done: on_progress(done * size // split)) if on_progress else None
        first.read(chunks.whole_lines(stream, blocks=k), progress, close=False)
        with os.fdopen(rd, "rb") as inp:
            rd = -1
            data = inp.read()
        os.waitpid(pid, 0)
        reaped = True
        theirs = pickle.loads(data) if data else None
    finally:
        if rd >= 0:
            os.close(rd)
        if not reaped:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    if theirs is None or len(_TEMPLATES) + len(theirs[4]) > 10000:
        # The second process could not say it exactly (too many kinds): read on here.
        rest = os.pread(fd, k * chunks.CHUNK - split, split)
        return first.read(chunks.whole_lines(stream, rest=rest), progress, first=False)
    first.read((), None, first=False)              # what waits for more lines ends here
    total, lines, errors, rows, late, binary = theirs
    counter.errors += errors
    counter.binary += binary
    for (product, code, status, v), tally in rows:
        template = None if v is None else _TEMPLATES.get(v) or _variant(catalog, late[v])
        tally.first = tally.first._replace(line=tally.first.line + first.lines)
        tally.last = tally.last._replace(line=tally.last.line + first.lines)
        counter.merge((product, code, status, template), tally)
    return first.total + total, first.lines + lines


def _warm(catalog: Catalog) -> None:
    """Build what both processes read by once, before the fork: the prefilter's engine,
    the wording index, the numbers in wordings and malloc's settings (the second
    process shares them)."""
    from binance_doctor.errors import wording

    lines(b"\n")
    chunks.keep_memory()
    wording.index(catalog)
    scan._code_run(b"0000")


def _second(catalog: Catalog, name: str, fd: int, k: int, split: int,
            as_text: bool = False) -> tuple | None:
    """The second half, counted with lines numbered from the split and rows kept by
    the message with its values normalised (the first process picks the templates)."""
    counter = Counter(catalog, limit=_LATE_ROWS)
    counter.binary_as_text = as_text
    late: dict[str, str | None] = {}
    reader = _Reader(catalog, name, counter, None, late=late)
    rest = os.pread(fd, k * chunks.CHUNK - split, split)
    total, lines = reader.read(chunks.whole_lines(_At(fd, k * chunks.CHUNK), rest=rest), None, first=False)
    if counter.other:
        return None
    return total, lines, counter.errors, list(counter.rows.items()), late, counter.binary

