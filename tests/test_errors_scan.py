"""`binance-doctor scan` through the CLI: counting, timestamps, inputs, masking, exits."""

from __future__ import annotations

import gzip
import json

import pytest

from binance_doctor.failure import ExitCode
from support import TESTS, run_cli
from support import check_golden

MULTI = TESTS / "fixtures" / "extract" / "multi.log"
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
TS = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'


def rows(run) -> list[dict]:
    assert run.code == 0, run.stderr
    return run.json()["result"]["rows"]


def test_multi_format_log_summary_screen(monkeypatch):
    monkeypatch.chdir(MULTI.parent)
    run = run_cli("scan", MULTI.name)
    assert run.code == 0
    check_golden("scan_multi.txt", run.stdout)


def test_multi_format_log_counts_by_product_code_and_variant():
    got = {(r["product"], r["code"], r["status"]): r for r in rows(run_cli("scan", "--json",
                                                                          str(MULTI)))}
    assert got[(None, -1021, None)]["count"] == 3
    assert got[("usdm", -4164, None)]["variant"].startswith(
        "Order's notional must be no smaller than %s")
    # The filter the message names says more than the generic -1013.
    assert got[("spot", -1013, None)]["fix"].startswith("Read NOTIONAL minNotional")
    assert got[("papi", None, 429)]["count"] == 1
    # ccxt dropped the code; the documented message gives it back.
    assert got[(None, -2010, None)]["variant"] == (
        "Account has insufficient balance for requested action.")
    counts = [r["count"] for r in got.values()]
    assert counts == sorted(counts, reverse=True)


def test_first_and_last_seen_use_the_lines_timestamps(tmp_path):
    log = tmp_path / "t.log"
    log.write_text("\n".join([
        f"2024-03-01T10:00:00Z {TS}",
        f'203.0.113.1 - - [01/Mar/2024:09:00:00 +0000] "POST /order" 400 {TS}',
        f'{{"E":1709290800000,"body":{json.dumps(TS)}}}',          # 2024-03-01 11:00:00
        f"no time here {TS}",
    ]) + "\n")
    (row,) = [r for r in rows(run_cli("scan", "--json", str(log))) if r["code"] == -1021
              and r["product"] is None]
    assert row["first_seen"] == "2024-03-01 09:00:00"
    assert row["last_seen"] == "2024-03-01 11:00:00"


def test_gzip_and_stdin(tmp_path):
    gz = tmp_path / "bot.log.gz"
    gz.write_bytes(gzip.compress(MULTI.read_bytes()))
    plain = rows(run_cli("scan", "--json", str(MULTI)))
    assert [r["count"] for r in rows(run_cli("scan", "--json", str(gz)))] == \
        [r["count"] for r in plain]
    piped = rows(run_cli("scan", "--json", "-", input=MULTI.read_bytes()))
    assert sum(r["count"] for r in piped) == sum(r["count"] for r in plain) == 10


def test_jsonl_has_one_record_per_error_with_file_and_line():
    run = run_cli("scan", "--jsonl", str(MULTI))
    assert run.code == 0
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(records) == 10
    lines = MULTI.read_text().splitlines()
    for r in records:
        assert r["file"] == str(MULTI) and r["schema"] == "binance-doctor/1"
        if r["code"] is not None and r["code_from"] == "text":
            assert str(r["code"]) in lines[r["line"] - 1]
        elif r["code"] is not None:
            assert r["message"] in lines[r["line"] - 1]


def test_secrets_are_masked_in_everything_printed(tmp_path):
    log = tmp_path / "secrets.log"
    pem = "-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIAbc\\n-----END PRIVATE KEY-----"
    log.write_text("\n".join([
        f"GET /api/v3/order?symbol=X&signature=deadbeef1234 X-MBX-APIKEY: {KEY} {TS}",
        f'{{"apiKey":"shortKEY9","secret":"s3cr3tValue","pem":"{pem}","err":{json.dumps(TS)}}}',
        f"'X-MBX-APIKEY': 'anotherKey42' {{'code': -2015, 'msg': 'Invalid API-key {KEY}'}}",
    ]) + "\n")
    for args in (["--jsonl"], ["--json"], []):
        out = run_cli("scan", *args, str(log)).stdout
        for secret in (KEY, "deadbeef1234", "shortKEY9", "s3cr3tValue", "MC4CAQAw",
                       "anotherKey42"):
            assert secret not in out, (args, secret)
    assert "signature=***" in run_cli("scan", "--jsonl", str(log)).stdout


