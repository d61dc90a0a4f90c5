"""Wall time of one full `check-key` run against a loopback Binance with injected latency.

The server delays every answer by --latency seconds (half before reading its
clock, half after), like a network round trip. check-key sends the clock
samples one after another, then the first signed read alone (so a 418/429/451
stops everything), then the other signed reads together. The baseline is the
same requests sent strictly one after another: requests × round trip. Prints
the medians and the ratio.

    python bench/keycheck.py [--runs 7] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from binance_doctor import credential  # noqa: E402
from binance_doctor.key import check as keycheck  # noqa: E402
from binance_doctor.key import probe  # noqa: E402
from binance_doctor.net import transport  # noqa: E402
from fake.account import FakeAccounts, FakeKey  # noqa: E402
from fake.server import FakeBinance  # noqa: E402

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
KEY = ("Bench5" * 11)[:64]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    with FakeBinance() as server, FakeBinance() as testnet:
        FakeAccounts(server, [FakeKey(KEY, SECRET)])
        server.latency(args.latency / 2)
        mainnet = probe.Network("mainnet", server.url, server.url, server.url)
        settings = probe.settings_for(
            False, mainnet, probe.Network("testnet", testnet.url, testnet.url, testnet.url))
        creds = credential.read(api_key=KEY, env={credential.ENV_SECRET: SECRET},
                                interactive=False)
        times, report = [], None
        for _ in range(args.runs):
            with transport.make_client(10) as client:
                start = time.perf_counter()
                report = keycheck.check(creds, KEY, settings, client)
                times.append(time.perf_counter() - start)
        assert report is not None and report.exit_code == 0, report
        # the sequential baseline: every request waits for the previous one
        with transport.make_client(10) as client:
            rtts = []
            for _ in range(5):
                start = time.perf_counter()
                client.get(server.url + "/api/v3/time")
                rtts.append(time.perf_counter() - start)
    median, rtt = statistics.median(times), statistics.median(rtts)
    baseline = len(report.requests) * rtt
    print(f"requests per run        {len(report.requests)} (weight {report.weight})")
    print(f"round trip (median)     {rtt * 1000:.1f} ms")
    print(f"check-key (median of {args.runs}) {median * 1000:.1f} ms")
    print(f"sequential baseline     {baseline * 1000:.1f} ms")
    print(f"ratio                   {median / baseline:.2f}")


if __name__ == "__main__":
    main()
