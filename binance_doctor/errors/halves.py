"""Reading one big plain file with two processes, to the very counts one gets.

Owns cutting the file into pieces where no piece's lines can change another's (no
candidate line in the extractor's window before a cut), sharing the pieces out
between this process and a forked one as each finishes its last (a core slowed by
other work then reads less of the file), and merging the pieces' rows in the file's
order, as if one process had counted them.
"""

from __future__ import annotations

import os
from typing import IO, Callable, Iterator

from binance_doctor.errors import chunks, extract, scan, tally
from binance_doctor.errors.catalog import Catalog
from binance_doctor.errors.prefilter import CURL, lines
from binance_doctor.errors.scan import _Reader
from binance_doctor.errors.tally import (MAX_ROWS, Counter, _Seen, _TEMPLATES, _Tally,
                                         joined, template_of)

_QUIET = extract.WINDOW + 2      # lines with no candidate before a cut
_LATE_ROWS = 4 * MAX_ROWS


class Pieces:
    """The pieces of one file. Piece i starts at the first quiet line start in the
    chunk after its target (`_targets`), and a piece with none there is part of the
    one before. Each process finds the starts it needs itself, the same way, so
    none waits for another to be told."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size
        self.targets = _targets(size)
        self._starts: dict[int, int | None] = {0: 0}

    def __len__(self) -> int:
        return len(self.targets) + 1

    def start(self, i: int) -> int | None:
        if i not in self._starts:
            at = self.targets[i - 1]
            gap = (self.targets[i] if i < len(self.targets) else self.size) - at
            # A short look first: in most logs a quiet run starts within a few lines.
            found = _quiet_after(self.fd, self.size, at, chunks.CHUNK // 64)
            if found is None:
                found = _quiet_after(self.fd, self.size, at, min(chunks.CHUNK, gap))
            self._starts[i] = found
        return self._starts[i]

    def span(self, i: int) -> tuple[int, int] | None:
        """Where piece i starts and ends, or None when it is part of the one before."""
        start = self.start(i)
        if start is None:
            return None
        end = next((s for j in range(i + 1, len(self)) if (s := self.start(j)) is not None),
                   self.size)
        return start, end


def _targets(size: int) -> list[int]:
    """Where the pieces after the first start, about: a quarter of what is left each,
    two chunks at the least, so the last ones are small and the two processes end
    together. The first piece is more than a chunk (and than a paste), so its first
    chunk is the one one process reads first: the paste reading and the binary check
    see what they see in one process."""
    least, step = max(chunks.CHUNK, scan._WHOLE) + 1, 2 * chunks.CHUNK
    out: list[int] = []
    at = 0
    while True:
        at = max(at + max((size - at) // 4, step), least)
        if size - at < step or len(out) >= 250:          # a piece's number is one byte
            return out
        out.append(at)


def pieces_of(name: str, stream: IO[bytes]) -> Pieces | None:
    """The pieces two processes can read a plain file in, or None: one process reads
    it (stdin, a .gz, a small file, one core, or no quiet place to cut it)."""
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
    pieces = Pieces(fd, st.st_size)
    # A log dense with candidate lines (lines that say "error" are candidates too) may
    # have no quiet place at all: then one process reads it all.
    if not any(pieces.start(i) is not None for i in range(1, len(pieces))):
        return None
    return pieces


def _quiet_after(fd: int, size: int, at: int, span: int) -> int | None:
    """The first line start in [at, at + span) that follows _QUIET whole lines of that
    span the prefilter does not pick and curl -v did not write. `span` is at most a
    chunk, so a line longer than one is never among them: the reader takes an endless
    line in pieces, and a piece's end is read as if the line ended there, so what a
    piece says reaches the lines after it (the window's, fewer than _QUIET)."""
    region = os.pread(fd, min(span, size - at), at)
    first = region.find(b"\n") + 1                       # whole lines only
    last = region.rfind(b"\n") + 1
    if not first or last <= first:
        return None
    body = region[first:last]
    picked = set(lines(body))
    quiet = 0                             # how many quiet lines end at `line`
    line = 0
    while line < len(body):
        nxt = body.find(b"\n", line) + 1
        quiet = 0 if line in picked or body.startswith(CURL, line) else quiet + 1
        line = nxt
        if quiet >= _QUIET and at + first + line < size:
            return at + first + line
    return None


def _from(fd: int, split: int, stop: int | None = None) -> Iterator[bytes]:
    """The chunks of a file from `split` on (to `stop`, a line start), cut as one
    process cuts them: read from the chunk edge before `split`, with what comes before
    it dropped."""
    skip = split % chunks.CHUNK
    for chunk in chunks.whole_lines(_At(fd, split - skip, stop)):
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


def scan_pieces(catalog: Catalog, name: str, counter: Counter,
                on_progress: Callable[[int], None] | None, pieces: Pieces) -> tuple[int, int]:
    """Read the pieces in two processes into `counter`; (bytes, lines) as one reads.
    This process reads the first piece and the other takes the next; then each takes
    the next piece not taken yet (its number, one byte from a pipe both read). When
    the other process cannot be started or says nothing whole, one reads it all."""
    import pickle

    fd = pieces.fd
    _warm(catalog)
    opened: list[int] = []
    try:
        taken, give = os.pipe()
        opened += (taken, give)
        os.write(give, bytes(range(1, len(pieces))))      # fewer than 256 pieces, one write
        os.close(give)
        opened.remove(give)
        rd, wr = os.pipe()
        opened += (rd, wr)
        parent = os.getpid()
        pid = os.fork()
    except OSError:             # no pipe or process to be had (a limit, no memory)
        for one in opened:
            os.close(one)
        return _alone(catalog, name, counter, on_progress, fd)
    if pid == 0:                                   # the second process: no way back
        status = 1
        try:
            os.close(rd)
            _die_with()
            reader = _Reader(catalog, name, Counter(catalog), None)
            done = _read(reader, pieces, _next(taken, parent), taken, counter.binary_as_text,
                         None, parent)
            data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(wr, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(wr)
    reaped = False
    try:
        reader = _Reader(catalog, name, Counter(catalog), None)
        mine = _read(reader, pieces, 0, taken, counter.binary_as_text, on_progress)
        with os.fdopen(rd, "rb") as inp:
            rd = -1
            data = inp.read()
        try:
            _, status = os.waitpid(pid, 0)
            ok = os.waitstatus_to_exitcode(status) == 0
        except ChildProcessError:     # SIGCHLD ignored (inherited): reaped unseen
            ok = True                 # its answer, whole, is its word
        reaped = True
        theirs = None
        if data and ok:
            try:
                theirs = pickle.loads(data)
            except Exception:       # noqa: BLE001 - cut short: read here instead
                theirs = None
    finally:
        os.close(taken)
        if rd >= 0:
            os.close(rd)
        if not reaped:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass                  # gone already (SIGCHLD ignored: reaped unseen)
    done = dict(mine + (theirs or []))
    # Templates are remembered for so many variants (`tally._variant`), then forgotten
    # all at once: one process would forget at a place the merge cannot tell. A variant
    # in many pieces is one variant.
    new = set().union(*(d[4] for d in done.values() if d is not None)) - _TEMPLATES.keys()
    if theirs is None or None in done.values() or \
            len(_TEMPLATES) + len(new) > tally.TEMPLATES_KEPT:
        # A piece could not be said exactly (too many kinds), or the other process
        # said nothing whole: one process reads it all.
        return _alone(catalog, name, counter, on_progress, fd)
    return _merged(catalog, counter, [done[i] for i in sorted(done)])


def _alone(catalog: Catalog, name: str, counter: Counter,
           on_progress: Callable[[int], None] | None, fd: int) -> tuple[int, int]:
    return _Reader(catalog, name, counter, None).read(chunks.whole_lines(_At(fd, 0)),
                                                      on_progress)


def _die_with() -> None:
    """Have Linux end this (second) process when the first ends (killed, interrupted):
    nobody would read what it says. Elsewhere it stops between pieces; and if the first
    ended before this took hold, it stops before its first (`_next`)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)           # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError, ValueError):
        pass


def _next(taken: int, parent: int | None = None) -> int | None:
    """The next piece nobody has taken, or None. The second process (`parent` given)
    stops when the first is gone: nobody would read what it says."""
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    got = os.read(taken, 1)
    return got[0] if got else None


def _read(reader: _Reader, pieces: Pieces, i: int | None, taken: int, as_text: bool,
          on_progress: Callable[[int], None] | None, parent: int | None = None
          ) -> list[tuple[int, tuple | None]]:
    """Read piece i, then each next piece taken, into a list of (piece, what it holds)."""
    done: list[tuple[int, tuple | None]] = []
    before = 0
    while i is not None:
        span = pieces.span(i)
        if span is not None:
            start, end = span
            progress = None
            if on_progress is not None:
                # About as much as this process reads is read by the other meanwhile.
                progress = (lambda n, b=before: on_progress(min(pieces.size, 2 * (b + n))))
            done.append((i, _piece(reader, pieces.fd, start, end, as_text, progress)))
            before += end - start
        i = _next(taken, parent)
    return done


def _piece(reader: _Reader, fd: int, start: int, end: int, as_text: bool,
           on_progress: Callable[[int], None] | None) -> tuple | None:
    """One piece, counted with lines numbered from its start and rows kept by the
    message with its values normalised (the templates are picked in the file's order
    when the pieces are merged); None when it holds too many kinds to say exactly.
    The reader keeps what it learnt of line shapes from piece to piece."""
    counter = Counter(reader.catalog, limit=_LATE_ROWS)
    counter.binary_as_text = as_text
    late: dict[str, str | None] = {}
    reader.restart(counter, late)
    read = chunks.whole_lines(_At(fd, 0, end)) if start == 0 else _from(fd, start, end)
    total, lines = reader.read(read, on_progress, first=start == 0)
    if counter.other:
        return None
    # What template each variant's first message here fills in, found here while the
    # other process reads on, so the merge only picks, in the file's order (the
    # catalog remembers the messages it matched: the same first message opens many
    # pieces). Not for a piece of many variants: the merge finds those it needs (each
    # piece would look up every variant again).
    templates = None
    if len(late) <= _FOUND_HERE:
        templates = {v: template_of(reader.catalog, m, v) for v, m in late.items()}  # type: ignore
    return (total, lines, counter.errors, list(counter.rows.items()), late, counter.binary,
            templates)


_FOUND_HERE = 512


def _merged(catalog: Catalog, counter: Counter, done: list[tuple]) -> tuple[int, int]:
    """The pieces' counts added to `counter` in the file's order, as one process adds
    them; (bytes, lines) of them all."""
    total = before = 0
    for size, n, errors, rows, late, binary, templates in done:
        counter.errors += errors
        counter.binary += binary
        # A piece's rows are kept by message with the values normalised: several can be
        # one row here (one template, "per 10 SECOND." and "per DAY."), so they are
        # joined in the order of their lines before they count after the pieces before.
        mine: dict[tuple, _Tally] = {}
        for (product, code, status, v), row in rows:
            # The first piece to hold a variant decides its template, as its first
            # message does in one process (`_variant`).
            template = None if v is None else _TEMPLATES.get(v)
            if template is None and v is not None:
                template = _TEMPLATES[v] = templates[v] if templates is not None else \
                    template_of(catalog, late[v], v)  # type: ignore[arg-type]
            if before:
                first, last = row.first, row.last
                row.first = _moved(first, before)
                row.last = row.first if last is first else _moved(last, before)
            key = (product, code, status, template)
            mine[key] = joined(mine[key], row) if key in mine else row
        for key, row in mine.items():
            counter.merge(key, row)
        total += size
        before += n
    return total, before


def _moved(seen: _Seen, lines: int) -> _Seen:
    """`seen` with its line `lines` on (NamedTuple's own _replace: ~4x slower)."""
    return _new_tuple(_Seen, (*seen[:2], seen.line + lines, *seen[3:]))


_new_tuple = tuple.__new__


def _warm(catalog: Catalog) -> None:
    """Build what both processes read by once, before the fork: the prefilter's engine,
    the wording index, the numbers in wordings and malloc's settings (the second
    process shares them)."""
    from binance_doctor.errors import wording

    lines(b"\n")
    chunks.keep_memory()
    wording.index(catalog)
    scan._code_run(b"0000")