def test_missing_file_binary_file_and_no_error_have_distinct_exits(tmp_path):
    run = run_cli("scan", str(tmp_path / "nope.log"))
    assert run.code == ExitCode.NO_SUCH_FILE == 24
    assert "nope.log: no such file" in run.stderr and "Traceback" not in run.stderr
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"\x7fELF\x00\x00\x01" + bytes(range(256)) * 100)
    run = run_cli("scan", str(binary))
    assert run.code == ExitCode.BAD_INPUT
    assert "looks like a binary file" in run.stderr and "Traceback" not in run.stderr
    quiet = tmp_path / "quiet.log"
    quiet.write_text("2024-01-01 all good\n" * 100)
    run = run_cli("scan", str(quiet))
    assert run.code == ExitCode.NO_ERROR_FOUND and "in 100 lines" in run.stderr
    run = run_cli("scan", "--json", str(tmp_path))
    assert run.code == ExitCode.NO_SUCH_FILE and run.json()["ok"] is False


def test_long_lines_and_chunk_boundaries(tmp_path, monkeypatch):
    from binance_doctor.errors import chunks

    monkeypatch.setattr(chunks, "CHUNK", 1024)
    log = tmp_path / "long.log"
    filler = "x" * 5000
    log.write_text(f"{filler}\n" * 3 + f"{filler} {TS}\n" + f"pad {TS}\n" * 500 + filler)
    run = run_cli("scan", "--jsonl", str(log))
    lines = [json.loads(x)["line"] for x in run.stdout.splitlines()]
    assert lines[0] == 4 and lines[-1] == 504 and len(lines) == 501


# -- speed without a changed count: line shapes and two processes -------------------

FIXTURE_LINES = [line for path in sorted((MULTI.parent).glob("**/*.*"))
                 if path.suffix in (".txt", ".log")
                 for line in path.read_text(encoding="utf-8").splitlines()]
NOISE = [
    "{ts} - freqtrade.worker - INFO - Bot heartbeat. PID={n}, version='2024.1'",
    '203.0.113.{b} - - [15/Jan/2024:10:23:{s:02d} +0000] "GET /healthz HTTP/1.1" 200 {n}',
    "{ts} DEBUG websocket: depthUpdate BTCUSDT lastUpdateId={n} order {n}/{b}",
    "{ts} INFO  [worker-{b}] batch of {n} ticks in {b} ms",
]


def mixed_log(seed: int, bursts: int) -> str:
    """Every fixture line, with other times, numbers and codes, between runs of noise."""
    import random

    rnd = random.Random(seed)

    def digits(m) -> str:
        run = m.group(0)
        if rnd.random() < 0.5:
            return run
        return str(rnd.randrange(1, 10)) + "".join(str(rnd.randrange(10)) for _ in run[1:])

    import re

    out = []
    for i in range(bursts):
        s = i % 60
        ts = rnd.choice([f"2024-01-15 10:{i % 60:02d}:{s:02d},{rnd.randrange(1000):03d}",
                         f"2024-01-15T10:{i % 60:02d}:{s:02d}.{rnd.randrange(1000):03d}Z",
                         "", f"[15/Jan/2024:10:{i % 60:02d}:{s:02d} +0000]"])
        for _ in range(rnd.randrange(1, 12)):
            line = rnd.choice(FIXTURE_LINES)
            if rnd.random() < 0.5:
                line = re.sub(r"\d+", digits, line)
            out.append(f"{ts} {line}" if ts and rnd.random() < 0.7 else line)
        for _ in range(rnd.randrange(0, 90)):
            out.append(rnd.choice(NOISE).format(ts=ts or "2024-01-15 10:00:00,000",
                                                n=rnd.randrange(10**7), b=rnd.randrange(256),
                                                s=s))
    return "\n".join(out) + "\n"


