"""Which lines of a big log scan reads: those holding one of recall's anchors.

Owns the bulk search over whole buffers. The anchors come from `recall.anchors`
(the catalog's own codes, the statuses an error can be alone, the error words,
ccxt's form), so a shape recall learns to anchor is found here too. A line that
holds an anchor is read with the curl -v lines around it.

Two engines find the very same lines. The default is pure Python: one search per
anchor, each starting with a literal, so the regex engine or bytes.find skips
through ordinary text in C, and a hit costs Python-level work only when it is a
real anchor. With the `fast` extra (hyperscan) one pass finds them all.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator

from binance_doctor.pattern import compiled

# curl -v prefixes: a transcript's request, status and header lines around an error
# are read with it, so the body gets its status, headers and host.
CURL = (b"< ", b"> ", b"* ", b"{ [", b"<\r", b">\r", b"<\n", b">\n")
_CURL_SPAN = 80

# Signed codes, narrowed to the catalog's own codes right at the hit.
_SIGNED = compiled(rb"-([1-9][0-9]{3,4})(?![0-9])")
# Statuses, error words and ccxt's form are searched in a folded copy of the buffer:
# lower case, every byte a status may follow made a space, and 5 made 4, so one
# search finds 4xx and 5xx after any of them (offsets are those of the buffer). A
# decimal (a price, qty=451.25) is no status.
_STATUS = compiled(rb" 4[0-9][0-9](?![0-9]|\.[0-9])")

_ENGINE: list = []          # [(name, lines function)], built on first use
PURE, HYPERSCAN = "pure", "hyperscan"
ENV = "BINANCE_DOCTOR_SCAN_ENGINE"   # pure or hyperscan; unset: hyperscan when installed


def lines(chunk: bytes) -> list[int]:
    """Where each line to read starts, in order (`chunk` holds whole lines)."""
    if not _ENGINE:
        use(os.environ.get(ENV) or None)
    return _ENGINE[0][1](chunk)


def engine() -> str:
    if not _ENGINE:
        use(os.environ.get(ENV) or None)
    return _ENGINE[0][0]


def use(name: str | None) -> str:
    """Pick the engine: hyperscan when it is installed (None), or the one named."""
    if name not in (None, PURE, HYPERSCAN):
        raise ValueError(f"{ENV}={name}: use {PURE} or {HYPERSCAN}")
    from binance_doctor.errors import recall
    from binance_doctor.errors.catalog import load

    a = recall.anchors(load())
    made = None
    if name in (None, HYPERSCAN):
        made = _hyperscan(a)
        if made is None and name == HYPERSCAN:
            raise ImportError("hyperscan is not installed: pip install 'binance-doctor[fast]'")
    _ENGINE[:] = [(HYPERSCAN, made) if made else (PURE, _pure(a))]
    return _ENGINE[0][0]


def _pure(a) -> Callable[[bytes], list[int]]:
    upper = bytes(range(65, 91))
    table = bytes.maketrans(upper + a.status_before + b"5",
                            upper.lower() + b" " * len(a.status_before) + b"4")
    ccxt = compiled(a.ccxt).match
    codes, statuses, words = a.codes, a.statuses, a.words

    def pure(chunk: bytes) -> list[int]:
        hits = [m.start() for m in _SIGNED.finditer(chunk) if int(m.group(1)) in codes]
        folded = chunk.translate(table)
        hits += [m.start() for m in _STATUS.finditer(folded)
                 if int(chunk[m.start() + 1:m.end()]) in statuses]
        for word in words:
            _find_all(folded, word, hits)
        ccxt_at: list[int] = []
        _find_all(folded, b"binance", ccxt_at)
        hits += [at for at in ccxt_at if ccxt(chunk, at)]
        return _starts(chunk, hits)
    return pure


def _hyperscan(a) -> Callable[[bytes], list[int]] | None:
    """The same anchors in one hyperscan pass. Each pattern ends one byte past its
    anchor where the pure regex looks ahead: a chunk ends with a newline. Signed codes
    are the catalog's own, spelled out: literals are what hyperscan finds fastest (a
    '-' and four digits is everywhere in dates: 2.5x slower). Each code and each
    status is a pattern of its own, not one alternation: measured, hyperscan finds
    the same matches in 60% of the time so (65 ms against 109 over half the varied
    bench log, whose "=503" in "id=50312" and the like make the alternation slow)."""
    try:
        import hyperscan
    except ImportError:
        return None
    before = re.escape(a.status_before.decode()).replace("]", r"\]")
    patterns = [f"-{c}[^0-9]".encode() for c in sorted(a.codes)]
    patterns += [f"[{before}]{s}(?:[^0-9.]|\\.[^0-9])".encode() for s in sorted(a.statuses)]
    patterns += [a.ccxt] + [re.escape(w.decode()).encode() for w in a.words]
    flags = [0] * (len(patterns) - len(a.words)) + [hyperscan.HS_FLAG_CASELESS] * len(a.words)
    # Last, whether any line starts as curl -v's do: a chunk without one (most) needs
    # no look at the lines around each candidate.
    curl_id = len(patterns)
    patterns.append(b"^(?:" + b"|".join(re.escape(p) for p in CURL) + b")")
    flags.append(hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_SINGLEMATCH)
    db = _compiled(hyperscan, patterns, flags)

    def fast(chunk: bytes) -> list[int]:
        if not chunk.endswith(b"\n"):         # a piece of an endless line
            return pure(chunk)
        hits: list[int] = []
        add = hits.append
        curl: list[int] = []

        def on_match(i: int, start: int, end: int, flags: int, ctx: object) -> None:
            if i == curl_id:
                curl.append(end)
            else:
                add(end - 1)                   # a byte inside the anchor's line
        db.scan(chunk, match_event_handler=on_match)
        return _starts(chunk, hits, bool(curl))

    pure = _pure(a)
    return fast


def _compiled(hyperscan, patterns: list[bytes], flags: list[int]):
    """The hyperscan database for these patterns. Compiling the catalog's codes takes
    ~0.1 s, more than reading 100 MB: the compiled form is kept in the cache folder,
    named after the patterns, flags and hyperscan's version (it refuses another CPU's)."""
    import zlib

    from binance_doctor.errors.bundle import cache_dir, store

    key = zlib.crc32(b"\0".join(patterns) + repr(flags).encode())
    # One database kept per install (as the catalog's copy): two installs sharing the
    # cache folder would otherwise replace each other's and compile on every run. (Not
    # "prefilter-": an older install's clean-up of "prefilter-<version>-*" would remove
    # these.)
    where = zlib.crc32(os.fsencode(os.path.dirname(os.path.abspath(__file__))))
    family = f"hsdb-{hyperscan.__version__}-{where:08x}"
    cached = cache_dir() / f"{family}-{key:08x}.hsdb"
    try:
        db = hyperscan.loadb(cached.read_bytes(), hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)     # a loaded database comes without one
        return db
    except (OSError, hyperscan.HyperscanError):
        pass
    db = hyperscan.Database()
    db.compile(expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns),
               flags=flags)
    store(cached, family, hyperscan.dumpb(db))
    return db


def _starts(chunk: bytes, hits: list[int], curl: bool = True) -> list[int]:
    """The starts of the lines that hold the hits, with the curl -v lines around them
    (when `curl`: the chunk may hold such lines)."""
    starts: set[int] = set()
    rfind, find = chunk.rfind, chunk.find
    start = end = -1
    for at in hits:
        if start <= at <= end:
            continue             # in the line of the hit before (hits come mostly in order)
        # `at` is inside the line or its newline: the line starts after the one before.
        start = rfind(b"\n", 0, at) + 1
        end = find(b"\n", at)
        if end < 0:
            # A piece of an endless line: it runs to the chunk's end. (Left at -1, every
            # later hit in it looked back to its start again: quadratic, a 10 MB line of
            # "error error ..." took minutes.)
            end = len(chunk)
        if start not in starts:
            starts.add(start)
            if curl:
                _curl_context(chunk, start, starts)
    return sorted(starts)


def _find_all(data: bytes, needle: bytes, out: list[int]) -> None:
    find = data.find
    at = find(needle)
    while at >= 0:
        out.append(at)
        at = find(needle, at + 1)


def curl_before(chunk: bytes, at: int, most: int | None = None) -> Iterator[int]:
    """The starts of the curl -v lines right before the line that starts at `at`,
    nearest first, `most` of them at most."""
    while at > 0 and most != 0:
        prev = chunk.rfind(b"\n", 0, at - 1) + 1
        if not chunk.startswith(CURL, prev):
            return
        yield prev
        at = prev
        most = None if most is None else most - 1


def _curl_context(chunk: bytes, start: int, starts: set[int]) -> None:
    """Add the curl -v lines just before and after a candidate line."""
    starts.update(curl_before(chunk, start, _CURL_SPAN))
    at = start
    if not chunk.startswith(CURL, at):
        return
    for _ in range(_CURL_SPAN):                     # forwards, from a status line
        nxt = chunk.find(b"\n", at) + 1
        if nxt <= 0 or nxt >= len(chunk) or not chunk.startswith(CURL, nxt):
            break
        starts.add(nxt)
        at = nxt
