"""Building scan's module-level regexes: plain re.compile against the kept sre code.

Each run is a fresh process importing the modules of scan's path
(errors/{origin,recall,extract,scan,tally,wording,catalog,prefilter}) and timing
the `pattern.compiled` calls they make: with the cache turned off (re.compile,
the baseline), on a first run (compiled and kept: an empty cache folder), and
on a later one (built from the kept code). Prints the median of each, the time
the kept file takes to load, and the ratio to the baseline.

    python bench/patterns.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

PROBE = """
import sys, time
from binance_doctor import pattern
if sys.argv[1] == "plain":
    pattern._off = True
spent, load = [0.0], [0.0]
build, read = pattern.compiled, pattern._load
def timed(*args):
    start = time.perf_counter()
    try:
        return build(*args)
    finally:
        spent[0] += time.perf_counter() - start
def timed_load():
    start = time.perf_counter()
    try:
        return read()
    finally:
        load[0] += time.perf_counter() - start
pattern.compiled, pattern._load = timed, timed_load
import binance_doctor.errors.bundle   # imported by the catalog anyway: not the load's cost
for name in ("origin", "recall", "extract", "scan", "tally", "wording", "catalog", "prefilter"):
    __import__("binance_doctor.errors." + name)
kept, compiled = pattern.counts()
print(spent[0] * 1000, load[0] * 1000, kept, compiled)
"""


def probe(mode: str, cache: str) -> tuple[float, float, int, int]:
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    plain, first, later, loads = [], [], [], []
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):         # interleaved: load falls on each alike
            plain.append(probe("plain", os.path.join(tmp, "plain"))[0])
            cold = probe("cache", os.path.join(tmp, f"cold{run}"))
            warm = probe("cache", os.path.join(tmp, f"cold{run}"))
            first.append(cold[0])
            later.append(warm[0])
            loads.append(warm[1])
            counts = {"first": cold[2:], "later": warm[2:]}
    base = statistics.median(plain)
    for name, values in (("re.compile (cache off)", plain), ("first run (compile, keep)", first),
                         ("later run (kept code)", later)):
        ms = statistics.median(values)
        print(f"{name:28s} {ms:7.2f} ms (median of {args.runs})  ratio {ms / base:.3f}")
    print(f"kept file load               {statistics.median(loads):7.2f} ms (median)")
    print(f"patterns built: first run kept/compiled {counts['first']}, "
          f"later run {counts['later']}")


if __name__ == "__main__":
    main()
