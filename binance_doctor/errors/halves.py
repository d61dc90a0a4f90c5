"""Reading one big plain file with two processes, to the very counts one gets.

Owns finding a split point where neither half's lines can change the other's
(no candidate line in the extractor's window before it), running the second
half in a forked process and merging its rows as if counted in order.
"""

from __future__ import annotations

import os
from typing import IO, Callable, Iterator

from binance_doctor.errors import chunks, extract, scan
from binance_doctor.errors.catalog import Catalog
from binance_doctor.errors.prefilter import CURL, lines
from binance_doctor.errors.scan import _Reader
from binance_doctor.errors.tally import (MAX_ROWS, Counter, _TEMPLATES, _Tally, _variant,
                                         joined)

_QUIET = extract.WINDOW + 2      # lines with no candidate before the split point
_LATE_ROWS = 4 * MAX_ROWS


def half_of(name: str, stream: IO[bytes]) -> int | None:
    """The offset a second process can read a plain file from: the line start nearest
    its middle with no candidate line in the extractor's window before it, so neither
    half's lines change the other's, and both halves take about as long."""
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
        if not stat.S_ISREG(st.st_mode) or st.st_size < scan.SPLIT_FROM \
                or st.st_size <= chunks.CHUNK or stream.tell() != 0:
            return None
    except (OSError, ValueError):
        return None
    # Nearest the middle first; a log dense with candidate lines (lines that say
    # "error" are candidates too) may have no quiet point near it, and then one
    # process reads it all. The first process's part is more than a chunk (and than
    # a paste), so its first chunk is the one one process reads first: the paste
    # reading and the binary check see what they see in one process.
    least = max(chunks.CHUNK, scan._WHOLE) + 1
    for near in _NEAR:
        split = _quiet_near(fd, st.st_size, st.st_size // 2, near, least)
        if split is not None:
            return split
    return None


_NEAR = (64 * 1024, 1024 * 1024, 8 * 1024 * 1024)   # at most 16 MiB read to look


def _quiet_near(fd: int, size: int, target: int, near: int, least: int) -> int | None:
    """The line start within `near` bytes of `target` and nearest it, from `least` on,
    that follows _QUIET lines the prefilter does not pick and curl -v did not write
    (at the file's start, fewer do). A line longer than a chunk is never quiet: the
    reader takes an endless line in pieces, and a piece's end is read as if the line
    ended there, so what a piece says can reach past the lines after it."""
    lo, hi = max(0, target - near), min(size, target + near)
    region = os.pread(fd, hi - lo, lo)
    first = 0 if lo == 0 else region.find(b"\n") + 1      # whole lines only
    last = region.rfind(b"\n") + 1
    if (lo and not first) or last <= first:
        return None
    body = region[first:last]
    picked = set(lines(body))
    best: tuple[int, int] | None = None
    quiet = _QUIET if lo == 0 else 0      # how many quiet lines end at `at`
    at = 0
    while True:
        split = lo + first + at
        if quiet >= _QUIET and least <= split < size:
            off = abs(split - target)
            if best is None or off < best[0]:
                best = (off, split)
            elif off > best[0]:
                break                           # past the target, moving away
        if at >= len(body):
            break
        nxt = body.find(b"\n", at) + 1
        quiet = 0 if at in picked or body.startswith(CURL, at) or nxt - at > chunks.CHUNK \
            else quiet + 1
        at = nxt
    return None if best is None else best[1]


def _from(fd: int, split: int) -> Iterator[bytes]:
    """The chunks of a file from `split` on, cut as one process cuts them: read from
    the chunk edge before `split`, with what comes before it dropped."""
    skip = split % chunks.CHUNK
    for chunk in chunks.whole_lines(_At(fd, split - skip)):
        if skip:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            chunk, skip = chunk[skip:], 0
        yield chunk


class _At:
    """Reads a file from an offset (up to `stop`) without moving the descriptor's
    shared position."""

    def __init__(self, fd: int, pos: int, stop: int | None = None) -> None:
        self.fd, self.pos, self.stop = fd, pos, stop

    def read(self, size: int) -> bytes:
        if self.stop is not None:
            size = max(0, min(size, self.stop - self.pos))
        data = os.pread(self.fd, size, self.pos)
        self.pos += len(data)
        return data


def scan_halves(catalog: Catalog, name: str, stream: IO[bytes], counter: Counter,
                 on_progress: Callable[[int], None] | None, split: int) -> tuple[int, int]:
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
            data = pickle.dumps(_second(catalog, name, fd, split, counter.binary_as_text),
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
        first.read(chunks.whole_lines(_At(fd, 0, split)), progress, close=False)
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
        return first.read(_from(fd, split), progress, first=False)
    first.read((), None, first=False)              # what waits for more lines ends here
    total, lines, errors, rows, late, binary = theirs
    counter.errors += errors
    counter.binary += binary
    # Its rows are kept by message with the values normalised: several can be one row
    # here (one template, "per 10 SECOND." and "per DAY."), so they are joined in the
    # order of their lines before they count after the first half's.
    mine: dict[tuple, _Tally] = {}
    for (product, code, status, v), tally in rows:
        template = None if v is None else _TEMPLATES.get(v) or _variant(catalog, late[v])
        tally.first = tally.first._replace(line=tally.first.line + first.lines)
        tally.last = tally.last._replace(line=tally.last.line + first.lines)
        key = (product, code, status, template)
        mine[key] = joined(mine[key], tally) if key in mine else tally
    for key, tally in mine.items():
        counter.merge(key, tally)
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


def _second(catalog: Catalog, name: str, fd: int, split: int, as_text: bool = False) \
        -> tuple | None:
    """The second half, counted with lines numbered from the split and rows kept by
    the message with its values normalised (the first process picks the templates)."""
    counter = Counter(catalog, limit=_LATE_ROWS)
    counter.binary_as_text = as_text
    late: dict[str, str | None] = {}
    reader = _Reader(catalog, name, counter, None, late=late)
    total, lines = reader.read(_from(fd, split), None, first=False)
    if counter.other:
        return None
    return total, lines, counter.errors, list(counter.rows.items()), late, counter.binary

