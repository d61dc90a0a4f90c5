"""scan with imperfect inputs: NUL runs, missing files and folders, syslog and Go times."""

from __future__ import annotations

import gzip

import pytest

from binance_doctor.errors import chunks
from binance_doctor.errors import timestamps as stamps
from binance_doctor.failure import ExitCode
from support import run_cli

ERROR = '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'


def test_a_log_that_starts_with_nul_bytes_is_scanned_and_the_skip_is_counted(tmp_path):
    log = tmp_path / "bot.log"
    log.write_bytes(b"\x00" * 4096 + b"2024-01-15T10:00:00Z " + ERROR.encode() + b"\n")
    run = run_cli("scan", str(log), "--json")
    assert run.code == ExitCode.OK, run.stderr
    result = run.json()["result"]
    assert result["errors"] == 1 and result["binary_skipped"] == 4096
    assert "4096 bytes of binary data" in run_cli("scan", str(log)).stdout


def test_nul_runs_in_the_middle_keep_line_numbers(tmp_path):
    log = tmp_path / "bot.log"
    log.write_bytes(b"start\n" + b"\x00" * 100 + b"\nmore\n" + ERROR.encode() + b"\n")
    (row,) = run_cli("scan", str(log), "--json").json()["result"]["rows"]
    assert row["first"]["line"] == 4


def test_a_real_binary_file_is_refused_unless_read_as_text(tmp_path):
    blob = tmp_path / "core.bin"
    blob.write_bytes(bytes(range(1, 32)) * 300 + ERROR.encode() + b"\n")
    refused = run_cli("scan", str(blob))
    assert refused.code == ExitCode.BAD_INPUT and "--binary-as-text" in refused.stderr
    forced = run_cli("scan", "--binary-as-text", str(blob), "--json")
    assert forced.code == ExitCode.OK and forced.json()["result"]["errors"] == 1


def test_missing_file_and_folder_are_named_and_the_rest_is_scanned(tmp_path):
    good = tmp_path / "good.log.gz"
    good.write_bytes(gzip.compress(((ERROR + "\n") * 3).encode()))
    missing = tmp_path / "missing.log"
    run = run_cli("scan", str(missing), str(good), str(tmp_path), "--json")
    assert run.code == ExitCode.SOME_INPUTS_UNREADABLE
    result = run.json()["result"]
    assert result["errors"] == 3 and result["files"] == [str(good)]
    assert [u["file"] for u in result["unreadable"]] == [str(missing), str(tmp_path)]
    assert f"{missing}: no such file" in run.stderr and f"{tmp_path}: is a directory" in run.stderr
    plain = run_cli("scan", str(good), str(missing))
    assert plain.code == 25 and "3 Binance errors" in plain.stdout


def test_no_error_in_what_was_readable_still_says_some_inputs_were_unreadable(tmp_path):
    quiet = tmp_path / "quiet.log"
    quiet.write_text("all good\n")
    run = run_cli("scan", str(quiet), str(tmp_path / "nope.log"))
    assert run.code == ExitCode.SOME_INPUTS_UNREADABLE
    assert "no Binance error found" in run.stderr and "nope.log: no such file" in run.stderr


def test_one_missing_file_alone_keeps_its_own_code(tmp_path):
    run = run_cli("scan", str(tmp_path / "nope.log"))
    assert run.code == ExitCode.NO_SUCH_FILE and run.stderr.count("no such file") == 1


@pytest.mark.parametrize("line,seen", [
    ("Jan 15 10:00:00 host bot[123]: " + ERROR, "-01-15 10:00:00"),
    ("<13>Mar  3 01:02:03 host bot[9]: " + ERROR, "-03-03 01:02:03"),
    ("2024/01/15 10:23:45 " + ERROR, "2024-01-15 10:23:45"),
    ("2024/01/15 10:23:45.123456 main.go:12: " + ERROR, "2024-01-15 10:23:45"),
])
def test_syslog_journald_and_go_timestamps_are_read(line, seen):
    (row,) = run_cli("scan", "-", "--json", input=line + "\n").json()["result"]["rows"]
    assert seen in row["first_seen"] and seen in row["last_seen"]


