"""Scanning logs of any size for Binance errors, and counting them.

Owns the streaming: files (plain or gzip) are read in large binary chunks, a
cheap literal prefilter picks the few lines that could hold an error, and
only those reach the extractor. State is bounded (a capped table of rows
and the extractor's small window), so memory stays flat on any log size.
Rows are counted by product, code and message variant (values normalised),
with first and last seen, from the lines' own timestamps when they carry
them. Everything user text contributes is masked before it leaves here.

Speed, without changing a count: in summary mode a line whose shape (see
`_shape`) was read before, in a quiet context, is not read again: only its
message and time are taken from it. A big plain file is read by two
processes, split where neither half's lines can change the other's.
"""

from __future__ import annotations

import gzip
import os
import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from typing import IO, Callable, Iterable, Iterator, NamedTuple

from binance_doctor.errors import extract
from binance_doctor.output import mask
from binance_doctor.errors.catalog import Catalog, Kind
from binance_doctor.failure import BadInput, ExitCode
from binance_doctor.product import Product

CHUNK = 4 * 1024 * 1024
MAX_ROWS = 5000          # distinct rows kept; the rest are counted as "other"
_SNIPPET = 300
SPLIT_FROM = 64 * 1024 * 1024   # plain files this big are read by two processes

# The prefilter: a line that none of these match cannot hold an error the extractor
# knows. Each starts with a literal, so the regex engine skips through ordinary
# text at memory speed and ordinary lines cost almost nothing.
_PASSES = (
    re.compile(rb"-[1-9]\d{3}"),                         # every Binance code: -1000..-99999
    re.compile(rb"4(?:0[013]|18|29|51)(?![0-9])"),       # statuses that come without a code
    re.compile(rb"50[0-4](?![0-9])"),
    re.compile(rb"binance(?:usdm|coinm)? [A-Z]"),        # ccxt messages without their code
    # Lines that say "error": where documented messages with no code are looked for.
    # Single literals: the regex engine finds each at memory speed, an alternation not.
    re.compile(rb"rror"),
    re.compile(rb"RROR"),
)
_STATUS_PASSES = frozenset(_PASSES[1:3])
_BEFORE_STATUS = frozenset(b" [(>:=\"'")
# curl -v prefixes: a transcript's request, status and header lines around an error
# are read with it, so the body gets its status, headers and host.
_CURL = (b"< ", b"> ", b"* ", b"{ [", b"<\r", b">\r", b"<\n", b">\n")
_CURL_SPAN = 80
_WHOLE = 64 * 1024             # inputs this small skip the prefilter
_NEWLINE = re.compile(rb"\n")

# Line shapes. Lines of one shape yield the same errors from the extractor; only
# their messages and times can differ, and those are read from each line. Digits
# are what varies from line to line (times, ids, amounts), and most of them cannot
# change what the extractor reads: a shape is the line with every digit set to 0
# (its skeleton), plus the digits the extractor does read by value, at places the
# skeleton fixes: a run after a '-' that no digit precedes (a code, never a date);
# a run of one digit (a code 0, "<H1>"); a run of exactly 3 digits (a status),
# though after ',' or '.' (milliseconds, mostly) only when a status phrase follows
# ("503 Service Unavailable"); and the kind of first digit (4, 5 or another) of a
# longer run after ' ' or '(' (the gates " 4", "(5", ...).
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_KINDS = bytes.maketrans(b"01236789", b"00000000")
_RUN = re.compile(rb"[0-9]+")
_PHRASE = re.compile(rb"(?i) (?:Forbidden|I'm a Teapot|Too Many Requests|Unavailable For Legal"
                     rb" Reasons|Internal Server Error|Bad Gateway|Service Unavailable"
                     rb"|Gateway Time-?out)\b")
_NONE = object()
_SHAPE_MAX = 2048            # longer lines are read in full every time
_SHAPES = 4096               # shapes remembered


