"""Regular expressions compiled on first use, and compiled once per machine.

Compiling is what a rarely used regex costs: the masking rules alone were
~14 M instructions of `explain -2010`'s start-up (an eighth of what it adds
over a bare typer app), and a run whose output holds nothing secret-shaped
never runs them. A `Pattern` is used like the `re.Pattern` it stands for.

`compiled(source, flags)` is `re.compile(source, flags)` without the parsing
and compiling on later runs: the code CPython's `re` builds for a regex (the
list of ints `_sre` runs, its group count and names) is kept in the cache
folder (`errors/bundle.cache_dir()`) and a later process hands it straight to
`_sre.compile`. scan's modules build ~170 regexes at import and first use,
~19 ms of a run's serial start.

The kept code is private to one interpreter build: the file is named after
`sys.version`, `sys.implementation.cache_tag` and `_sre.MAGIC`, and holds the
version it was written by. It is marshalled (no code runs when it is read),
each entry behind its own checksum, and read once per process, at the first
`compiled` call; entries compiled in the process are written back once, at
exit. Code is kept only when the pattern it builds is equal to `re.compile`'s
(same flags, code, source and groups). Before Python 3.11, on another
implementation, or on any failure at all (a private name gone, a damaged or
foreign file, `_sre` refusing the code, a folder that cannot be written), the
answer is plain `re.compile`'s.

Only the package's own patterns go through `compiled` (its modules' regexes, the
catalog's wordings and templates): their sources are written to the cache file, so
a pattern built from what a user pastes or configures (a key, a secret) must never
be (a test reads every cache file for the secrets of a scanned log).
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


class Pattern:
    """A regex compiled at its first use; then every `re.Pattern` method is its own."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = compiled(self.pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str):
        # Only names not found on the instance arrive (search, sub, split, ...): the
        # compiled pattern's, kept on the instance so later calls in a loop cost what
        # a module-level compiled regex costs.
        value = getattr(self.compiled, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r}, {self._flags!r})"


# Every (source, flags) `compiled` built in this process, in order (tests walk it).
BUILT: dict[tuple[Any, int], None] = {}

_FORM = "binance-doctor sre code 1"     # change whenever the file's layout changes
_MOST = 4096                            # entries kept; the oldest go first
_kept: dict | None = None               # (source, flags) -> checksum + marshalled code
_fresh: dict = {}                       # entries compiled in this process, to write back
_counts = [0, 0]
_off = False                            # the private API failed once: plain re.compile
_checked = False                        # a pattern built here was found equal to re's


def compiled(source: Any, flags: int = 0) -> re.Pattern:
    """`re.compile(source, flags)`, built from the code kept in the cache folder when
    it is there (and kept there for the next run when it is not)."""
    global _off
    try:
        key = (source, int(flags))
        if not _off and type(source) in (str, bytes) and not key[1] & _SPECIAL:
            entry = (_kept if _kept is not None else _load()).get(key)
            if not _off:
                built = _from_entry(source, entry) if entry is not None else None
                if built is not None:
                    _counts[0] += 1
                else:
                    built = _compile_and_keep(source, key[1])
                BUILT[key] = None
                return built
    except re.error:
        pass                # a wrong pattern: re.compile raises its own error below
    except Exception:   # noqa: BLE001 - any failure of the private API: the public one
        _off = True
    built = re.compile(source, flags)
    BUILT[source, int(flags)] = None
    return built


def counts() -> tuple[int, int]:
    """What `compiled` did in this process: patterns built from kept code, and
    patterns compiled (a class for this would cost every start-up its making)."""
    return _counts[0], _counts[1]


def cache_file() -> tuple[Path, str]:
    """The kept code's file for this interpreter, and its family's name (bundle.store)."""
    import zlib

    import _sre

    from binance_doctor.errors.bundle import cache_dir

    version = zlib.crc32(sys.version.encode())
    family = f"sre-{sys.implementation.cache_tag}-{version:08x}"
    return cache_dir() / f"{family}-{getattr(_sre, 'MAGIC', 0)}.marshal", family


