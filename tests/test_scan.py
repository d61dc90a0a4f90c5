"""`binance-doctor scan` through the CLI: counting, timestamps, inputs, masking, exits."""

from __future__ import annotations

import gzip
import json

from binance_doctor.failure import ExitCode
from support import TESTS, run_cli
from test_screens import check_golden

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
    assert got[("spot", -1013, None)]["fix"].startswith("Read msg to find the failing filter")
    assert got[("papi", None, 429)]["count"] == 1
    assert got[(None, None, None)]["variant"] == (
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
        if r["code"] is not None:
            assert str(r["code"]) in lines[r["line"] - 1]


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
    from binance_doctor import scan

    monkeypatch.setattr(scan, "CHUNK", 1024)
    log = tmp_path / "long.log"
    filler = "x" * 5000
    log.write_text(f"{filler}\n" * 3 + f"{filler} {TS}\n" + f"pad {TS}\n" * 500 + filler)
    run = run_cli("scan", "--jsonl", str(log))
    lines = [json.loads(x)["line"] for x in run.stdout.splitlines()]
    assert lines[0] == 4 and lines[-1] == 504 and len(lines) == 501
