"""Reading the JSON files shipped in `errors/data/`, fast.

`catalog.json` is the source of truth and stays readable and diffable, but
parsing 800 KB of JSON is the largest single cost of `explain -2010`'s
start-up (about a third of what it adds over a bare typer app). So the first
run keeps a `marshal` copy of the parsed data in the user's cache directory
(`$XDG_CACHE_HOME/binance-doctor/`, else `~/.cache/binance-doctor/`), and
later runs load that instead: about a fifth of the cost.

The copy is named after the file's place, size and modification time and the
interpreter's version, so an edited or reinstalled catalog, another install or
another Python never reads a stale copy. A cache that cannot be read or written
(read-only home, full disk) costs nothing but the speed-up.
"""

from __future__ import annotations

import binascii
import json
import marshal
import os
import sys
from pathlib import Path

_DATA = Path(__file__).with_name("data")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "binance-doctor"


def load(name: str) -> dict:
    """The parsed contents of `data/<name>`, from the cached copy when it is current."""
    source = _DATA / name
    try:
        st = source.stat()
    except OSError:
        # Not a plain file (a zipped install): read it through importlib.resources.
        from importlib import resources

        return json.loads(resources.files(__package__).joinpath("data", name).read_bytes())
    # One copy per installed file and Python: two installs (two venvs, a checkout and
    # a release) must not keep replacing each other's copy.
    where = binascii.crc32(os.fsencode(source))
    family = f"{source.stem}-{sys.implementation.cache_tag}-{where:08x}"
    cached = cache_dir() / f"{family}-{st.st_size}-{st.st_mtime_ns}.marshal"
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = json.loads(source.read_bytes())
    _store(cached, family, data)
    return data


def _store(path: Path, family: str, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{family}-*.marshal"):
            old.unlink(missing_ok=True)          # one copy per file and Python, not per edit
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(marshal.dumps(data))
        os.replace(temp, path)                   # atomic: a concurrent run never sees half
    except OSError:
        pass