def _shape(line: bytes) -> tuple[Callable[[bytes], object],
                                  Callable[[bytes], object]] | None:
    """(values, kinds): what takes from any line of this one's skeleton the digits
    read by value, and (from the line with _KINDS applied) the kinds of first digits."""
    # A code 0 counts only with this text, and then 0 and 00 must differ: no shape.
    if len(line) > _SHAPE_MAX or b"restricted location" in line:
        return None
    values, kinds = [], []
    for m in _RUN.finditer(line):
        start, end = m.span()
        before = line[start - 1:start]
        size = end - start
        if (before == b"-" and not line[start - 2:start - 1].isdigit()) or size == 1 \
                or size == 3 and (before not in (b".", b",") or _PHRASE.match(line, end)) \
                or size in (4, 5, 6, 9) and before not in (b".", b",", b":"):
            # 4, 5: a code that lost its sign (code=2010); 6, 9: the positive codes.
            values.append(slice(start, end))
        elif before in (b" ", b"("):
            kinds.append(slice(start, start + 1))
    return _getter(values), _getter(kinds)


def _getter(slices: list[slice]) -> Callable[[bytes], object]:
    if not slices:
        return lambda line: ()
    if len(slices) == 1:
        (one,) = slices
        return lambda line: line[one]
    return itemgetter(*slices)


class NoSuchFile(BadInput):
    exit_code = ExitCode.NO_SUCH_FILE


@dataclass(frozen=True)
class Hit:
    """One error occurrence in one file (a --jsonl record)."""

    file: str
    found: extract.Found
    message: str | None       # masked
    variant: str | None       # the message with values normalised
    time: float | None        # epoch seconds from the line, when it carries one
    text: str                 # the masked line, clipped


@dataclass(frozen=True)
class Row:
    product: Product | None
    code: int | None
    status: int | None
    variant: str | None
    count: int
    first: Hit
    last: Hit
    name: str | None
    fix: str | None


@dataclass(frozen=True)
class Summary:
    files: tuple[str, ...]
    bytes: int
    lines: int
    errors: int
    rows: tuple[Row, ...]
    other: int                # errors beyond MAX_ROWS distinct rows
    binary: int = 0           # NUL bytes skipped


class _Seen(NamedTuple):
    """What a Hit is made of, kept for the first and last hit of each row only: the
    masked snippet and the Found are built when the summary is (few rows, many hits)."""

    file: str
    found: extract.Found       # as read on this line, or on an earlier line of its shape
    line: int
    message: str | None
    masked: str | None
    time: float | None
    raw: bytes                 # the line (enough of it for the snippet)
    own: bool                  # `found` was read on this very line
    hit: Hit | None = None     # made already (--jsonl)


@dataclass
class _Tally:
    count: int
    first: _Seen
    last: _Seen


def _earlier(a: _Seen, b: _Seen) -> bool:
    """Whether `a`, seen after `b`, becomes its row's first seen: an earlier time (the
    first of equal times stays); a line without a time only while none has one."""
    if a.time is None or b.time is None:
        return b.time is None and a.time is not None
    return a.time < b.time


def _later(a: _Seen, b: _Seen) -> bool:
    """Whether `a`, seen after `b`, becomes its row's last seen: a time as late or
    later; a line without a time only while none has one."""
    if a.time is None or b.time is None:
        return b.time is None
    return a.time >= b.time


@dataclass
class Counter:
    """Bounded counts of hits by (product, code, status, variant)."""

    catalog: Catalog
    rows: dict[tuple, _Tally] = field(default_factory=dict)
    other: int = 0
    errors: int = 0
    limit: int = MAX_ROWS
    binary: int = 0                  # NUL bytes skipped (copytruncate leaves runs of them)
    binary_as_text: bool = False     # --binary-as-text: never refuse a file as binary

    def add(self, hit: Hit) -> None:
        f = hit.found
        self.tally((f.product, f.code, f.status if f.code is None else None, hit.variant),
                   _Seen(hit.file, f, f.line, f.message, hit.message, hit.time, b"", True,
                         hit))

    def tally(self, key: tuple, seen: _Seen) -> None:
        self.errors += 1
        tally = self.rows.get(key)
        if tally is None:
            if len(self.rows) >= self.limit:
                self.other += 1
                return
            self.rows[key] = _Tally(1, seen, seen)
            return
        tally.count += 1
        if _earlier(seen, tally.first):
            tally.first = seen
        if _later(seen, tally.last):
            tally.last = seen

    def merge(self, key: tuple, theirs: _Tally) -> None:
        """Add a row counted over later lines (by another process), as if counted here."""
        mine = self.rows.get(key)
        if mine is None:
            if len(self.rows) >= self.limit:
                self.other += theirs.count
                return
            self.rows[key] = _Tally(theirs.count, theirs.first, theirs.last)
            return
        mine.count += theirs.count
        if _earlier(theirs.first, mine.first):
            mine.first = theirs.first
        if _later(theirs.last, mine.last):
            mine.last = theirs.last

    def summary(self, files: tuple[str, ...], size: int, lines: int) -> Summary:
        rows = []
        for (product, code, status, variant), t in self.rows.items():
            first, last = _hit_of(t.first, variant), _hit_of(t.last, variant)
            name, fix = _fix(self.catalog, product, code, first.found.status, variant)
            rows.append(Row(product, code, status, variant, t.count, first, last, name, fix))
        rows.sort(key=lambda r: (-r.count, r.first.file, r.first.found.line))
        return Summary(files, size, lines, self.errors, tuple(rows), self.other, self.binary)