def test_line_shapes_count_exactly_what_reading_every_line_counts(tmp_path, monkeypatch):
    from binance_doctor.errors import scan

    calls = []
    count = scan._Reader._count
    monkeypatch.setattr(scan._Reader, "_count", lambda self, *a: calls.append(1) or
                        count(self, *a))
    log = tmp_path / "mixed.log"
    log.write_text(mixed_log(1, 400) + MULTI.read_text(encoding="utf-8"))
    shaped = run_cli("scan", "--json", str(log))
    assert len(calls) > 100                        # lines of shapes seen before
    monkeypatch.setattr(scan, "_SHAPE_MAX", -1)    # every line read in full
    read = run_cli("scan", "--json", str(log))
    assert shaped.code == read.code == 0
    assert shaped.json() == read.json()
    assert shaped.json()["result"]["errors"] > 500


def _split_scan(tmp_path, monkeypatch, text: str) -> tuple[dict, dict]:
    from binance_doctor.errors import chunks, halves, scan

    log = tmp_path / "big.log"
    log.write_text(text)
    monkeypatch.setattr(chunks, "CHUNK", 16 * 1024)
    monkeypatch.setattr(scan, "SPLIT_FROM", 1 << 40)
    one = run_cli("scan", "--json", str(log)).json()
    monkeypatch.setattr(scan, "SPLIT_FROM", 0)
    with log.open("rb") as f:
        pieces = halves.pieces_of(str(log), f)
        assert pieces is not None
        cuts = [s for i in range(1, len(pieces)) if (s := pieces.start(i)) is not None]
    assert cuts and all(0 < at < log.stat().st_size and text.encode()[at - 1] == ord("\n")
                        for at in cuts)
    two = run_cli("scan", "--json", str(log)).json()
    return one, two


def test_two_processes_count_exactly_what_one_counts(tmp_path, monkeypatch):
    one, two = _split_scan(tmp_path, monkeypatch, mixed_log(2, 300))
    assert one["result"]["errors"] > 500
    assert two == one


def test_second_process_gives_up_and_the_first_reads_on(tmp_path, monkeypatch):
    from binance_doctor.errors import halves
    monkeypatch.setattr(halves, "_LATE_ROWS", 0)     # too many kinds for it to say exactly
    one, two = _split_scan(tmp_path, monkeypatch, mixed_log(3, 200))
    assert two == one


def test_stdin_gzip_and_jsonl_stay_in_one_process(tmp_path, monkeypatch):
    from binance_doctor.errors import chunks, halves, scan

    monkeypatch.setattr(scan, "SPLIT_FROM", 0)
    monkeypatch.setattr(chunks, "CHUNK", 16 * 1024)
    log = tmp_path / "big.log"
    log.write_text(mixed_log(4, 100))
    with log.open("rb") as f:
        assert halves.pieces_of("-", f) is None
    gz = tmp_path / "big.log.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    with scan.open_input(str(gz)) as f:
        assert halves.pieces_of(str(gz), f) is None
    records = run_cli("scan", "--jsonl", str(log)).stdout.splitlines()
    assert len(records) == run_cli("scan", "--json", str(log)).json()["result"]["errors"] > 100


def test_line_shapes_keep_unsigned_codes_apart(tmp_path):
    """Lines of one shape differ only in an unsigned code (Error Code:3045 / :1021): the
    shape cache must read each code, not repeat the first line's."""
    lines = []
    for i in range(3000):
        lines.append(f"2024-01-15T10:00:{i % 60:02d}Z INFO heartbeat {i} ok, some filler text")
        if i % 10 == 0:
            lines.append(f"2024-01-15T10:00:{i % 60:02d}Z ERROR Error Code:"
                         f"{3045 if i % 20 else 1021} y")
    log = tmp_path / "shapes.log"
    log.write_text("\n".join(lines) + "\n")
    rows = run_cli("scan", "--json", str(log)).json()["result"]["rows"]
    assert sorted((r["code"], r["count"]) for r in rows) == [(-3045, 150), (-1021, 150)]


def _status_log(seed: int) -> str:
    """Bare statuses that wait for a body, bodies right after some of them, coded lines
    inside and past their window, and 3-digit numbers that are statuses or not."""
    import random

    rnd = random.Random(seed)
    out = []
    for i in range(4000):
        ts = f"2024-01-15T{10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
        r = rnd.random()
        if r < 0.04:
            out.append(f"{ts} INFO https://fapi.binance.com/fapi/v1/order BTCUSDT -> HTTP/1.1 "
                       f"{rnd.choice([418, 429, 503])} ")
            if rnd.random() < 0.3:               # its body, on the very next line
                out.append('{"code":-1003,"msg":"Too many requests."}')
        elif r < 0.10:
            code, msg = rnd.choice([(-1021, "Timestamp for this request is outside of the "
                                            "recvWindow."), (-2010, "Account has insufficient "
                                                                    "balance for requested action.")])
            out.append(f"{ts} ERROR order {rnd.randrange(10**9)} failed: "
                       f'{{"code":{code},"msg":"{msg}"}}')
        elif r < 0.14:
            out.append(f"{ts} ERROR HTTP {rnd.choice([187, 204, 429, 503, 999])} from gateway, "
                       f"retry {rnd.randrange(100, 999)}")
        else:
            out.append(f"{ts} INFO tick {rnd.randrange(10**6)} depth {rnd.randrange(100, 999)}")
    return "\n".join(out) + "\n"


