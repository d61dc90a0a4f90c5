"""Reading the JSON files shipped in `errors/data/`, fast.

`catalog.json` is the source of truth and stays readable and diffable, but
parsing 800 KB of JSON is the largest single cost of `explain -2010`'s
start-up. So the first run keeps a `marshal` copy of the data in the user's
cache directory (`$XDG_CACHE_HOME/binance-doctor/`, else
`~/.cache/binance-doctor/`), and later runs load that instead. A caller can
ask for a packed form instead of the parsed JSON (`pack`): the catalog keeps
each record marshalled on its own with its indexes built, so a run unpacks
only the records it looks up (see `catalog.pack`).

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


def load(name: str, pack: Callable[[dict], Any] | None = None, form: str = "") -> Any:
    """The parsed contents of `data/<name>`, or `pack(contents)` when given, from the
    cached copy when it is current. `form` names pack's layout: change it whenever the
    layout changes, so no copy in the older layout is read."""
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
        return marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import json

    data = json.loads(source.read_bytes())
    if pack:
        data = pack(data)
    store(cached, family, marshal.dumps(data))
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
