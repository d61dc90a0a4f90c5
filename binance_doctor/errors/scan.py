"""Scanning logs of any size for Binance errors, and counting them.

Owns the streaming: files (plain or gzip) are read in large binary chunks, a
cheap literal prefilter picks the few lines that could hold an error, and
only those reach the extractor (a small input is read whole, as `explain`
reads a paste). State is bounded (a capped table of rows and the extractor's
small window), so memory stays flat on any log size. Counting lives in
`tally`; lines' own timestamps (first and last seen) in `timestamps`.

Speed, without changing a count: in summary mode a line whose shape (see
`_shape`) was read before, in a quiet context, is not read again: only its
message and time are taken from it. A quiet context is an idle extractor, or
one where only a status waits for its body and the line has a code of its own
or states no status (it can neither be that body nor end the wait); a line that
states a status and nothing else is replayed as the status it left waiting
(`Reader.waits`). A big plain file is read by two processes (`halves`), in pieces
cut where no piece's lines can change another's.
"""

from __future__ import annotations

import gzip
import itertools
import re
from typing import IO, Callable, Iterable

from binance_doctor.errors import chunks, extract, prefilter
from binance_doctor.errors.catalog import Catalog
from binance_doctor.errors.recall import JAVA_REASONS, REASONS
from binance_doctor.errors.tally import (_SNIPPET, _TEMPLATES, Counter, Hit, Row, Summary, _documented,
                                         _Seen, _variant, row_of, variant)
from binance_doctor.errors.timestamps import _timer, timestamp
from binance_doctor.failure import BadInput, ExitCode
from binance_doctor.output import mask
from binance_doctor.pattern import compiled

__all__ = ["Counter", "Hit", "NoSuchFile", "Row", "Summary", "open_input", "scan", "timestamp",
           "variant"]

SPLIT_FROM = 64 * 1024 * 1024   # plain files this big are read by two processes

_WHOLE = 64 * 1024             # inputs this small skip the prefilter
_NEWLINE = compiled(rb"\n")

# Line shapes. Lines of one shape yield the same errors from the extractor; only
# their messages and times can differ, and those are read from each line. Digits
# are what varies from line to line (times, ids, amounts), and most of them cannot
# change what the extractor reads: a shape is the line with every digit set to 0
# (its skeleton), plus the digits the extractor does read by value, at places the
# skeleton fixes: a run after a '-' that no digit precedes (a code, never a date);
# a run of one digit (a code 0, "<H1>"); a run of exactly 3 digits after '(' (the
# connector's "(400, -1021, ..."); and the kind of first digit (4, 5 or another) of a
# longer run after ' ' or '(' (the gates " 4", "(5", ...). Any other run of exactly
# 3 digits (though after ',' or '.', milliseconds mostly, only when a status phrase
# follows: "503 Service Unavailable") is read by value only when it can be a status
# (4xx, 5xx) or a catalog wording holds it: a count, a port or an errno of 3 digits
# yields what any other does, so such runs key by `_status_run`. A run of 4, 5, 6 or 9
# digits elsewhere is read as a code only when it is one (either sign) and matched
# as text only when a catalog wording holds it (or a longer run it begins): any
# other value yields what any other does, so such runs key by `_code_run`.
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_RUN = compiled(rb"[0-9]+")
# Every reason phrase the extractor reads a status with (recall's own list), also in
# parentheses ("429 (Too Many Requests)"), and Java's HttpStatus names.
_PHRASE = compiled(f"(?i) \\(?(?:{REASONS}|{JAVA_REASONS})\\b".encode())
_NONE = object()
_SHAPE_MAX = 2048            # longer lines are read in full every time
_SHAPES = 4096               # shapes remembered


