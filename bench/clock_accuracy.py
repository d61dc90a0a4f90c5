"""How close `clock`'s offset estimate gets, against the naive serverTime − local time.

For each injected offset and latency (ms before the server reads its clock /
ms after), a loopback Binance is started and measured RUNS times with the
CLI's default of 5 samples. The table shows the median absolute error in ms
of our estimate (midpoint of the minimum-RTT sample), its reported bound, the
naive figure taken with the local time when the answer arrives (what most code
does), the naive figure taken with the local time when the request left, and
the ratio naive(receive) / ours.

Run: python bench/clock_accuracy.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx  # noqa: E402 - after the path set-up for the loopback server

from binance_doctor.clock import offset as clock  # noqa: E402
from fake.server import FakeBinance  # noqa: E402

OFFSETS = (-3000, -500, 0, 800, 2500)
LATENCIES = ((5, 5), (50, 50), (10, 120), (120, 10))


def measure(offset: int, before: int, after: int, runs: int) -> tuple[float, ...]:
    ours, bound, naive_recv, naive_send, inside = [], [], [], [], 0
    with FakeBinance(offset_ms=offset) as server, httpx.Client() as client:
        server.latency(before / 1000, after / 1000)
        for _ in range(runs):
            est = clock.measure_offset(client, server.url, samples=5)
            ours.append(abs(est.offset_ms - offset))
            bound.append(est.uncertainty_ms)
            inside += abs(est.offset_ms - offset) <= est.uncertainty_ms
            naive_recv.append(abs(est.naive_offset_ms - offset))
            sends = [s.server_ms - s.send_ms for s in est.samples]
            naive_send.append(abs(statistics.median(sends) - offset))
    medians = tuple(statistics.median(v) for v in (ours, bound, naive_recv, naive_send))
    return (*medians, inside)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"median absolute error in ms over {runs} runs of 5 samples each")
    header = ("offset", "out/back", "ours", "± bound", "in bound", "naive@recv",
              "naive@send", "naive@recv/ours")
    rows = []
    for offset in OFFSETS:
        for before, after in LATENCIES:
            ours, bound, recv, send, inside = measure(offset, before, after, runs)
            rows.append((f"{offset:+d}", f"{before}/{after}", f"{ours:.1f}", f"{bound:.1f}",
                         f"{inside}/{runs}", f"{recv:.1f}", f"{send:.1f}", f"{recv / max(ours, 0.1):.1f}x"))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    by_latency = {}
    for row in rows:
        by_latency.setdefault(row[1], []).append((float(row[2]), float(row[5])))
    print()
    print("per latency, median over offsets: ours / naive@recv")
    for lat, pairs in by_latency.items():
        ours = statistics.median(p[0] for p in pairs)
        naive = statistics.median(p[1] for p in pairs)
        print(f"  {lat:>7}: {ours:6.1f} / {naive:6.1f} ms")


if __name__ == "__main__":
    main()