def test_statuses_waiting_for_a_body_count_the_same_by_shape(tmp_path, monkeypatch):
    from binance_doctor.errors import extract, scan

    used = {"waits": 0, "count": 0}
    waits, count = extract.Reader.waits, scan._Reader._count
    monkeypatch.setattr(extract.Reader, "waits", lambda self, *a: used.__setitem__(
        "waits", used["waits"] + 1) or waits(self, *a))
    monkeypatch.setattr(scan._Reader, "_count", lambda self, *a: used.__setitem__(
        "count", used["count"] + 1) or count(self, *a))
    log = tmp_path / "statuses.log"
    log.write_text(_status_log(5))
    shaped = run_cli("scan", "--json", str(log))
    assert used["waits"] > 20 and used["count"] > 100     # both short cuts were taken
    monkeypatch.setattr(scan, "_SHAPE_MAX", -1)            # every line read in full
    read = run_cli("scan", "--json", str(log))
    assert shaped.code == read.code == 0
    assert shaped.json() == read.json()
    statuses = {r["status"] for r in read.json()["result"]["rows"] if r["code"] is None}
    assert {429, 503} <= statuses and not statuses & {187, 204, 999}


def _summary_rows(path, full: bool) -> list:
    """Every row of a scan's summary with its first and last hit, the Found in whole
    (headers, hints, product), by shape or reading every line in full."""
    from binance_doctor.errors import scan
    from binance_doctor.errors.catalog import load
    from binance_doctor.errors.tally import Counter

    before = scan._SHAPE_MAX
    scan._SHAPE_MAX = -1 if full else before
    try:
        counter = Counter(load())
        with open(path, "rb") as f:
            size, lines = scan.scan(load(), str(path), f, counter)
    finally:
        scan._SHAPE_MAX = before
    return [(r.product, r.code, r.status, r.variant, r.count, r.first, r.last)
            for r in counter.summary((str(path),), size, lines).rows]


def test_a_header_a_waiting_status_takes_is_taken_by_shape_too(tmp_path):
    # Line 44 repeats line 1's shape while the 503 waits; reading it in full clears the
    # weight header of line 2 (too far from line 44), so the 503 has none either.
    body = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
    lines = [body, "x-mbx-used-weight-1m: 498"] + ["INFO ok"] * 39 + [
        "ERROR HTTP/1.1 503", "INFO ok", body]
    log = tmp_path / "headers.log"
    log.write_text("\n".join(lines) + "\n")
    full = _summary_rows(log, full=True)
    assert _summary_rows(log, full=False) == full
    (status,) = [r for r in full if r[2] == 503]
    assert status[5].found.headers == ()


def test_statuses_waiting_for_a_body_give_the_same_hits_by_shape(tmp_path):
    log = tmp_path / "statuses.log"
    log.write_text(_status_log(6))
    full = _summary_rows(log, full=True)
    assert len(full) > 3
    assert _summary_rows(log, full=False) == full


