"""Counting the errors scan finds: rows by product, code and message variant.

Owns the records scan hands out (a Hit per occurrence, a Row per kind, the
Summary), the bounded Counter with first and last seen, the message variants
(values normalised, the documented template when there is one) and each row's
one-line fix from the catalog. Everything user text contributes is masked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

from binance_doctor.errors import extract
from binance_doctor.errors.catalog import Catalog, Kind, same_error
from binance_doctor.output import mask
from binance_doctor.pattern import compiled
from binance_doctor.product import Product

MAX_ROWS = 5000          # distinct rows kept; the rest are counted as "other"
_SNIPPET = 300


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


def joined(a: _Tally, b: _Tally) -> _Tally:
    """One row of two counted over interleaved lines of one input (line numbers apart),
    as if counted in the lines' order: of equal times, or none, the earlier line is
    first and the later last (see `_earlier`, `_later`)."""
    first = b.first if _earlier(b.first, a.first) or (
        b.first.time == a.first.time and b.first.line < a.first.line) else a.first
    last = b.last if _later(b.last, a.last) and not (
        b.last.time == a.last.time and b.last.line < a.last.line) else a.last
    return _Tally(a.count + b.count, first, last)


def row_of(found: extract.Found) -> tuple:
    """A row's key but the message variant: product, code, and the status only when
    there is no code (a code's row holds it with any status)."""
    return (found.product, found.code, found.status if found.code is None else None)


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
        self.tally(row_of(f) + (hit.variant,),
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
        # _earlier and _later, inline: this runs for every error of a big log.
        time, first, last = seen.time, tally.first.time, tally.last.time
        if time is None or first is None:
            if first is None and time is not None:
                tally.first = seen
        elif time < first:
            tally.first = seen
        if time is None or last is None:
            if last is None:
                tally.last = seen
        elif time >= last:
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



_DOCUMENTED: dict[str, bool] = {}
_TEMPLATES: dict[str, str] = {}
TEMPLATES_KEPT = 10000        # variants whose template is remembered, then all forgotten


def _variant(catalog: Catalog, message: str | None) -> str | None:
    """The documented template a message fills in, else the message with values as #."""
    v = variant(message)
    if v is None:
        return None
    if v not in _TEMPLATES:
        if len(_TEMPLATES) > TEMPLATES_KEPT:
            _TEMPLATES.clear()
        _TEMPLATES[v] = template_of(catalog, message, v)
    return _TEMPLATES[v]


def template_of(catalog: Catalog, message: str, v: str) -> str:
    """The documented template a message of variant `v` fills in, else `v` itself (what
    the first message of a variant makes of all of them, see `_variant`)."""
    matches = catalog.match_message(message)
    return matches[0].template if matches else v


def _documented(catalog: Catalog, message: str) -> bool:
    if message not in _DOCUMENTED:
        if len(_DOCUMENTED) > 10000:
            _DOCUMENTED.clear()
        _DOCUMENTED[message] = bool(catalog.match_message(message))
    return _DOCUMENTED[message]


_VALUES = compiled(
    r"(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:]{2,}:[0-9a-fA-F:]+|(?<![A-Za-z])[-+]?\d+(?:\.\d+)?")
_QUOTED = compiled(r"'[^']{1,80}'")


def variant(message: str | None) -> str | None:
    """The message with its values (numbers, IPs, quoted names) normalised."""
    if message is None:
        return None
    return _QUOTED.sub("'…'", _VALUES.sub("#", message))



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
        if message and product is not None and len(entries) > 1:
            # The message names one of the status's meanings on the product (503:
            # executed or not). Without a product it may be one that words its 5xx
            # alike but whose execution is unknown (spot's 503 "Service Unavailable").
            said = {m.entry.explanation.key for m in catalog.match_message(message)}
            entries = [e for e in entries if e.explanation.key in said] or entries
    elif message:
        entries = [m.entry for m in catalog.match_message(message)]
    if not entries:
        return None, None
    keys = {e.explanation.key for e in entries}
    if len(keys) > 1:
        names = "/".join(sorted({e.name or e.title for e in entries}))
        if code is not None:
            if same_error(entries):
                return names, f"advice differs per product: binance-doctor explain {code}"
            return names, f"means different things per product: binance-doctor explain {code}"
        if status is not None:
            # A status without a message: on one product a status can mean several
            # things (503: executed or not, unknown), told apart only by the message.
            where = f" --product {product.value}" if product is not None else ""
            return names, (f"means different things, told apart by the message: "
                           f"binance-doctor explain {status}{where}")
        return names, "means different things per product"
    return entries[0].name or entries[0].title, entries[0].explanation.one_line_fix
