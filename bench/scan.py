"""Throughput and memory of `binance-doctor scan` against `grep -c` on a big log.

Generates a log of about --mb megabytes (default 200): mostly ordinary bot and
web-server lines, about 1% Binance error lines in the formats the extractor
knows. Times `binance-doctor scan --json LOG` and `grep -c -E PATTERN LOG`
(PATTERN matches the same error lines) over several runs, and prints the
medians in MB/s, the ratio, and scan's peak RSS.

    python bench/scan.py                  # ~200 MB, 5 runs each
    python bench/scan.py --mb 1024 --runs 1   # the 1 GB memory check

Not a test: it prints numbers, it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ERRORS = [
    '{ts} - freqtrade.exchange.exchange - WARNING - Could not create limit buy order on market '
    'BTC/USDT. Tried to buy amount {n} at rate 43000.0. Message: binance '
    '{{"code":-1013,"msg":"Filter failure: LOT_SIZE"}}',
    '{ts} - bot - ERROR - order failed: APIError(code=-1021): Timestamp for this request is '
    'outside of the recvWindow.',
    "{ts} - 4242 - hummingbot.connector.exchange.binance.binance_exchange - ERROR - Error "
    "executing request POST https://api.binance.com/api/v3/order. HTTP status is 400. Error: "
    '{{"code":-2010,"msg":"Account has insufficient balance for requested action."}}',
    '{ts} ERROR <APIError> code=-2019, msg=Margin is insufficient. url=https://fapi.binance.com'
    '/fapi/v1/order',
    "{ts} - bot - ERROR - order failed: (-1003, 'Way too much request weight used; IP banned "
    "until {ban}. Please use WebSocket Streams for live updates to avoid bans.')",
    '{ts} WARN ccxt.base.errors.DDoSProtection: binance 429 Too Many Requests '
    '{{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight '
    'per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}}',
]
ORDINARY = [
    "{ts} - freqtrade.worker - INFO - Bot heartbeat. PID={n}, version='2024.1', state='RUNNING'",
    "{ts} - freqtrade.strategy.interface - INFO - Pair ETH/USDT, signal is not set, "
    "candle close {n}.25",
    '203.0.113.{b} - - [15/Jan/2024:10:23:45 +0000] "GET /healthz HTTP/1.1" 200 {n} "-" '
    '"kube-probe/1.27"',
    "{ts} INFO  [worker-{b}] processed batch of {n} ticks in 12 ms; queue depth 3",
    "{ts} DEBUG websocket: received depthUpdate for BTCUSDT lastUpdateId={n}",
]
GREP = (r'code.{0,3}[:=] ?-[0-9]{4}|\(-[0-9]{4}, ')


def generate(path: Path, mb: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    target = mb * 1024 * 1024
    errors = 0
    size = 0
    with path.open("w", encoding="utf-8") as out:
        t = 1_705_314_225
        while size < target:
            block = []
            for _ in range(1000):
                t += 1
                ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + ",123"
                fields = {"ts": ts, "n": rnd.randrange(1, 10**6), "b": rnd.randrange(1, 255),
                          "ban": 1_705_400_000_000}
                if rnd.random() < 0.01:
                    block.append(rnd.choice(ERRORS).format(**fields))
                    errors += 1
                else:
                    block.append(rnd.choice(ORDINARY).format(**fields))
            text = "\n".join(block) + "\n"
            out.write(text)
            size += len(text)
    return errors


def run(cmd: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS (KiB) and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, out.decode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="write the log here and keep it")
    args = ap.parse_args()
    doctor = shutil.which("binance-doctor") or str(Path(sys.executable).parent / "binance-doctor")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(args.keep or Path(tmp) / "bench.log")
        injected = generate(log, args.mb)
        mb = log.stat().st_size / 1e6
        scan_t, grep_t, rss = [], [], []
        found = grepped = None
        for _ in range(args.runs):
            secs, peak, out = run(["grep", "-c", "-E", GREP, str(log)])
            grep_t.append(secs)
            grepped = int(out.strip() or 0)
            secs, peak, out = run([doctor, "scan", "--json", str(log)])
            scan_t.append(secs)
            rss.append(peak)
            found = json.loads(out)["result"]["errors"]
    s, g = statistics.median(scan_t), statistics.median(grep_t)
    print(f"log: {mb:.0f} MB, {injected} error lines injected")
    print(f"grep -c: {grepped} lines, median {g:.2f} s = {mb / g:.0f} MB/s")
    print(f"scan:    {found} errors, median {s:.2f} s = {mb / s:.0f} MB/s")
    print(f"ratio scan/grep throughput: {g / s:.2f}")
    print(f"scan peak RSS: {max(rss) / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