def _hit_of(seen: _Seen, variant: str | None) -> Hit:
    if seen.hit is not None:
        return seen.hit
    found = seen.found
    text = seen.raw.decode("utf-8", errors="replace")
    if not seen.own:
        # Read on an earlier line of the same shape: this line's own values.
        headers = tuple(sorted(extract.headers_of(text).items())) if found.headers else ()
        found = replace(found, line=seen.line, message=seen.message, headers=headers)
    elif found.line != seen.line:
        found = replace(found, line=seen.line)        # counted by the second process
    return Hit(seen.file, found, seen.masked, variant, seen.time,
               mask.mask(text[:_SNIPPET * 4])[:_SNIPPET])


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
    read by two processes, one half each, to the very counts one process gets."""
    try:
        half = _half(name, stream) if on_hit is None else None
        if half is not None:
            return _scan_halves(catalog, name, stream, counter, on_progress, *half)
        reader = _Reader(catalog, name, counter, on_hit)
        return reader.read(_chunks(stream), on_progress)
    except BrokenPipeError:
        raise                        # the reader of our output went away, not the input
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
        # Summary mode only: what lines of each shape yielded (see `_shape`), and
        # what each message becomes; --jsonl wants every value, so it reads every line.
        self.shapes: dict[bytes, tuple] | None = {} if on_hit is None else None
        self.messages: dict[str, tuple[str | None, str | None]] = {}
        self.raws: dict[str, str | None] = {}
        # The second process keeps rows by the message with its values normalised and
        # leaves the documented template to the first, which saw the lines before.
        self.late = late

    def read(self, chunks: Iterable[bytes], on_progress: Callable[[int], None] | None,
             first: bool = True, close: bool = True) -> tuple[int, int]:
        counter = self.counter
        for chunk in chunks:
            if first and not counter.binary_as_text:
                _refuse_binary(self.name, chunk)
            first = False
            if not counter.binary_as_text:
                counter.binary += chunk.count(b"\x00")   # no line lives in a NUL run
            self.total += len(chunk)
            self._chunk(chunk)
            if on_progress:
                on_progress(self.total)
        if close:
            self._emit(self.reader.close(), {})
        return self.total, self.lines

    def _chunk(self, chunk: bytes) -> None:
        line_no = self.lines
        prev = 0
        texts: dict[int, bytes] = {}
        for start in _candidates(chunk):
            line_no += chunk.count(b"\n", prev, start)
            prev = start
            end = chunk.find(b"\n", start)
            line = chunk[start:end if end >= 0 else len(chunk)]
            texts[line_no + 1] = line
            self._line(line_no + 1, line, texts)
        self.lines = line_no + chunk.count(b"\n", prev)

    def _line(self, line_no: int, line: bytes, texts: dict[int, bytes]) -> None:
        text = line.decode("utf-8", errors="replace")
        reader = self.reader
        shapes = self.shapes
        if shapes is None or not reader.idle(line_no) or len(line) > _SHAPE_MAX:
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
            shape = shapes[skeleton] = (*shape, {})
        values, kinds, seen = shape
        key = (values(line), kinds(line.translate(_KINDS)))
        known = seen.get(key)
        if known is not None:
            self._count(known, line_no, line, text)
            return
        found = reader.feed(line_no, text)
        if reader.idle(line_no + 1) and all(f.message is None or f.message_at for f in found):
            # Nothing was left for later lines: the text alone made this outcome (and
            # each message can be read from where it sits in the next line of the shape).
            if len(seen) >= _SHAPES:
                seen.clear()
            seen[key] = tuple(found)
        self._emit(found, texts)

    def _count(self, known: tuple[extract.Found, ...], line_no: int, line: bytes,
               text: str) -> None:
        """Count a line whose shape was read before: only its message and time are new."""
        time: float | None = None
        timed = False
        for f in known:
            if not extract.reportable(f):
                continue
            message = None
            if f.message_at:
                raw = text[f.message_at[0]:f.message_at[1]]
                message = self.raws.get(raw, _NONE)
                if message is _NONE:
                    if len(self.raws) > 10000:
                        self.raws.clear()
                    message = self.raws[raw] = extract.message_at(raw, (0, len(raw)))
            if f.code is None and f.status is None and not (
                    message and _documented(self.catalog, message)):  # type: ignore
                continue
            if not timed:
                time, timed = timestamp(text), True
            self._tally(f, line_no, message, time, line, False)  # type: ignore[arg-type]

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
            self._tally(found, found.line, found.message, time, line, True)

    def _tally(self, f: extract.Found, line_no: int, message: str | None,
               time: float | None, line: bytes, own: bool) -> None:
        masked, normal = self._masked(message)
        if normal is not None:
            if self.late is None:
                # _variant's own memory decides, as for any message of this variant.
                normal = _TEMPLATES.get(normal) or _variant(self.catalog, masked)
            else:
                self.late.setdefault(normal, masked)
        key = (f.product, f.code, f.status if f.code is None else None, normal)
        # The snippet needs the first _SNIPPET * 4 characters: 4 bytes at most each.
        self.counter.tally(key, _Seen(self.name, f, line_no, message, masked, time,
                                      line[:_SNIPPET * 16], own))

    def _masked(self, message: str | None) -> tuple[str | None, str | None]:
        """A message masked, and with its values normalised (remembered)."""
        got = self.messages.get(message)      # type: ignore[arg-type]
        if got is None:
            if len(self.messages) > 10000:
                self.messages.clear()
            masked = mask.mask(message) if message else None
            got = self.messages[message] = (masked, variant(masked))  # type: ignore
        return got


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


def _chunks(stream: IO[bytes], rest: bytes = b"", blocks: int | None = None) \
        -> Iterator[bytes]:
    """Whole-line chunks, cut after the last newline of each CHUNK read (a 10 MB line
    is cut). With `blocks`, stop after that many reads, leaving the partial line."""
    while blocks is None or blocks > 0:
        block = stream.read(CHUNK)
        if blocks is not None:
            blocks -= 1
        if not block:
            break
        data = rest + block if rest else block
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) < 4 * CHUNK:
                rest = data
                continue
            cut = len(data) - 1        # an endless line: take it in pieces
        chunk, rest = data[:cut + 1], data[cut + 1:]
        yield chunk
    else:
        return
    if rest:
        yield rest + b"\n"


def _candidates(chunk: bytes) -> list[int]:
    """Where each line the prefilter lets through starts, in order. A small input (a
    paste) is read whole, line by line, as `explain` reads it: the prefilter only pays
    off on big logs, where it looks for a message without its code only on lines that
    say "error"."""
    if len(chunk) <= _WHOLE:
        return [0] + [m.end() for m in _NEWLINE.finditer(chunk, 0, len(chunk) - 1)]
    starts: set[int] = set()
    for rx in _PASSES:
        status = rx in _STATUS_PASSES
        for m in rx.finditer(chunk):
            p = m.start()
            if status and (p == 0 or chunk[p - 1] not in _BEFORE_STATUS):
                continue
            start = chunk.rfind(b"\n", 0, p) + 1
            if start not in starts:
                starts.add(start)
                _curl_context(chunk, start, starts)
    return sorted(starts)


def _curl_context(chunk: bytes, start: int, starts: set[int]) -> None:
    """Add the curl -v lines just before and after a candidate line."""
    at = start
    for _ in range(_CURL_SPAN):                     # backwards
        if at == 0:
            break
        prev = chunk.rfind(b"\n", 0, at - 1) + 1
        if not chunk.startswith(_CURL, prev):
            break
        starts.add(prev)
        at = prev
    at = start
    if not chunk.startswith(_CURL, at):
        return
    for _ in range(_CURL_SPAN):                     # forwards, from a status line
        nxt = chunk.find(b"\n", at) + 1
        if nxt <= 0 or nxt >= len(chunk) or not chunk.startswith(_CURL, nxt):
            break
        starts.add(nxt)
        at = nxt


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


_DOCUMENTED: dict[str, bool] = {}
_TEMPLATES: dict[str, str] = {}


def _variant(catalog: Catalog, message: str | None) -> str | None:
    """The documented template a message fills in, else the message with values as #."""
    v = variant(message)
    if v is None:
        return None
    if v not in _TEMPLATES:
        if len(_TEMPLATES) > 10000:
            _TEMPLATES.clear()
        matches = catalog.match_message(message)
        _TEMPLATES[v] = matches[0].template if matches else v
    return _TEMPLATES[v]