def _shape(line: bytes) -> Callable[[bytes], tuple] | None:
    """What takes from any line of this one's skeleton its key: the digits read by
    value, the kinds of first digits (4, 5 or another), the runs read by value only
    when `_code_run` keeps them, and the runs of 3 digits read by value only when
    `_status_run` keeps them."""
    # A code 0 counts only with this text, and then 0 and 00 must differ: no shape.
    if len(line) > _SHAPE_MAX or b"restricted location" in line:
        return None
    values, kinds, runs, threes = [], [], [], []
    for m in _RUN.finditer(line):
        start, end = m.span()
        before = line[start - 1:start]
        size = end - start
        if (before == b"-" and not line[start - 2:start - 1].isdigit()) or size == 1 \
                or size == 3 and before == b"(":       # (400, -1021, ...: read as it is
            values.append(slice(start, end))
        elif size == 3 and (before not in (b".", b",") or _PHRASE.match(line, end)):
            threes.append(slice(start, end))
        elif size in (4, 5, 6, 9) and before not in (b".", b","):   # Code:3045 too
            # 4, 5: a code that lost its sign (code=2010); 6, 9: the positive codes.
            runs.append(slice(start, end))
        elif before in (b" ", b"("):
            kinds.append(slice(start, start + 1))
    # One function per shape, its slices written out: a key is taken from every
    # candidate line of a big log, and one call with constant slices costs a third of
    # four calls over itemgetters. Only integers go into the source.
    parts = [f"line[{s.start}:{s.stop}]" for s in values]
    parts += [f"_KIND[line[{s.start}]]" for s in kinds]
    parts += [f"_code_run(line[{s.start}:{s.stop}])" for s in runs]
    parts += [f"_status_run(line[{s.start}:{s.stop}])" for s in threes]
    source = f"lambda line: ({''.join(p + ', ' for p in parts)})"
    # Lines of other skeletons often have their runs at the same places: one function
    # serves them all (on the varied bench log, 46 sources for 206 shapes).
    made = _MADE.get(source)
    if made is None:
        if len(_MADE) >= _SHAPES:
            _MADE.clear()
        made = _MADE[source] = eval(source, _KEY_NAMES)  # noqa: S307
    return made


_MADE: dict[str, Callable[[bytes], tuple]] = {}


# The kind of a digit (a byte's value): 4, 5 or any other.
_KIND = tuple(4 if b == 0x34 else 5 if b == 0x35 else 0 for b in range(256))


_CODE_RUNS: dict[bytes, bytes | None] = {}
_WORDING_RUNS: set[bytes] = set()


def _in_wording(run: bytes) -> bool:
    """Whether a catalog wording holds this number, or a longer one it begins."""
    if not _WORDING_RUNS:
        from binance_doctor.errors.catalog import load

        # One search over them all, a line each (a newline ends every number).
        numbers = {n.encode() for n in re.findall(r"[0-9]+", "\n".join(
            t for t, _, _ in load().wordings()))}
        # Every start of every number: one look-up per run, not a scan of them all.
        _WORDING_RUNS.update(n[:i] for n in numbers for i in range(1, len(n) + 1))
    return run in _WORDING_RUNS


def _code_run(run: bytes) -> bytes | None:
    """A digit run as the extractor can read it: itself when it is a Binance code with
    either sign, or a catalog wording's number or the start of one; else None."""
    got = _CODE_RUNS.get(run, _NONE)
    if got is _NONE:
        from binance_doctor.errors.catalog import load

        codes = load().code_set
        n = int(run)
        keep = n in codes or -n in codes or _in_wording(run)
        got = run if keep else None
        if len(_CODE_RUNS) > 100_000:
            _CODE_RUNS.clear()
        _CODE_RUNS[run] = got
    return got  # type: ignore[return-value]


_STATUS_RUNS: dict[bytes, bytes | None] = {}


def _status_run(run: bytes) -> bytes | None:
    """A run of 3 digits as the extractor can read it: itself when it can be a status
    (4xx, 5xx) or a catalog wording's number or the start of one; else None (a count,
    a port, an errno: any other such value yields what any other does)."""
    got = _STATUS_RUNS.get(run, _NONE)
    if got is _NONE:
        keep = run[:1] in (b"4", b"5") or _in_wording(run)
        got = _STATUS_RUNS[run] = run if keep else None     # at most 1000 of them
    return got  # type: ignore[return-value]


_KEY_NAMES = {"_KIND": _KIND, "_code_run": _code_run, "_status_run": _status_run}


class NoSuchFile(BadInput):
    exit_code = ExitCode.NO_SUCH_FILE