@pytest.mark.parametrize("digits", ["0123456789", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩"])
def test_a_time_in_any_decimal_digits_reads_as_in_ascii(digits):
    from binance_doctor.errors.timestamps import timestamp

    spelled = "2024-01-15T10:05:30.250Z".translate(str.maketrans("0123456789", digits))
    assert timestamp(f"{spelled} ERROR x") == timestamp("2024-01-15T10:05:30.250Z ERROR x") \
        == 1705313130.25
    assert timestamp("2024-01-15T10:65:30Z x") is None      # no minute 65


def test_a_shapes_time_is_read_where_the_shape_holds_it_as_a_search_reads_it():
    """Lines of one shape (their bytes differ only in ASCII digits) are timed by slicing
    where the first one's time sits: the very value `timestamp` finds by searching."""
    import random

    from binance_doctor.errors.scan import _ZEROS
    from binance_doctor.errors.timestamps import _timer, timestamp

    rnd = random.Random(11)
    # Two times on a line too: a reading that minded digits' values (hour 25 is no hour)
    # would take the second time on one line and the first on another of its shape.
    forms = ["{d} ERROR code=-1021", "[{d}] x", "bot | {d} | WARN -2010", "{d}Z", "at {d}+05:30 y",
             "{d}-0800 z", "{d} +0000 w", "pid 42 {d}", "no time here -1013 {d}",
             "{d} retry at {e}", "sent {d}Z, due {e}Z"]

    def stamp() -> str:
        sep = rnd.choice("T ")
        frac = rnd.choice(["", ".5", ".123", ",123456", ".123456789"])
        # Out of range values too: month 13, day 32, hour 24, minute 61, second 60.
        return (f"{rnd.randint(1969, 2039):04d}-{rnd.randint(0, 13):02d}-{rnd.randint(0, 32):02d}"
                f"{sep}{rnd.randint(0, 24):02d}:{rnd.randint(0, 61):02d}:{rnd.randint(0, 60):02d}"
                f"{frac}")

    tried = 0
    for form in forms:
        for _ in range(60):
            first = form.format(d=stamp(), e=stamp())
            for _ in range(20):
                other = form.format(d=stamp(), e=stamp())
                if other.encode().translate(_ZEROS) != first.encode().translate(_ZEROS):
                    continue                       # another shape
                tried += 1
                assert _timer(first)(other) == timestamp(other), (first, other)
    assert tried > 500
    # A shape without an ISO time is read by the search itself.
    assert _timer("Jan 15 10:00:00 host bot[1]: x") is timestamp


@pytest.mark.parametrize("phrase", ["Unauthorized", "Bad Request", "Client Error",
                                    "(Too Many Requests)", "TOO_MANY_REQUESTS"])
def test_a_status_after_a_comma_keeps_its_value_before_any_reason_phrase(tmp_path, phrase):
    # After ',' a 3-digit run is mostly milliseconds: it keys by value only when a reason
    # phrase follows, and that must be every phrase the extractor reads a status with.
    log = tmp_path / "comma.log"
    log.write_text(f"2024-01-15T10:00:01Z ERROR gateway said,403 {phrase}\n"
                   f"2024-01-15T10:00:02Z ERROR gateway said,429 {phrase}\n")
    full = _summary_rows(log, full=True)
    assert {r[2] for r in full} == {403, 429}
    assert _summary_rows(log, full=False) == full


def test_a_status_reported_after_its_chunk_or_at_the_end_keeps_its_time(tmp_path, monkeypatch):
    from binance_doctor.errors import chunks

    lines = []
    for i in range(3000):
        lines.append(f"2024-01-15T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO tick {i} "
                     + "x" * 40)
        if i % 97 == 0:         # waits for a body that never comes, across chunk edges
            lines.append(f"2024-01-15T10:{i // 60 % 60:02d}:{i % 60:02d}Z ERROR HTTP/1.1 429")
    lines.append("2024-01-15T11:59:59Z ERROR HTTP/1.1 503")      # the last line
    log = tmp_path / "waiting.log"
    log.write_text("\n".join(lines) + "\n")
    whole = run_cli("scan", "--json", str(log)).json()["result"]
    monkeypatch.setattr(chunks, "CHUNK", 16 * 1024)
    chunked = run_cli("scan", "--json", str(log)).json()["result"]
    assert chunked == whole
    by_status = {r["status"]: r for r in whole["rows"]}
    assert by_status[503]["first_seen"] == "2024-01-15 11:59:59"
    assert by_status[429]["count"] == 31 and by_status[429]["last_seen"] == "2024-01-15 10:48:30"


def test_line_shapes_give_the_same_hits_as_reading_every_line(tmp_path):
    # The first and last hit of every row in whole (headers, hints, product, line),
    # not only what --json prints of them.
    log = tmp_path / "mixed.log"
    log.write_text(mixed_log(7, 400) + MULTI.read_text(encoding="utf-8"))
    full = _summary_rows(log, full=True)
    assert sum(r[4] for r in full) > 500
    assert _summary_rows(log, full=False) == full