def _documented(catalog: Catalog, message: str) -> bool:
    if message not in _DOCUMENTED:
        if len(_DOCUMENTED) > 10000:
            _DOCUMENTED.clear()
        _DOCUMENTED[message] = bool(catalog.match_message(message))
    return _DOCUMENTED[message]


_VALUES = re.compile(
    r"(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:]{2,}:[0-9a-fA-F:]+|(?<![A-Za-z])[-+]?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'[^']{1,80}'")


def variant(message: str | None) -> str | None:
    """The message with its values (numbers, IPs, quoted names) normalised."""
    if message is None:
        return None
    return _QUOTED.sub("'…'", _VALUES.sub("#", message))


# ISO-8601, and Go's log package (2024/01/15 10:23:45.123456) with slashes.
_ISO = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
                  r"\s?(Z|[+-]\d\d:?\d\d)?")
_CLF = re.compile(r"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_EPOCH_MS = re.compile(r"""["']?(?:time|timestamp|ts|T|E|serverTime)["']?\s*:\s*(1\d{12})\b""")
# syslog and journalctl's default: "Jan 15 10:00:00 host bot[123]: ..." (no year).
_SYSLOG = re.compile(r"\s*(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)"
                     r"(?:\.(\d{1,6}))?\s")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
                                       1)}