def open_input(path: str, stdin: IO[bytes] | None = None) -> IO[bytes]:
    """A binary stream for a path, '-' (stdin) or a .gz file; clear errors, no tracebacks."""
    if path == "-":
        if stdin is None:
            raise BadInput("nothing on stdin to scan")
        raw = stdin
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise NoSuchFile(f"{path}: no such file",
                             hint="check the path; use - to read stdin") from None
        except IsADirectoryError:
            raise NoSuchFile(f"{path}: is a directory", hint="give log files, not folders") \
                from None
        except OSError as e:
            raise NoSuchFile(f"{path}: cannot be read ({e.strerror})") from None
        except ValueError:                    # a NUL byte in the name
            raise NoSuchFile(f"{path!r}: not a valid file name") from None
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def scan(catalog: Catalog, name: str, stream: IO[bytes], counter: Counter,
         on_hit: Callable[[Hit], None] | None = None,
         on_progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Scan one stream into `counter`; returns (bytes read, lines read).

    When only the counts are wanted, a plain file of SPLIT_FROM bytes or more is
    read by two processes, in pieces shared out as they go, to the very counts one
    process gets."""
    try:
        from binance_doctor.errors.halves import pieces_of, scan_pieces

        pieces = pieces_of(name, stream) if on_hit is None else None
        if pieces is not None:
            return scan_pieces(catalog, name, counter, on_progress, pieces)
        reader = _Reader(catalog, name, counter, on_hit)
        return reader.read(chunks.whole_lines(stream), on_progress)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise BadInput(f"{name}: cannot be read to the end ({e})",
                       hint="a truncated .gz or a failing disk") from None


class _Reader:
    """Reads chunks of one input into a Counter: prefilter, extractor, line shapes."""

    def __init__(self, catalog: Catalog, name: str, counter: Counter,
                 on_hit: Callable[[Hit], None] | None, late: dict | None = None) -> None:
        self.catalog = catalog
        self.name = name
        self.counter = counter
        self.on_hit = on_hit
        self.reader = extract.Reader()
        self.total = self.lines = 0
        self.whole = False
        # Summary mode only: what lines of each shape yielded (see `_shape`), and
        # what each message becomes; --jsonl wants every value, so it reads every line.
        self.shapes: dict[bytes, tuple] | None = {} if on_hit is None else None
        self.messages: dict[str, tuple[str | None, str | None]] = {}
        self.raws: dict[str, tuple[str | None, str | None, str | None]] = {}
        self.carried: dict[int, bytes] = {}      # lines of what the extractor still holds
        # The second process keeps rows by the message with its values normalised and
        # leaves the documented template to the first, which saw the lines before.
        self.late = late

    def restart(self, counter: Counter, late: dict | None) -> None:
        """Read a new input (a piece of a file) into `counter`, from line 1, with what
        was learnt of line shapes and messages kept."""
        self.counter, self.late = counter, late
        self.reader = extract.Reader()
        self.total = self.lines = 0
        self.whole = False
        self.carried = {}

    def read(self, chunks: Iterable[bytes], on_progress: Callable[[int], None] | None,
             first: bool = True, close: bool = True) -> tuple[int, int]:
        counter = self.counter
        chunks = iter(chunks)
        chunk = next(chunks, None)
        if chunk is None:
            chunks = iter(())
        else:
            after = next(chunks, None)
            # An input of one small chunk is a paste: every line is read.
            self.whole = first and after is None and len(chunk) <= _WHOLE
            chunks = itertools.chain((chunk,), () if after is None else (after,), chunks)
        for chunk in chunks:
            if first and not counter.binary_as_text:
                _refuse_binary(self.name, chunk)
            first = False
            if not counter.binary_as_text and b"\x00" in chunk:   # memchr, not a count
                counter.binary += chunk.count(b"\x00")   # no line lives in a NUL run
            self.total += len(chunk)
            self._chunk(chunk)
            if on_progress:
                on_progress(self.total)
        if close:
            self._emit(self.reader.close(), self.carried)
        return self.total, self.lines

    def _chunk(self, chunk: bytes) -> None:
        line_no = self.lines
        prev = 0
        texts = self.carried
        newlines = chunks.newlines
        for start in _candidates(chunk, self.whole):
            line_no += newlines(chunk, prev, start)
            prev = start
            end = chunk.find(b"\n", start)
            line = chunk[start:end if end >= 0 else len(chunk)]
            texts[line_no + 1] = line
            self._line(line_no + 1, line, texts)
        # A status waiting for its body, or a code held for its message, is reported
        # from a later chunk or at the end: its line's text goes on with it.
        self.carried = {n: texts[n] for n in self.reader.lines_held() if n in texts}
        self.lines = line_no + newlines(chunk, prev)

    def _line(self, line_no: int, line: bytes, texts: dict[int, bytes]) -> None:
        text = line.decode("utf-8", errors="replace")
        reader = self.reader
        shapes = self.shapes
        if shapes is None or len(line) > _SHAPE_MAX:
            self._emit(reader.feed(line_no, text), texts)
            return
        skeleton = line.translate(_ZEROS)
        shape = shapes.get(skeleton)
        if shape is None:
            shape = _shape(line)
            if shape is None:
                self._emit(reader.feed(line_no, text), texts)
                return
            if len(shapes) >= _SHAPES:
                shapes.clear()
            shape = shapes[skeleton] = (shape, {}, _timer(text))
        keyof, seen, timer = shape
        key = keyof(line)
        known = seen.get(key)
        said, plans = known if known is not None else (None, None)
        if reader.empty():                    # most lines: nothing fed can change them
            waiting, calm = None, True
        else:
            waiting = reader.waiting
            if waiting is not None and reader.held is None:
                # A status whose wait ends here is reported first, as `apply` would.
                expired = reader.expire(line_no)
                if expired:
                    self._emit(expired, texts)
                    waiting = None
            # A line with a code of its own, or with no status, yields the same past a
            # status that waits for its body (see Reader.idle); any other needs it idle.
            calm = reader.idle(line_no, True)
        if calm and plans is not None:
            if plans.__class__ is tuple:
                if waiting is None or _passes(said):
                    self._count(plans, line_no, line, text, timer)
                    return
            elif waiting is None:             # a status alone: it waits for its body
                reader.waits(line_no, plans)
                return
        if said is None:
            said = extract.analyse(text)
            found = reader.apply(line_no, said)
            if not all(c[1] is None or c[4] for c in said.codes):
                self._emit(found, texts)
                return
            # Each message can be read from where it sits in the next line of the
            # shape: what the line says on its own is kept for those lines.
            if len(seen) >= _SHAPES:
                seen.clear()
            seen[key] = (said, None)
        else:
            found = reader.apply(line_no, self._again(said, text))
        if calm and plans is None:
            passes = _passes(said)
            if (waiting is None or passes) and reader.waiting is waiting \
                    and reader.idle(line_no + 1, passes) \
                    and all(f.message is None or f.message_at for f in found):
                # Nothing was left for later lines: the text alone made this outcome.
                seen[key] = (said, self._plans(found))
            elif waiting is None and not said.codes and not said.headers and \
                    reader.held is None and reader.waiting is not None:
                # A status and nothing else, read in an idle reader: it now waits for
                # its body, as the status of the next line of this shape will.
                seen[key] = (said, reader.waiting)
        self._emit(found, texts)

    def _again(self, said: extract.Line, text: str) -> extract.Line:
        """What a line says, from what a line of its shape said: its own messages and
        headers, the rest as read before."""
        codes = tuple(c if not c[4] else (c[0], self._raw(text, c[4])[0], *c[2:])
                      for c in said.codes)
        headers = tuple(sorted(extract.headers_of(text).items())) if said.headers else ()
        return said._replace(codes=codes, headers=headers)

    def _raw(self, text: str, at: tuple[int, int]) -> tuple[str | None, str | None,
                                                           str | None]:
        """The message at `at` in a line, as read, masked, and with its values
        normalised (remembered by the raw text)."""
        raw = text[at[0]:at[1]]
        got = self.raws.get(raw)
        if got is None:
            if len(self.raws) > 10000:
                self.raws.clear()
            message = extract.message_at(raw, (0, len(raw)))
            got = self.raws[raw] = (message, *self._masked(message))
        return got

    @staticmethod
    def _plans(found: Iterable[extract.Found]) -> tuple:
        """What a line of a shape read before is counted by: each reportable error with
        where its message sits, its row's key but the message, and whether it counts
        only with a documented message (no code, no status)."""
        return tuple((f, f.message_at, row_of(f), f.code is None and f.status is None)
                     for f in found if extract.reportable(f))

    def _count(self, plans: tuple, line_no: int, line: bytes, text: str,
               timer: Callable[[str], float | None]) -> None:
        """Count a line whose shape was read before: only its message and time are new
        (the time read where the shape holds it, see `_timer`)."""
        time: float | None | object = _NONE
        raws = self.raws
        for f, at, base, documented_only in plans:
            if at:
                got = raws.get(text[at[0]:at[1]])       # `_raw`, its look-up inline
                message, masked, normal = got if got is not None else self._raw(text, at)
            else:
                message = masked = normal = None
            if documented_only and not (message and _documented(self.catalog, message)):
                continue
            if time is _NONE:
                time = timer(text)
            self._tally(f, base, line_no, message, masked, normal, time,  # type: ignore
                        line, False)

    def _emit(self, found_list: Iterable[extract.Found], texts: dict[int, bytes]) -> None:
        for found in found_list:
            line = texts.get(found.line, b"")
            if self.on_hit is not None:
                hit = _hit(self.catalog, self.name, found, line)
                if hit is not None:
                    self.counter.add(hit)
                    self.on_hit(hit)
                continue
            if not extract.reportable(found):
                continue
            if found.code is None and found.status is None and not (
                    found.message and _documented(self.catalog, found.message)):
                continue
            time = timestamp(line.decode("utf-8", errors="replace"))
            self._tally(found, row_of(found), found.line, found.message,
                        *self._masked(found.message), time, line, True)

    def _tally(self, f: extract.Found, base: tuple, line_no: int, message: str | None,
               masked: str | None, normal: str | None, time: float | None, line: bytes,
               own: bool) -> None:
        if normal is not None:
            if self.late is None:
                # _variant's own memory decides, as for any message of this variant.
                normal = _TEMPLATES.get(normal) or _variant(self.catalog, masked)
            else:
                self.late.setdefault(normal, masked)
        # The snippet needs the first _SNIPPET * 4 characters: 4 bytes at most each. A
        # _Seen from all its fields at once: NamedTuple's own __new__ is a Python call.
        self.counter.tally(base + (normal,), _new_tuple(
            _Seen, (self.name, f, line_no, message, masked, time, line[:_SNIPPET * 16], own,
                    None)))

    def _masked(self, message: str | None) -> tuple[str | None, str | None]:
        """A message masked, and with its values normalised (remembered)."""
        got = self.messages.get(message)      # type: ignore[arg-type]
        if got is None:
            if len(self.messages) > 10000:
                self.messages.clear()
            masked = mask.mask(message) if message else None
            got = self.messages[message] = (masked, variant(masked))  # type: ignore
        return got


_new_tuple = tuple.__new__


def _passes(said: extract.Line) -> bool:
    """Whether a line leaves a status that waits for its body as it is: it has a code
    of its own, or says no status (see Reader.idle)."""
    return bool(said.codes) or (said.status is None and not said.waf)


def _hit(catalog: Catalog, name: str, found: extract.Found, line: bytes) -> Hit | None:
    if not extract.reportable(found):
        return None
    if found.code is None and found.status is None:
        # A message without its code (ccxt drops it): count it only when documented.
        if not found.message or not _documented(catalog, found.message):
            return None
    message = mask.mask(found.message) if found.message else None
    text = line.decode("utf-8", errors="replace")
    return Hit(name, found, message, _variant(catalog, message), timestamp(text),
               mask.mask(text[:_SNIPPET * 4])[:_SNIPPET])


_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1b\x00")


def _refuse_binary(name: str, chunk: bytes) -> None:
    """Refuse a file whose text (NUL runs aside) is largely control bytes or not UTF-8."""
    head = chunk[:8192].replace(b"\x00", b"")
    bad = len(head) - len(head.translate(None, _CONTROL)) + head.decode(
        "utf-8", errors="replace").count("\ufffd")
    if len(head) >= 64 and bad > len(head) // 10:
        raise BadInput(f"{name} looks like a binary file, not a text log",
                       hint="give a text log, or a .gz of one; --binary-as-text reads it "
                            "anyway")


def _candidates(chunk: bytes, whole: bool = False) -> list[int]:
    """Where each line to read starts, in order. A small input (a paste) is read whole,
    line by line, as `explain` reads it; in a big log, the lines `prefilter` picks."""
    if whole:
        return [0] + [m.end() for m in _NEWLINE.finditer(chunk, 0, len(chunk) - 1)]
    return prefilter.lines(chunk)
