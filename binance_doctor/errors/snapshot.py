"""A snapshot of what reading text needs built: every catalog entry and the wording index.

Owns keeping that snapshot in the cache folder. Finding a documented message in
a line needs every wording of the catalog (so every entry built) and their
index (`wording.index`): ~90 ms to build, the largest part of the serial start
of a scan over a big log, before its two processes part. Unpickling the
snapshot takes ~8 ms.

The snapshot is named after the catalog's data files (place, size and time) and
the bytes of the modules that build what it holds, so an edited catalog or a
changed builder never reads a stale one. Only the bundled catalog uses it, when
its entries are first wanted all at once and none is built yet: the index
refers to entries by identity, and two objects for one entry must never meet.
It is written once, by the first run that builds the index. A snapshot that
cannot be read or written costs nothing but the speed-up. Unlike the marshal
copies `bundle` keeps, a pickle can run code when loaded: the cache folder is
the user's own, and what anyone who can write there could run anyway.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from binance_doctor.errors.catalog import Catalog

_HERE = Path(__file__).parent
# What the snapshot is built from: the data, and the code that builds entries and index.
_DATA = ("data/catalog.json", "data/history.json")
_CODE = ("catalog.py", "wording.py", "snapshot.py", "bundle.py", "../record.py",
         "../product.py", "../pattern.py")
# The catalog's lazily built values kept with the entries (cached_property names).
_BUILT = ("entries", "_templates", "_old_templates", "_heads")
_INDEX = "_wording_index"


def entries(catalog: Catalog, build: Callable[[], tuple]) -> tuple:
    """`catalog.entries`: every entry, from the snapshot when one is kept and no entry
    is built yet (it then also gives the catalog its wording lists and index)."""
    named = _name() if catalog.bundled and not catalog._built else None
    if named is not None:
        import pickle

        try:
            got = pickle.loads(named[0].read_bytes())
            catalog._built.update(got["entries"])
            catalog._explanations.update(got["explanations"])
            catalog.__dict__.update(got["built"])
            catalog.__dict__[_INDEX] = got["index"]
            return got["built"]["entries"]
        except Exception:       # noqa: BLE001 - any damage: build it as if none were kept
            try:
                named[0].unlink(missing_ok=True)     # and keep it anew
            except OSError:     # a cache "folder" that is a file: nothing to remove
                pass
            catalog._built.clear()
            catalog._explanations.clear()
            for name in (*_BUILT, _INDEX):
                catalog.__dict__.pop(name, None)
    return build()


def index(catalog: Catalog, build: Callable[[Catalog], Any]) -> Any:
    """`build(catalog)`, or the index the snapshot gave; a bundled catalog's is kept
    in a snapshot when none is."""
    catalog.entries                          # from the snapshot when there is one
    made = catalog.__dict__.get(_INDEX)
    if made is not None:
        return made
    made = build(catalog)
    named = _name() if catalog.bundled else None
    if named is not None and not named[0].exists():
        _keep(catalog, made, *named)
    return made


def _keep(catalog: Catalog, made: Any, path: Path, family: str) -> None:
    import pickle

    from binance_doctor.errors.bundle import store

    for name in _BUILT:
        getattr(catalog, name)                   # built now, so kept with the rest
    payload = pickle.dumps({"entries": catalog._built, "explanations": catalog._explanations,
                            "built": {n: catalog.__dict__[n] for n in _BUILT},
                            "index": made}, protocol=pickle.HIGHEST_PROTOCOL)
    store(path, family, payload)


def _name() -> tuple[Path, str] | None:
    """The snapshot's path and family (see bundle.store), or None when the package's
    files are not plain files."""
    from binance_doctor.errors.bundle import cache_dir

    key = 0
    try:
        for name in _DATA:
            st = (_HERE / name).stat()
            key = zlib.crc32(f"{name} {st.st_size} {st.st_mtime_ns}".encode(), key)
        for name in _CODE:
            key = zlib.crc32((_HERE / name).read_bytes(), key)
    except OSError:
        return None
    where = zlib.crc32(str(_HERE.resolve()).encode())
    family = f"snapshot-{sys.implementation.cache_tag}-{where:08x}"
    return cache_dir() / f"{family}-{key:08x}.pickle", family