def timestamp(text: str) -> float | None:
    """Epoch seconds of the first timestamp on a line: ISO-8601, common log format, or
    epoch ms in JSON. A time without a zone is taken as UTC."""
    head = text[:512]
    m = _ISO.search(head)
    try:
        if m:
            y, mo, d, h, mi, s, frac, tz = m.groups()
            # Lines come in time order: the minute is mostly one seen just before.
            minute = _MINUTES.get((y, mo, d, h, mi, tz), _NONE)
            if minute is _NONE:
                if len(_MINUTES) > 4096:
                    _MINUTES.clear()
                try:
                    at = datetime(int(y), int(mo), int(d), int(h), int(mi), tzinfo=_zone(tz))
                    minute = (at - _EPOCH) // _SECOND
                except ValueError:
                    minute = None
                _MINUTES[(y, mo, d, h, mi, tz)] = minute
            if minute is None or int(s) > 59:
                return None
            # What datetime.timestamp() gives: whole microseconds over 10**6.
            micro = int((frac or "0")[:6].ljust(6, "0"))
            return ((minute + int(s)) * 1_000_000 + micro) / 1_000_000  # type: ignore
        m = _SYSLOG.match(head)
        if m and m.group(1) in _MONTHS:
            return _syslog_time(*m.groups())
        m = _CLF.search(head)
        if m:
            d, mon, y, h, mi, s, tz = m.groups()
            dt = datetime(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(s),
                          tzinfo=_zone(tz))
            return dt.timestamp()
    except (ValueError, KeyError):
        return None
    m = _EPOCH_MS.search(text[:4096])
    return int(m.group(1)) / 1000 if m else None