def test_syslog_year_is_the_latest_not_in_the_future():
    jan_2026 = 1_768_000_000        # 2026-01-09
    assert stamps._syslog_time("Dec", "31", "23", "59", "59", None, now=jan_2026) == \
        1_767_225_599.0                                               # 2025-12-31
    assert stamps._syslog_time("Feb", "30", "10", "00", "00", None, now=jan_2026) is None


_FAULTS = r"""
import resource, sys
from binance_doctor.errors import chunks

chunks.CHUNK = 1 << 20
if sys.argv[2] == "default":
    chunks.keep_memory = lambda: None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
with open(sys.argv[1], "rb") as f:
    for chunk in chunks.whole_lines(f):
        pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_chunks_of_a_big_input_reuse_kept_memory_on_glibc(tmp_path):
    """By default glibc maps many chunk-sized blocks fresh and hands them back, so
    their pages fault in (zeroed by the kernel) chunk after chunk; with scan's setting
    the memory of freed chunks serves the next ones."""
    import os
    import random
    import subprocess
    import sys

    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            pytest.skip("not glibc")
    except (ValueError, OSError):
        pytest.skip("not glibc")
    rnd = random.Random(7)
    log = tmp_path / "lines.log"
    log.write_text("".join("x" * rnd.randint(20, 140) + "\n" for _ in range(200_000)))
    faults = {}
    for mode in ("default", "kept"):
        run = subprocess.run([sys.executable, "-c", _FAULTS, str(log), mode],
                             capture_output=True, text=True)
        faults[mode] = int(run.stdout)
    # Reading ~16 MB: about a page fault per 4 KB read by default, a few chunks' worth
    # (the heap growing once) when kept.
    assert faults["default"] > 2 * faults["kept"], faults


def test_memory_is_kept_only_for_an_input_of_more_than_one_chunk(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(chunks, "keep_memory", lambda: calls.append(1))
    small = tmp_path / "small.log"
    small.write_text(ERROR + "\n")
    assert run_cli("scan", str(small), "--json").json()["result"]["errors"] == 1
    assert calls == []
    monkeypatch.setattr(chunks, "CHUNK", 64)
    big = tmp_path / "big.log"
    big.write_text(("2024-01-15T10:00:00Z INFO nothing to see here\n" * 10) + ERROR + "\n")
    assert run_cli("scan", str(big), "--json").json()["result"]["errors"] == 1
    assert calls


@pytest.mark.parametrize("piece", [4 * 1024 * 1024, 1000])
def test_newlines_counts_every_span_as_bytes_count_does(monkeypatch, piece):
    # Spans short (counted byte by byte) and long (counted by deleting, a piece at a
    # time), from and to any place, with and without newlines; a wrong count shifts
    # every line number.
    monkeypatch.setattr(chunks, "_PIECE", piece)
    lines = [b"x" * (i * 37 % 300) + b"\n" for i in range(200)] + [b"no newline at the end"]
    data = b"".join(lines)
    for start in (0, 1, 299, 511, 512, 513, 4000):
        for end in (start, start + 1, start + 511, start + 512, start + 5000, len(data)):
            assert chunks.newlines(data, start, end) == data.count(b"\n", start, end)
    assert chunks.newlines(data) == 200
    assert chunks.newlines(b"y" * 4096) == 0


def test_line_numbers_are_right_after_long_and_short_gaps(tmp_path):
    # Errors after gaps of every size: each row's first and last line are where they are.
    filler = [b"2026-01-01 INFO tick %d" % i for i in range(3000)]
    text = filler[:5] + [b'{"code":-1021,"msg":"x"}'] + filler[5:2000] + \
        [b'{"code":-2010,"msg":"y"}'] + filler[2000:2001] + [b'{"code":-1013,"msg":"z"}']
    log = tmp_path / "gaps.log"
    log.write_bytes(b"\n".join(text * 40) + b"\n")     # over _WHOLE: the prefilter path
    rows = {r["code"]: r for r in run_cli("scan", "--json", str(log)).json()["result"]["rows"]}
    per = len(text)
    assert rows[-1021]["first"]["line"] == 6 and rows[-1021]["last"]["line"] == 39 * per + 6
    assert rows[-2010]["first"]["line"] == 2002
    assert rows[-2010]["last"]["line"] == 39 * per + 2002
    assert rows[-1013]["first"]["line"] == per and rows[-1013]["last"]["line"] == 40 * per
