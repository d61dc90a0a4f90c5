"""Throughput and memory of `binance-doctor scan` against `grep -c` on a big log.

Generates two logs of about --mb megabytes (default 200): a repetitive one
(a few line shapes, mostly ordinary bot and web-server lines, about 1% Binance
error lines) and a varied one (timestamps and values changing on every line,
1% Binance errors in many client formats, 0.5% errors that are not Binance's:
JSON-RPC, errno, negative numbers). Every injected error is a documented one, counted
as a reader counts it (see BARE). Times `binance-doctor scan --json LOG` and
`grep -c -E -- '-[1-9][0-9]{3,4}' LOG` over several runs, and prints the
medians in MB/s, the ratio, and scan's peak RSS.

    python bench/scan.py                      # both logs, ~200 MB each, 5 runs each
    python bench/scan.py --log varied --runs 3
    python bench/scan.py --mb 1024 --runs 1   # the 1 GB memory check
    python bench/scan.py --engine both        # pure and hyperscan in the same run
    python bench/scan.py --instructions 105   # and callgrind's count for 105 MB

Run it with the Python of a venv holding a non-editable install (`pip install .`, or
`pip install '.[fast]'` for hyperscan), as users get it. Not a test: it prints
numbers, it asserts nothing about speed.
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
# What a bare regex for Binance codes does: the baseline both logs are compared with.
GREP_CODES = r'-[1-9][0-9]{3,4}'

# The varied log: values change on every line, many line shapes and client formats,
# and a share of errors that are not Binance's (JSON-RPC, errno, HTTP from elsewhere).
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBBTC", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT"]
CODES = [(-1021, "Timestamp for this request is outside of the recvWindow."),
         (-1022, "Signature for this request is not valid."),
         (-2010, "Account has insufficient balance for requested action."),
         (-1013, "Filter failure: LOT_SIZE"), (-2019, "Margin is insufficient."),
         (-1003, "Too many requests; current limit is 1200 requests per minute. Please use the "
                 "websocket for live updates to avoid polling the API."),
         (-4164, "Order's notional must be no smaller than 5 (unless you choose reduce only)."),
         (-1121, "Invalid symbol."), (-2015, "Invalid API-key, IP, or permissions for action.")]
VARIED_ERRORS = [
    '{ts} ERROR order {oid} failed: {{"code":{code},"msg":"{msg}"}}',
    "{ts} - bot - ERROR - APIError(code={code}): {msg}",
    "{ts} [ERROR] <APIError> code={code}, msg={msg} symbol={sym}",
    "{ts} ERROR ({status}, {code}, '{msg}', {{'Content-Type': 'application/json'}})",
    "{ts} WARN [ServerError] {code}: {msg}",
    "{ts} ERROR Api Error Code: {code} Message: {msg}",
    "{ts} ERROR error {code} placing {sym} order {oid}: {msg}",
    "{ts} ERROR ccxt.base.errors.InsufficientFunds: binance {msg}",
    "{ts} ERROR requests.exceptions.HTTPError: {bad} Client Error: for url: "
    "https://api.binance.com/api/v3/order?symbol={sym}&timestamp={ms}",
    "{ts} INFO https://fapi.binance.com/fapi/v1/order {sym} -> HTTP/1.1 {hot} ",
]
FOREIGN = [
    '{ts} ERROR eth rpc: {{"jsonrpc":"2.0","id":{n},"error":{{"code":-32000,"message":'
    '"nonce too low"}}}}',
    '{ts} WARN rpc {{"jsonrpc":"2.0","id":{n},"error":{{"code":-32603,"message":'
    '"Internal error"}}}}',
    "{ts} ERROR socket: [Errno -{errno}] connection reset, retry {b}",
    "{ts} INFO pnl {sym} -{n}.{b} USDT over {b} trades",
]
VARIED_ORDINARY = [
    "{ts} INFO [worker-{b}] {sym} bid={price} ask={price} spread={b} depth={n}",
    "{ts} DEBUG ws {sym}@depth lastUpdateId={ms} bids={b} asks={b}",
    '{ip} - - [15/Jan/2024:10:{b2}:{b2} +0000] "GET /api/orders/{oid} HTTP/1.1" 200 {n} "-" '
    '"Mozilla/5.0"',
    "{ts} INFO order {oid} filled {sym} qty={price} avg={price} fee={price} BNB",
    "{ts} - freqtrade.strategy - INFO - Pair {sym}, signal {b}, candle close {price}",
    "{ts} DEBUG heartbeat pid={n} rss={n}kB uptime={ms}",
]


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


# Lines that give a status and no body (the two VARIED_ERRORS that end with one). A
# reader holds such a status for WINDOW lines, waiting for its body: the same status
# again in that time is the same response, and a body on the very next line is its
# body (one error, not two). The expected count follows that rule.
BARE = {8: "bad", 9: "hot"}
WINDOW = 40


def generate_varied(path: Path, mb: int, seed: int = 11) -> int:
    """Values change on every line; 1% Binance errors in many client formats, 0.5%
    errors that are not Binance's. Returns the errors a reader finds in it."""
    rnd = random.Random(seed)
    target = mb * 1024 * 1024
    errors = size = 0
    line = 0
    pending: tuple[int, int] | None = None      # (line, status) of a bare status
    with path.open("w", encoding="utf-8") as out:
        t = 1_705_314_225.0
        while size < target:
            block = []
            for _ in range(1000):
                t += rnd.random()
                ms = int(t * 1000)
                ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{ms % 1000:03d}Z"
                code, msg = rnd.choice(CODES)
                fields = {"ts": ts, "ms": ms, "n": rnd.randrange(1, 10**7),
                          "b": rnd.randrange(1, 255), "b2": f"{rnd.randrange(60):02d}",
                          "oid": rnd.randrange(10**9, 10**10), "sym": rnd.choice(SYMBOLS),
                          "price": f"{rnd.uniform(0.0001, 70000):.4f}",
                          "ip": f"203.0.113.{rnd.randrange(1, 255)}", "code": code,
                          "msg": msg, "status": 400, "bad": rnd.choice([400, 401, 451]),
                          "hot": rnd.choice([418, 429, 503]), "errno": rnd.choice([104, 110])}
                r = rnd.random()
                line += 1
                if pending is not None and line - pending[0] > WINDOW:
                    pending = None
                if r < 0.01:
                    kind = rnd.randrange(len(VARIED_ERRORS))
                    block.append(VARIED_ERRORS[kind].format(**fields))
                    status = fields[BARE[kind]] if kind in BARE else None
                    if status is None:
                        if pending is None or line != pending[0] + 1:
                            errors += 1         # else the body of that status: one error
                        pending = None if pending and line == pending[0] + 1 else pending
                    elif pending is None or pending[1] != status:
                        errors += 1
                        pending = (line, status)
                elif r < 0.015:
                    block.append(rnd.choice(FOREIGN).format(**fields))
                else:
                    block.append(rnd.choice(VARIED_ORDINARY).format(**fields))
            text = "\n".join(block) + "\n"
            out.write(text)
            size += len(text)
    return errors