def _syslog_time(mon: str, d: str, h: str, mi: str, s: str, frac: str | None,
                 now: float | None = None) -> float | None:
    """A syslog time has no year: the latest year that does not put it in the future
    (a log read in January holds December's lines). No zone: taken as UTC."""
    now = time.time() if now is None else now
    year = datetime.fromtimestamp(now, tz=timezone.utc).year
    for y in (year, year - 1):
        try:
            at = datetime(y, _MONTHS[mon], int(d), int(h), int(mi), int(s),
                          int((frac or "0").ljust(6, "0")), tzinfo=timezone.utc)
        except ValueError:                 # Feb 29 in a year without it, hour 25
            continue
        if at.timestamp() <= now + 86400:
            return at.timestamp()
    return None


_MINUTES: dict[tuple, int | None] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def _zone(tz: str | None) -> timezone:
    if not tz or tz == "Z":
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _fix(catalog: Catalog, product: Product | None, code: int | None, status: int | None,
         message: str | None) -> tuple[str | None, str | None]:
    """(name, one-line fix) for a row, from the catalog; several meanings say so."""
    entries = []
    if message:     # a matching-engine message or filter says more than its generic code
        entries = [m.entry for m in catalog.match_message(message)
                   if m.entry.kind in (Kind.MESSAGE, Kind.FILTER)]
    if entries:
        pass
    elif code is not None:
        entries = catalog.by_code(code, product) or catalog.by_code(code)
    elif status is not None:
        entries = catalog.by_status(status, product)
    elif message:
        entries = [m.entry for m in catalog.match_message(message)]
    if not entries:
        return None, None
    keys = {e.explanation.key for e in entries}
    if len(keys) > 1:
        names = "/".join(sorted({e.name or e.title for e in entries}))
        return names, f"means different things per product: binance-doctor explain {code}"
    return entries[0].name or entries[0].title, entries[0].explanation.one_line_fix


# -- two processes for one big file ------------------------------------------------

_QUIET = extract.WINDOW + 2      # lines with no candidate before the split point
_TAIL = 256 * 1024
_LATE_ROWS = 4 * MAX_ROWS


def _half(name: str, stream: IO[bytes]) -> tuple[int, int] | None:
    """(k, offset) when a second process can read a plain file from `offset` on, at
    the chunk edge before CHUNK read `k`: a point with no candidate line in the
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
        if not stat.S_ISREG(st.st_mode) or st.st_size < SPLIT_FROM or stream.tell() != 0:
            return None
    except (OSError, ValueError):
        return None
    blocks = -(-st.st_size // CHUNK)
    mid = blocks // 2
    for k in sorted(range(1, blocks), key=lambda k: (abs(k - mid), k))[:8]:
        end = k * CHUNK
        start = max((k - 1) * CHUNK, end - _TAIL)
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
    if any(rx.search(region) for rx in _PASSES):
        return False
    at = 0
    while at < len(region):
        if region.startswith(_CURL, at):
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


def _scan_halves(catalog: Catalog, name: str, stream: IO[bytes], counter: Counter,
                 on_progress: Callable[[int], None] | None, k: int, split: int) \
        -> tuple[int, int]:
    import pickle

    fd = stream.fileno()
    size = os.fstat(fd).st_size
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
        first.read(_chunks(stream, blocks=k), progress, close=False)
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
        rest = os.pread(fd, k * CHUNK - split, split)
        return first.read(_chunks(stream, rest=rest), progress, first=False)
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


def _second(catalog: Catalog, name: str, fd: int, k: int, split: int,
            as_text: bool = False) -> tuple | None:
    """The second half, counted with lines numbered from the split and rows kept by
    the message with its values normalised (the first process picks the templates)."""
    counter = Counter(catalog, limit=_LATE_ROWS)
    counter.binary_as_text = as_text
    late: dict[str, str | None] = {}
    reader = _Reader(catalog, name, counter, None, late=late)
    rest = os.pread(fd, k * CHUNK - split, split)
    total, lines = reader.read(_chunks(_At(fd, k * CHUNK), rest=rest), None, first=False)
    if counter.other:
        return None
    return total, lines, counter.errors, list(counter.rows.items()), late, counter.binary
