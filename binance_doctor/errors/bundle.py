"""Reading the JSON files shipped in `errors/data/`, fast.

`catalog.json` is the source of truth and stays readable and diffable, but
parsing 800 KB of JSON is the largest single cost of `explain -2010`'s
start-up. So the first run keeps a `marshal` copy of the data in the user's
cache directory (`$XDG_CACHE_HOME/binance-doctor/`, else
`~/.cache/binance-doctor/`), and later runs load that instead. A caller can
ask for a packed form instead of the parsed JSON (`pack`): the catalog keeps
each record marshalled on its own with its indexes built, so a run unpacks
only the records it looks up (see `catalog.pack`). The packed values it names
`lazy` (the records, ~1 MB) stay in the file: a later run reads the rest and
gets each of those as a `Region`, whose slices are read from the file when
asked for. Reading the whole copy and unmarshalling it cost `explain -2010`
~1.4 ms of wall time, mostly the kernel's and the allocator's, for the few
KB of records one code needs.

The copy is named after the file's place, size and modification time, the
interpreter's version and the packed form, so an edited or reinstalled
catalog, another install, another Python or a changed layout never reads a
stale copy. A cache that cannot be read or written (read-only home, full
disk) costs nothing but the speed-up.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from pathlib import Path
from typing import Any, Callable

_DATA = Path(__file__).with_name("data")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "binance-doctor"


def load(name: str, pack: Callable[[dict], Any] | None = None, form: str = "",
         lazy: tuple[str, ...] = ()) -> Any:
    """The parsed contents of `data/<name>`, or `pack(contents)` when given, from the
    cached copy when it is current. `form` names pack's layout: change it whenever the
    layout changes, so no copy in the older layout is read. `lazy` names keys of pack's
    dict whose values are bytes: from a cached copy they come as `Region`s."""
    source = _DATA / name
    try:
        st = source.stat()
    except OSError:
        # Not a plain file (a zipped install): read it through importlib.resources.
        import json
        from importlib import resources

        data = json.loads(resources.files(__package__).joinpath("data", name).read_bytes())
        return pack(data) if pack else data
    # One copy per installed file and Python: two installs (two venvs, a checkout and
    # a release) must not keep replacing each other's copy. (zlib's crc32 is binascii's;
    # zlib is loaded already at start-up.)
    where = zlib.crc32(os.fsencode(source))
    family = f"{source.stem}-{sys.implementation.cache_tag}-{where:08x}"
    layout = f"-{form}" if form else ""
    cached = cache_dir() / f"{family}{layout}-{st.st_size}-{st.st_mtime_ns}.marshal"
    try:
        return _read_regions(cached) if lazy else marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import json

    data = json.loads(source.read_bytes())
    if pack:
        data = pack(data)
    store(cached, family, _with_regions(data, lazy) if lazy else marshal.dumps(data))
    return data


def store(path: Path, family: str, payload: bytes) -> None:
    """Write a cached copy (`family-....ext` in cache_dir()), dropping the family's
    older copies; a cache that cannot be written costs nothing but the speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{family}-*{path.suffix}"):
            old.unlink(missing_ok=True)          # one copy per file and Python, not per edit
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(payload)
        os.replace(temp, path)                   # atomic: a concurrent run never sees half
    except OSError:
        pass


# A copy with regions: the head's size (4 bytes, little-endian), the head (marshalled:
# the values read at once, and where each region is), then the regions back to back.
_FIRST_READ = 32 * 1024        # the head of the catalog's copy is ~16 KB: one read


def _with_regions(data: dict, lazy: tuple[str, ...]) -> bytes:
    values = {k: v for k, v in data.items() if k not in lazy}
    regions, at = {}, 0
    for key in lazy:
        regions[key] = (at, len(data[key]))
        at += len(data[key])
    head = marshal.dumps({"values": values, "regions": regions})
    return b"".join([len(head).to_bytes(4, "little"), head, *(data[k] for k in lazy)])


def _read_regions(path: Path) -> dict:
    """A copy written by `_with_regions`: its values, and its regions as `Region`s (or,
    where os.pread is missing, as slices of the whole file read at once)."""
    if not hasattr(os, "pread"):                 # Windows
        whole = memoryview(path.read_bytes())
        head, base = _head(whole, _head_size(whole, len(whole)), len(whole))
        return {**head["values"], **{k: whole[base + at:base + at + n]
                                     for k, (at, n) in head["regions"].items()}}
    file = _File(os.open(path, os.O_RDONLY))
    total = os.fstat(file.fd).st_size
    first = os.pread(file.fd, _FIRST_READ, 0)
    size = _head_size(first, total)
    if 4 + size > len(first):
        first += os.pread(file.fd, 4 + size - len(first), len(first))
    head, base = _head(first, size, total)
    return {**head["values"], **{k: Region(file, base + at, n)
                                 for k, (at, n) in head["regions"].items()}}


def _head_size(first: bytes | memoryview, total: int) -> int:
    size = int.from_bytes(first[:4], "little")
    if 4 + size > total:         # a damaged size: never ask pread for gigabytes
        raise ValueError("a damaged copy")
    return size


def _head(data: bytes | memoryview, size: int, total: int) -> tuple[dict, int]:
    """The head of a copy of `total` bytes, and where its regions start; a copy whose
    regions do not end where the file does is damaged."""
    head = marshal.loads(memoryview(data)[4:4 + size])
    base = 4 + size
    if base + sum(n for _, n in head["regions"].values()) != total:
        raise ValueError("a damaged copy")
    return head, base


class _File:
    """An open copy, closed when the last Region reading it is gone."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __del__(self, close: Callable[[int], None] = os.close) -> None:
        close(self.fd)          # bound here: at interpreter exit `os` may be gone


class Region:
    """Bytes of a cached copy read when sliced: `region[a:b]` reads b - a bytes."""

    __slots__ = ("_file", "_at", "_size")

    def __init__(self, file: _File, at: int, size: int) -> None:
        self._file, self._at, self._size = file, at, size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, where: slice) -> bytes:
        start, stop, step = where.indices(self._size)
        if step != 1:
            raise ValueError("a Region is read in whole runs of bytes")
        return os.pread(self._file.fd, max(stop - start, 0), self._at + start)

    def __bytes__(self) -> bytes:
        return self[:]