def run(cmd: list[str], env: dict | None = None) -> tuple[float, int, str, float]:
    """Seconds, peak RSS (KiB), stdout and CPU seconds (its own and its children's) of
    one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (time.perf_counter() - start, usage.ru_maxrss, out.decode(),
            usage.ru_utime + usage.ru_stime)


def measure(doctor: str, log: Path, runs: int, pattern: str, engines: list[str | None]) -> dict:
    """Medians of grep -c's and each engine's scan wall and CPU seconds, scan's peak
    RSS, the errors scan counts and the lines grep counts. Runs interleave: grep, then
    each engine, `runs` times, so a change in the machine's load hits all alike."""
    got: dict = {"grep": [], "grep_cpu": []}
    for e in engines:
        got[e] = {"wall": [], "cpu": [], "rss": [], "found": -1}
    grepped = 0
    for _ in range(runs):
        secs, _, out, cpu = run(["grep", "-c", "-E", "--", pattern, str(log)])
        got["grep"].append(secs)
        got["grep_cpu"].append(cpu)
        grepped = int(out.strip() or 0)
        for e in engines:
            env = dict(os.environ, **({ENGINE_ENV: e} if e else {}))
            secs, peak, out, cpu = run([doctor, "scan", "--json", str(log)], env)
            mine = got[e]
            mine["wall"].append(secs)
            mine["cpu"].append(cpu)
            mine["rss"].append(peak)
            mine["found"] = json.loads(out)["result"]["errors"] if out else -1
    m = {"grep": statistics.median(got["grep"]),
         "grep_cpu": statistics.median(got["grep_cpu"]), "grepped": grepped}
    for e in engines:
        mine = got[e]
        m[e] = {"wall": statistics.median(mine["wall"]), "cpu": statistics.median(mine["cpu"]),
                "rss": max(mine["rss"]), "found": mine["found"]}
    return m


