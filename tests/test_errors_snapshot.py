"""The snapshot of built entries and the wording index in the cache folder.

A run that finds no snapshot builds both and keeps them; a later run loads them
and must read text exactly as a run that built them; a damaged snapshot is
rebuilt, never trusted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Reads a few lines, and says whether the index came from a snapshot and whether the
# entries it refers to are the very objects the catalog's lookups return.
_READ = r"""
import json
from binance_doctor.errors import extract, snapshot, wording
from binance_doctor.errors.catalog import Kind, load

catalog = load()
index = wording.index(catalog)
lines = ["2024-01-02 ERROR Quantity less than zero.",
         "APIError(code=-2010): Account has insufficient balance for requested action.",
         "ccxt.base.errors.InvalidOrder: binance Order would immediately trigger.",
         "error: Too much request weight used; current limit is 6000 request weight per 1 MINUTE."]
read = [[list(c[:3]) for c in extract.analyse(line).codes] for line in lines]
ones = [w for ws in index.by_word.values() for w in ws]
same = all(any(e is w.entry for e in catalog.by_code(w.entry.code))
           for w in ones if w.entry.kind is Kind.CODE)
print(json.dumps({"read": read, "same": same, "wordings": len(catalog.wordings())}))
"""


def _run(cache) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    done = subprocess.run([sys.executable, "-c", _READ], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return json.loads(done.stdout)


def _snapshots(cache) -> list:
    return sorted((cache / "binance-doctor").glob("snapshot-*.pickle"))


def test_a_run_keeps_a_snapshot_and_the_next_reads_the_same_from_it(tmp_path):
    built = _run(tmp_path)
    kept = _snapshots(tmp_path)
    assert len(kept) == 1
    stamp = kept[0].stat().st_mtime_ns
    loaded = _run(tmp_path)
    assert _snapshots(tmp_path) == kept and kept[0].stat().st_mtime_ns == stamp   # read, not rewritten
    assert loaded == built
    assert loaded["read"][0] == [[-4003, "Quantity less than zero.", "message"]]
    assert loaded["same"] is True and loaded["wordings"] > 1000


def test_a_damaged_snapshot_is_rebuilt(tmp_path):
    built = _run(tmp_path)
    (path,) = _snapshots(tmp_path)
    path.write_bytes(path.read_bytes()[:5000])
    assert _run(tmp_path) == built
    assert path.stat().st_size > 100_000               # written anew, whole


def test_a_catalog_other_than_the_bundled_one_never_uses_it(tmp_path, monkeypatch):
    from binance_doctor.errors import snapshot, wording
    from binance_doctor.errors.catalog import load, parse

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    raw = json.loads((Path(snapshot.__file__).parent / "data" / "catalog.json").read_text())
    other = parse(raw)
    assert not other.bundled and load().bundled
    assert wording.index(other).by_word
    assert not _snapshots(tmp_path)


# Looks a message up first (match_message wants the templates before the entries): the
# templates must come from the snapshot too, built from the very entries it brings.
_LOOK_UP = r"""
import json
from binance_doctor.errors import catalog as C

built = []
make, normalise = C.Catalog._entry, C._normalise
C.Catalog._entry = lambda self, i: built.append(i) or make(self, i)
C._normalise = lambda text: built.append(text) or normalise(text)
catalog = C.load()
found = catalog.match_message("Timestamp for this request is outside of the recvWindow.")
entries = {id(e) for e in catalog.entries}
print(json.dumps({"built": len(built), "codes": sorted({m.entry.code for m in found}),
                  "same": all(id(h[3]) in entries for h in catalog._heads)}))
"""


def test_templates_looked_up_first_come_from_the_snapshot(tmp_path):
    _run(tmp_path)                                   # keeps the snapshot
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", _LOOK_UP], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    got = json.loads(done.stdout)
    assert got["built"] < 50 and got["same"] is True       # not 1275 templates again
    assert -1021 in got["codes"]
