"""The output choke point's cost: lines written through MaskedStream vs written raw.

Every line binance-doctor prints passes the mask (cli.main wraps stdout and stderr);
`scan --jsonl` prints one line per error found, so the per-line cost is what matters.
Lines vary (codes, counts, messages; one in 50 holds a key-shaped token to mask).
Prints the median of several runs for each, and the ratio.

    python bench/mask.py [--lines 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from binance_doctor.output import mask

KEY = "Hb7Xk2Lm9Qw4Er6Ty1Ui3Op5As8Df0Gh2Jk4Lz6Xc8Vb1Nm3Qa5Ws7Ed9Rf2Tg4Y"
MESSAGES = ["Timestamp for this request was 1000ms ahead of the server's time.",
            "Filter failure: LOT_SIZE", "Account has insufficient balance for requested action.",
            "Invalid API-key, IP, or permissions for action, request ip: 10.0.0.{}",
            "Too many requests; current limit is 1200 requests per minute..."]


def lines(n: int) -> list[str]:
    out = []
    for i in range(n):
        msg = MESSAGES[i % len(MESSAGES)].format(i % 250)
        text = f"2024-01-15T10:{i % 60:02d}:00Z bot ERROR {msg}" + (f" key {KEY}" if i % 50 == 0
                                                                   else "")
        out.append(json.dumps({"schema": "binance-doctor/1", "file": "bot.log", "line": i,
                               "code": -1000 - i % 100, "message": msg, "text": text}) + "\n")
    return out


def timed(write, data: list[str]) -> float:
    start = time.perf_counter()
    for line in data:
        write(line)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = lines(args.lines)
    raw, masked = [], []
    with open(os.devnull, "w") as sink:
        stream = mask.MaskedStream(sink, mask.Secrets())
        for _ in range(args.runs):
            raw.append(timed(sink.write, data))
            masked.append(timed(stream.write, data))
            stream.flush()
    r, m = statistics.median(raw), statistics.median(masked)
    print(f"{args.lines} lines: raw {r:.3f} s, masked {m:.3f} s "
          f"({m / args.lines * 1e6:.1f} µs a line), ratio {m / r:.1f}")


if __name__ == "__main__":
    main()