ENGINE_ENV = "BINANCE_DOCTOR_SCAN_ENGINE"


def counted(doctor: str, log: Path, mb: int, engine: str | None) -> int:
    """Instructions of `scan --json -` over the log's first `mb` megabytes (whole lines),
    with a fixed hash seed so that dictionaries do the same work every run."""
    from startup import instructions        # bench/startup.py, beside this script

    with tempfile.TemporaryFile() as part, log.open("rb") as whole:
        # In pieces: a process this big would lend its size to the peak RSS of the scans
        # it starts after (the RSS column), forked from it before they exec.
        left = mb * 1_000_000
        while left > 0:
            piece = whole.read(min(left, 4 << 20))
            if not piece:
                break
            left -= len(piece)
            part.write(piece if left > 0 else piece[:piece.rfind(b"\n") + 1])
        part.seek(0)
        env = dict(os.environ, PYTHONHASHSEED="0", **({ENGINE_ENV: engine} if engine else {}))
        return instructions([doctor, "scan", "--json", "-"], env=env, stdin=part)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--log", choices=("both", "repetitive", "varied"), default="both")
    ap.add_argument("--engine", choices=("installed", "pure", "hyperscan", "both"),
                    default="installed",
                    help="the prefilter engine scan runs with (both: pure and hyperscan, "
                         "which needs the fast extra)")
    ap.add_argument("--keep", help="write the logs in this folder and keep them")
    ap.add_argument("--instructions", type=int, metavar="MB",
                    help="also count the instructions (valgrind's callgrind) of one process "
                         "reading the first MB megabytes of each log through stdin: they do "
                         "not move with the machine's load as wall times do")
    args = ap.parse_args()
    # The install beside this Python first: another one on PATH (a pyenv shim, an
    # editable checkout) is not the one measured.
    beside = Path(sys.executable).parent / "binance-doctor"
    doctor = str(beside) if beside.exists() else shutil.which("binance-doctor") or str(beside)
    kinds = ("repetitive", "varied") if args.log == "both" else (args.log,)
    engines: list[str | None] = {"installed": [None], "both": ["pure", "hyperscan"]}.get(
        args.engine, [args.engine])
    names = {}
    for e in engines:
        env = dict(os.environ, **({ENGINE_ENV: e} if e else {}))
        names[e] = subprocess.run([sys.executable, "-c", "from binance_doctor.errors import "
                                   "prefilter; print(prefilter.engine())"], capture_output=True,
                                  text=True, env=env).stdout.strip() or "unavailable"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            log = folder / f"bench-{kind}.log"
            make = generate if kind == "repetitive" else generate_varied
            injected = make(log, args.mb)
            os.sync()           # written back now, not by the kernel during the timed runs
            mb = log.stat().st_size / 1e6
            m = measure(doctor, log, args.runs, GREP_CODES, engines)
            g = m["grep"]
            print(f"{kind} log: {mb:.0f} MB, {injected} Binance errors injected")
            print(f"  grep -c -E -- '{GREP_CODES}': {m['grepped']} lines, median {g:.2f} s "
                  f"= {mb / g:.0f} MB/s ({m['grep_cpu']:.2f} s CPU)")
            for e in engines:
                s = m[e]["wall"]
                print(f"  scan ({names[e]}): {m[e]['found']} errors, median {s:.2f} s = "
                      f"{mb / s:.0f} MB/s ({m[e]['cpu']:.2f} s CPU, both processes)")
                print(f"    ratio scan/grep throughput: {g / s:.2f}; scan peak RSS "
                      f"{m[e]['rss'] / 1024:.0f} MiB")
            if args.instructions:
                for e in engines:
                    print(f"  instructions, scan ({names[e]}), one process, first "
                          f"{args.instructions} MB through stdin: "
                          f"{counted(doctor, log, args.instructions, e) / 1e9:.2f} G")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
