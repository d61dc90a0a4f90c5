"""Reading an input in large chunks of whole lines.

Owns how a stream becomes chunks: CHUNK bytes read at a time, cut after the
last newline (a line longer than 4 chunks is taken in pieces), curl -v lines
that end a chunk carried to the next, and the allocator told to keep the freed
chunks' memory for the next ones.
"""

from __future__ import annotations

import os
from typing import IO, Iterator

from binance_doctor.errors import prefilter

# 1 MB: a chunk and the copies made of it stay in a core's 2 MB L2 cache while the
# prefilter and then the candidate lines are read (against 4 MB: ~10-20 ms less over
# the 210 MB varied bench log, interleaved runs; 16 MB: ~60 ms more).
CHUNK = 1024 * 1024


def whole_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Whole-line chunks, cut after the last newline of each CHUNK read (a 10 MB line
    is cut). curl -v lines that end a read go with the next chunk (see `_curl_tail`)."""
    rest = b""
    while True:
        block = stream.read(CHUNK)
        full = len(block) == CHUNK             # more may follow
        if full:
            keep_memory()
        if not block:
            break
        cut = block.rfind(b"\n")
        if cut >= 0 and full:
            cut = _curl_tail(block, cut)   # the transcript goes on in the next chunk
        if cut < 0:                   # `rest` ends in a line without its newline yet
            rest += block
            if len(rest) < 4 * CHUNK:
                continue
            chunk, rest = rest, b""    # an endless line: take it in pieces
        elif rest:
            # One copy of the block, not two (rest + block, then the slice).
            chunk = b"".join((rest, memoryview(block)[:cut + 1]))
            rest = block[cut + 1:]
        elif cut == len(block) - 1:
            chunk, rest = block, b""
        else:
            chunk, rest = block[:cut + 1], block[cut + 1:]
        yield chunk
    if rest:
        yield rest if rest.endswith(b"\n") else rest + b"\n"


def _curl_tail(block: bytes, cut: int) -> int:
    """Where a chunk whose last newline is at `cut` ends so that the curl -v lines it
    ends with go with the next chunk: a transcript cut by a chunk's edge would lose
    the request line (its host, its path) that the body after the edge is read with,
    so the answer would depend on where edges fall. A run that fills the block from
    its start stays (it began in the chunk before)."""
    end = cut
    for start in prefilter.curl_before(block, cut + 1):
        if start == 0:
            break
        end = start - 1
    return end


def newlines(data: bytes, start: int = 0, end: int | None = None) -> int:
    """How many newlines data[start:end] holds. bytes.count tests byte after byte;
    bytes.replace finds each newline with memchr, so over a span of a few lines or
    more, deleting them and comparing the lengths takes half the time, the copies
    included (a line count is taken of every byte of a log)."""
    if end is None:
        end = len(data)
    if end - start < _BY_BYTE:
        return data.count(b"\n", start, end)
    if start == 0 and end == len(data) <= _PIECE:
        return end - len(data.replace(b"\n", b""))
    # _PIECE at a time: an endless line's span copied whole would double it.
    count = 0
    for at in range(start, end, _PIECE):
        piece = data[at:min(at + _PIECE, end)]
        count += len(piece) - len(piece.replace(b"\n", b""))
    return count


_BY_BYTE = 512
_PIECE = 4 * 1024 * 1024


_KEPT: list[bool] = []


def keep_memory() -> None:
    """Have glibc's malloc keep the memory of freed chunks for the next ones (once per
    process, and only for an input of more than one chunk). By default a block this big
    is mapped fresh and handed back when freed, so every chunk's pages fault in and are
    zeroed again: a third of reading's time. Elsewhere (another libc) nothing changes."""
    if _KEPT:
        return
    _KEPT.append(True)
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        # M_MMAP_THRESHOLD (-3): a chunk, with the line cut at its end, comes from the
        # heap (an endless line's bigger pieces are still mapped and handed back);
        # M_TRIM_THRESHOLD (-1): a few chunks' worth stays there when freed.
        mallopt(-3, 2 * CHUNK)
        mallopt(-1, 16 * CHUNK)
    except (OSError, ValueError, AttributeError):
        pass
