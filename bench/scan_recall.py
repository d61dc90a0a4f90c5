"""What scan's prefilter costs in recall on real pasted errors.

Puts every paste of a corpus (../shared/corpus/dev_errors.jsonl by default: JSON lines
with a "text") between ordinary log lines, so the file is far past the size scan
reads whole, and scans it twice: through the prefilter (errors.prefilter: only lines
holding one of recall's anchors are read) and reading every line. Prints how many
errors each finds and the ones only reading every line finds, by kind.

    python bench/scan_recall.py [CORPUS] [--show N]

Not a test: it prints numbers. The corpus is read where it lies, never copied.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
from pathlib import Path

NOISE = "2024-01-15T10:{m:02d}:{s:02d}Z INFO heartbeat pid={n} ok"


def hits(path: Path, whole: bool) -> set[tuple]:
    from binance_doctor.errors import catalog, scan

    cat = catalog.load()
    counter = scan.Counter(cat)
    counter.binary_as_text = True
    found: list = []
    old = scan._WHOLE
    scan._WHOLE = 1 << 40 if whole else old
    try:
        with open(path, "rb") as f:
            scan.scan(cat, str(path), f, counter, found.append)
    finally:
        scan._WHOLE = old
    return {(h.found.line, h.found.code, h.found.status, h.found.code_from) for h in found}


def _corpus() -> str | None:
    """The project's shared corpus: ../shared/corpus beside the repository (or a folder
    above a worktree of it)."""
    for up in Path(__file__).resolve().parents[1:]:
        found = up / "shared" / "corpus" / "dev_errors.jsonl"
        if found.exists():
            return str(found)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=_corpus())
    ap.add_argument("--show", type=int, default=0, help="print up to N lost lines")
    args = ap.parse_args()
    if args.corpus is None:
        ap.error("no corpus found beside the repository: give its path")
    rows = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]
    rnd = random.Random(1)
    lines: list[str] = []
    for row in rows:
        lines += [NOISE.format(m=rnd.randrange(60), s=rnd.randrange(60), n=rnd.randrange(10**6))
                  for _ in range(60)]
        lines += row["text"].splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "pastes.log"
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        picked, every = hits(log, False), hits(log, True)
    lost = sorted(every - picked)
    kinds = collections.Counter(
        "a message without its code" if how == "message" else
        "a status" if code is None else "a printed code" for _, code, status, how in lost)
    print(f"{len(rows)} pastes among ordinary lines, {len(lines)} "
          f"lines: reading every line finds {len(every)} errors, the prefilter's lines "
          f"{len(picked & every)} ({len(picked & every) / max(len(every), 1):.0%})")
    print("  lost: " + (", ".join(f"{n} with {k}" for k, n in kinds.most_common()) or "none"))
    for line_no, code, status, _ in lost[:args.show]:
        print(f"  line {line_no}: code {code} status {status}: {lines[line_no - 1][:100]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