def capture(source: Any, flags: int) -> tuple:
    """What `re._compiler.compile` hands `_sre.compile` after the pattern itself
    (CPython 3.11+; read from its source and done the same way)."""
    from re import _compiler, _parser

    p = _parser.parse(source, flags)
    # Opcodes are re's named int constants; _sre reads them as the C ints they are.
    code = list(map(int, _compiler._code(p, flags)))
    groupindex = p.state.groupdict
    indexgroup = [None] * p.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (flags | p.state.flags, code, p.state.groups - 1, groupindex, tuple(indexgroup))


# The names re._compiler.compile and _code use in the CPython `capture` was read from
# (3.11): another body, though in a version this checks, is not replicated.
_REPLICATED = (("isstring", "_parser", "parse", "_code", "SRE_FLAG_DEBUG", "print", "dis",
                "state", "groupdict", "groups", "items", "_sre", "compile", "flags", "tuple"),
               ("state", "flags", "_compile_info", "_compile", "data", "append", "SUCCESS"))


def _usable() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        return False
    from re import _compiler

    return (_compiler.compile.__code__.co_names, _compiler._code.__code__.co_names) == _REPLICATED


# DEBUG prints while compiling and TEMPLATE warns: both only as re.compile does it.
_SPECIAL = int(re.DEBUG) | int(getattr(re, "TEMPLATE", 0))


def _load() -> dict:
    """The kept entries (read once per process); none when the file is missing,
    damaged, foreign or written by another interpreter."""
    global _kept, _off
    _kept = {}
    if not _usable():
        _off = True
        return _kept
    import marshal

    path, _ = cache_file()
    try:
        form, version, entries = marshal.loads(path.read_bytes())
        if form == _FORM and version == sys.version and type(entries) is dict:
            _kept = entries
    except Exception:   # noqa: BLE001 - missing, damaged or foreign: compile anew
        pass
    return _kept


def _from_entry(source: Any, entry: Any) -> re.Pattern | None:
    """The pattern an entry's code builds; None for a damaged entry or code `_sre`
    refuses (both are compiled anew)."""
    import marshal
    import zlib

    import _sre

    body = memoryview(entry)[4:]
    if int.from_bytes(entry[:4], "little") != zlib.crc32(body):
        return None
    try:
        return _sre.compile(source, *marshal.loads(body))
    except Exception:   # noqa: BLE001 - _sre's validator refused the code
        return None


def _compile_and_keep(source: Any, flags: int) -> re.Pattern:
    """The pattern built from what `capture` takes, which is kept for the next run.
    The first in a process is checked against re.compile's own (equal flags, code,
    source and groups): a Python whose re builds code another way never uses it."""
    global _checked
    import marshal
    import zlib

    import _sre

    args = capture(source, flags)
    built = _sre.compile(source, *args)
    _counts[1] += 1
    if not _checked:
        plain = re.compile(source, flags)
        if built != plain or built.groupindex != plain.groupindex or built.groups != plain.groups:
            raise ValueError("this re builds its code another way")
        _checked = True
    body = marshal.dumps(args)
    if not _fresh:
        import atexit

        atexit.register(_write)
    _fresh[source, flags] = zlib.crc32(body).to_bytes(4, "little") + body
    return built


def _write() -> None:
    """Write the kept and the fresh entries back (at exit, once: a forked child that
    leaves by os._exit writes nothing). Never an error: the cache is only a speed-up."""
    if not _fresh:
        return
    try:
        import marshal

        from binance_doctor.errors.bundle import store

        path, family = cache_file()
        entries = {**(_kept or {}), **_fresh}
        for key in list(entries)[:max(len(entries) - _MOST, 0)]:
            del entries[key]
        store(path, family, marshal.dumps((_FORM, sys.version, entries)))
    except Exception:   # noqa: BLE001 - at exit nothing may fail loudly
        pass
