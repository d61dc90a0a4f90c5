"""Cold start-up of the Python API against the CLI's `explain -2010`.

Each run is a fresh process. Prints medians of:
- `python -c pass` (the interpreter alone),
- `import binance_doctor` (must stay near the interpreter: names load on first use),
- `import binance_doctor; binance_doctor.diagnose("-2010")` (a bot's first diagnosis),
- `binance-doctor explain -2010`, piped (the CLI path the API must not exceed),
and whether httpx was imported by the API paths (it must not be, before a Session).

    python bench/api_import.py [--runs 21]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from startup import medians_ms   # bench/startup.py: the same interleaved timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    script = Path(sys.executable).parent / "binance-doctor"
    if not script.exists():
        sys.exit("install binance-doctor into this interpreter first: pip install .")
    py = sys.executable
    rows = [("python -c pass", [py, "-c", "pass"]),
            ("import binance_doctor", [py, "-c", "import binance_doctor"]),
            ("import + diagnose('-2010')",
             [py, "-c", "import binance_doctor; binance_doctor.diagnose('-2010')"]),
            ("binance-doctor explain -2010", [str(script), "explain", "-2010"])]
    times = medians_ms([c for _, c in rows], args.runs)
    for (name, _), ms in zip(rows, times):
        print(f"{name:32s} {ms:8.1f} ms (median of {args.runs})")
    print(f"import binance_doctor adds  {times[1] - times[0]:6.1f} ms over the interpreter")
    print(f"ratio diagnose / explain    {times[2] / times[3]:.3f}  (target <= 1.00)")
    probe = ("import sys, binance_doctor; binance_doctor.diagnose('-2010'); "
             "print('httpx' in sys.modules)")
    httpx = subprocess.run([py, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    print(f"httpx imported by diagnose: {httpx}")


if __name__ == "__main__":
    main()
