"""Scanning logs of any size for Binance errors, and counting them.

Owns the streaming: files (plain or gzip) are read in large binary chunks, a
cheap literal prefilter picks the few lines that could hold an error, and
only those reach the extractor. State is bounded (a capped table of rows
and the extractor's small window), so memory stays flat on any log size.
Rows are counted by product, code and message variant (values normalised),
with first and last seen, from the lines' own timestamps when they carry
them. Everything user text contributes is masked before it leaves here.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Callable, Iterable, Iterator

from binance_doctor import extract, mask
from binance_doctor.catalog import Catalog
from binance_doctor.failure import BadInput, ExitCode
from binance_doctor.product import Product

CHUNK = 4 * 1024 * 1024
MAX_ROWS = 5000          # distinct rows kept; the rest are counted as "other"
_SNIPPET = 300

# The prefilter: a line that none of these match cannot hold an error the extractor
# knows. Each starts with a literal, so the regex engine skips through ordinary
# text at memory speed and ordinary lines cost almost nothing.
_PASSES = (
    re.compile(rb"-[1-9]\d{3}"),                         # every Binance code: -1000..-99999
    re.compile(rb"4(?:03|18|29|51)(?![0-9])"),           # statuses that come without a code
    re.compile(rb"50[0-4](?![0-9])"),
    re.compile(rb"binance(?:usdm|coinm)? [A-Z]"),        # ccxt messages without their code
)
_STATUS_PASSES = frozenset(_PASSES[1:3])
_BEFORE_STATUS = frozenset(b" [(>:=\"'")
# curl -v prefixes: a transcript's request, status and header lines around an error
# are read with it, so the body gets its status, headers and host.
_CURL = (b"< ", b"> ", b"* ", b"{ [", b"<\r", b">\r", b"<\n", b">\n")
_CURL_SPAN = 80


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


@dataclass
class _Tally:
    count: int
    first: Hit
    last: Hit
    first_t: float | None
    last_t: float | None


@dataclass
class Counter:
    """Bounded counts of hits by (product, code, status, variant)."""

    catalog: Catalog
    rows: dict[tuple, _Tally] = field(default_factory=dict)
    other: int = 0
    errors: int = 0

    def add(self, hit: Hit) -> None:
        self.errors += 1
        f = hit.found
        key = (f.product, f.code, f.status if f.code is None else None, hit.variant)
        tally = self.rows.get(key)
        if tally is None:
            if len(self.rows) >= MAX_ROWS:
                self.other += 1
                return
            self.rows[key] = _Tally(1, hit, hit, hit.time, hit.time)
            return
        tally.count += 1
        t = hit.time
        if t is None:
            if tally.last_t is None:     # an untimed line never hides a timed one
                tally.last = hit
            return
        if tally.first_t is None or t < tally.first_t:
            tally.first, tally.first_t = hit, t
        if tally.last_t is None or t >= tally.last_t:
            tally.last, tally.last_t = hit, t

    def summary(self, files: tuple[str, ...], size: int, lines: int) -> Summary:
        rows = []
        for (product, code, status, variant), t in self.rows.items():
            name, fix = _fix(self.catalog, product, code, t.first.found.status, variant)
            rows.append(Row(product, code, status, variant, t.count, t.first, t.last, name,
                            fix))
        rows.sort(key=lambda r: (-r.count, r.first.file, r.first.found.line))
        return Summary(files, size, lines, self.errors, tuple(rows), self.other)


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
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def scan(catalog: Catalog, name: str, stream: IO[bytes], counter: Counter,
         on_hit: Callable[[Hit], None] | None = None,
         on_progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Scan one stream into `counter`; returns (bytes read, lines read)."""
    reader = extract.Reader()
    total = lines = 0
    first = True

    def emit(found_list: Iterable[extract.Found], line_text: dict[int, bytes]) -> None:
        for found in found_list:
            hit = _hit(catalog, name, found, line_text.get(found.line, b""))
            if hit is None:
                continue
            counter.add(hit)
            if on_hit:
                on_hit(hit)

    try:
        for chunk, base in _chunks(stream):
            if first:
                _refuse_binary(name, chunk)
                first = False
            total += len(chunk)
            texts: dict[int, bytes] = {}
            for line_no, line in _candidates(chunk, base):
                texts[line_no] = line
                emit(reader.feed(line_no, line.decode("utf-8", errors="replace")), texts)
            lines = base + chunk.count(b"\n")
            if on_progress:
                on_progress(total)
        emit(reader.close(), {})
    except BrokenPipeError:
        raise                        # the reader of our output went away, not the input
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise BadInput(f"{name}: cannot be read to the end ({e})",
                       hint="a truncated .gz or a failing disk") from None
    return total, lines


def _refuse_binary(name: str, chunk: bytes) -> None:
    head = chunk[:8192]
    if b"\x00" in head:
        raise BadInput(f"{name} looks like a binary file, not a text log",
                       hint="give a text log, or a .gz of one")


def _chunks(stream: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """Whole-line chunks and the number of lines before each; a 10 MB line is cut."""
    rest = b""
    lines = 0
    while True:
        block = stream.read(CHUNK)
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
        yield chunk, lines
        lines += chunk.count(b"\n")
    if rest:
        yield rest + b"\n", lines


def _candidates(chunk: bytes, base: int) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for each line the prefilter lets through, in order."""
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
    line_no = base
    prev = 0
    for start in sorted(starts):
        line_no += chunk.count(b"\n", prev, start)
        prev = start
        end = chunk.find(b"\n", start)
        yield line_no + 1, chunk[start:end if end >= 0 else len(chunk)]


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


_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
                  r"\s?(Z|[+-]\d\d:?\d\d)?")
_CLF = re.compile(r"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_EPOCH_MS = re.compile(r"""["']?(?:time|timestamp|ts|T|E|serverTime)["']?\s*:\s*(1\d{12})\b""")
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
            dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                          int((frac or "0")[:6].ljust(6, "0")), tzinfo=_zone(tz))
            return dt.timestamp()
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


def _zone(tz: str | None) -> timezone:
    if not tz or tz == "Z":
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    from datetime import timedelta

    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _fix(catalog: Catalog, product: Product | None, code: int | None, status: int | None,
         message: str | None) -> tuple[str | None, str | None]:
    """(name, one-line fix) for a row, from the catalog; several meanings say so."""
    entries = []
    if code is not None:
        entries = catalog.by_code(code, product) or catalog.by_code(code)
    elif status is not None:
        entries = catalog.by_status(status)
    elif message:
        entries = [m.entry for m in catalog.match_message(message)]
    if not entries:
        return None, None
    keys = {e.explanation.key for e in entries}
    if len(keys) > 1:
        names = "/".join(sorted({e.name or e.title for e in entries}))
        return names, f"means different things per product: binance-doctor explain {code}"
    return entries[0].name or entries[0].title, entries[0].explanation.one_line_fix
