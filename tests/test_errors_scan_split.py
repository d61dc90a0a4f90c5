"""scan reading a big file in two processes, through the CLI: the same answer as one.

The file is read in chunks (chunks.CHUNK, made small here) and cut into pieces at quiet
lines, shared out between two processes (errors.halves). Errors on the lines around every cut,
CRLF line ends, a last line without a newline and a file smaller than one chunk must
all be counted exactly as one process counts them.
"""

from __future__ import annotations

import pytest

from support import run_cli

CHUNK = 16 * 1024
ERRORS = [
    '{ts} ERROR order {n} failed: {{"code":-1021,"msg":"Timestamp for this request is '
    'outside of the recvWindow."}}',
    "{ts} - bot - ERROR - APIError(code=-2010): Account has insufficient balance for "
    "requested action.",
    "{ts} ERROR ccxt.base.errors.InvalidOrder: binance Filter failure: LOT_SIZE",
    "{ts} INFO https://fapi.binance.com/fapi/v1/order -> HTTP/1.1 418 ",
]
NOISE = "{ts} INFO [worker-{b}] BTCUSDT bid={n}.25 ask={n}.75 depth={b} pnl -{n}.5"


def _log(lines: int, every: int, seed: int = 5) -> tuple[str, int]:
    """A log with an error every `every` lines (in turn from ERRORS), and how many.
    Bare statuses are 60 lines apart, so each is one error of its own."""
    import random

    rnd = random.Random(seed)
    out, errors = [], 0
    for i in range(lines):
        ts = f"2024-01-15T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
        fields = {"ts": ts, "n": rnd.randrange(10**6), "b": rnd.randrange(256)}
        if i % every == 0:
            kind = (i // every) % len(ERRORS)
            out.append(ERRORS[kind].format(**fields))
            errors += 1
        else:
            out.append(NOISE.format(**fields))
    return "\n".join(out) + "\n", errors


def _edged(lines: list[str], place) -> str:
    """The lines with what `place(i, size, edge)` gives put before line i when it
    answers (size: the bytes so far; edge: the next chunk edge, moved on after it)."""
    out, size, edge = [], 0, CHUNK
    for i, line in enumerate(lines):
        extra = place(i, size, edge)
        if extra is not None:
            out += extra
            size += sum(len(x) + 1 for x in extra)
            edge += CHUNK
        elif size >= edge:
            edge += CHUNK
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"


def _scan(monkeypatch, path, workers: int, chunk: int = CHUNK) -> dict:
    from binance_doctor.errors import chunks, scan

    monkeypatch.setattr(chunks, "CHUNK", chunk)
    monkeypatch.setattr(scan, "SPLIT_FROM", 0 if workers == 2 else 1 << 40)
    run = run_cli("scan", "--json", str(path))
    assert run.code == 0, run.stderr
    return run.json()["result"]


def _cuts(monkeypatch, path) -> list[int]:
    """Where the file is cut into pieces: the starts of every piece but the first."""
    from binance_doctor.errors import chunks, halves, scan

    monkeypatch.setattr(chunks, "CHUNK", CHUNK)
    monkeypatch.setattr(scan, "SPLIT_FROM", 0)
    with open(path, "rb") as f:
        pieces = halves.pieces_of(str(path), f)
        assert pieces is not None, "the file was not shared between two processes"
        return [s for i in range(1, len(pieces)) if (s := pieces.start(i)) is not None]


@pytest.fixture
def two_cores(monkeypatch):
    import os

    if hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) < 2:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})


def test_one_and_two_processes_give_the_same_answer(tmp_path, monkeypatch, two_cores):
    text, errors = _log(6000, 60)
    log = tmp_path / "bot.log"
    log.write_text(text)
    one = _scan(monkeypatch, log, 1)
    two = _scan(monkeypatch, log, 2)
    cuts = _cuts(monkeypatch, log)
    assert len(cuts) > 3 and cuts == sorted(set(cuts))
    assert all(0 < at < log.stat().st_size and text.encode()[at - 1] == ord("\n")
               for at in cuts)
    assert one == two
    assert one["errors"] == errors == 100 and one["lines"] == 6000
    codes = {(r["code"], r["status"]): r["count"] for r in one["rows"]}
    assert codes == {(-1021, None): 25, (-2010, None): 25, (-1013, None): 25, (None, 418): 25}


def test_errors_on_the_lines_around_every_chunk_edge(tmp_path, monkeypatch, two_cores):
    """An error line that starts just before a chunk edge and ends after it, at every
    edge of the file but those near the middle (the two processes share the file at a
    quiet edge, which these are not)."""
    noise, _ = _log(400, 10**9)
    lines = noise.splitlines()[1:]          # the first is an error
    middle = range(len(noise) * 30 // 2 - 3 * CHUNK, len(noise) * 30 // 2 + 3 * CHUNK)
    errors = 0

    def straddle(i: int, size: int, edge: int) -> list[str] | None:
        nonlocal errors
        error = ERRORS[i % 3].format(ts="2024-01-15T10:00:00.000Z", n=i)
        if size + len(error) + 1 > edge - 20 and size < edge and edge not in middle:
            errors += 1
            return [error]                    # straddles the edge (or ends right at it)
        return None

    log = tmp_path / "edges.log"
    log.write_text(_edged(lines * 30, straddle))
    assert errors > 40
    one = _scan(monkeypatch, log, 1)
    two = _scan(monkeypatch, log, 2)
    assert _cuts(monkeypatch, log)
    assert one == two and one["errors"] == errors


def test_crlf_line_ends_count_as_lf_ones(tmp_path, monkeypatch, two_cores):
    text, errors = _log(4000, 100)
    lf, crlf = tmp_path / "lf.log", tmp_path / "crlf.log"
    lf.write_text(text)
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    assert _cuts(monkeypatch, crlf)
    plain = _scan(monkeypatch, lf, 2)
    for workers in (1, 2):
        got = _scan(monkeypatch, crlf, workers)
        assert got["errors"] == plain["errors"] == errors
        assert [(r["code"], r["status"], r["variant"], r["count"]) for r in got["rows"]] == \
            [(r["code"], r["status"], r["variant"], r["count"]) for r in plain["rows"]]
        assert not any("\r" in (r["variant"] or "") for r in got["rows"])


def test_last_line_without_a_newline(tmp_path, monkeypatch, two_cores):
    text, errors = _log(3000, 50)
    last = ERRORS[1].format(ts="2024-01-15T11:00:00.000Z", n=1)
    log = tmp_path / "cut.log"
    log.write_text(text + last)
    for workers in (1, 2):
        got = _scan(monkeypatch, log, workers)
        assert got["errors"] == errors + 1 and got["lines"] == 3001
        (row,) = [r for r in got["rows"] if r["code"] == -2010]
        assert row["last"]["line"] == 3001


def test_a_file_smaller_than_one_chunk(tmp_path, monkeypatch, two_cores):
    """Bigger than a paste (so the prefilter picks the lines), smaller than one chunk
    (so one process reads it): the count of reading every line."""
    from binance_doctor.errors import chunks, halves, scan

    text, errors = _log(3000, 15)
    assert scan._WHOLE < len(text) < chunks.CHUNK
    log = tmp_path / "small.log"
    log.write_text(text)
    got = _scan(monkeypatch, log, 2, chunk=chunks.CHUNK)
    with open(log, "rb") as f:
        assert halves.pieces_of(str(log), f) is None    # one process reads it all
    monkeypatch.setattr(scan, "_WHOLE", 1 << 40)        # every line read, no prefilter
    assert _scan(monkeypatch, log, 2, chunk=chunks.CHUNK) == got
    assert got["errors"] == errors == 200


TRANSCRIPT = ["> POST /fapi/v1/order HTTP/1.1", "> Host: fapi.binance.com", ">",
              "< HTTP/1.1 400 Bad Request", "< Content-Type: application/json", "<",
              '{"code":-2019,"msg":"Margin is insufficient."}']


@pytest.mark.parametrize("workers", [1, 2])
def test_a_curl_transcript_across_a_chunk_edge_reads_as_one(tmp_path, monkeypatch, two_cores,
                                                            workers):
    """A curl -v transcript cut by a chunk's edge at any of its lines: its body keeps the
    product its request line names (path /fapi/), as when the file is read in one chunk."""
    noise, _ = _log(3000, 10**9)
    placed = 0

    def transcript(i: int, size: int, edge: int) -> list[str] | None:
        nonlocal placed
        if not size < edge <= size + 400 or placed >= 40:
            return None
        # The edge falls inside the transcript, after a different line each time.
        before = sum(len(t) + 1 for t in TRANSCRIPT[:placed % len(TRANSCRIPT)])
        pad = max(edge - size - before - 1, 0)
        placed += 1
        return ["2024-01-15T10:00:00.000Z INFO " + "x" * max(pad - 31, 1), *TRANSCRIPT]

    log = tmp_path / "curl.log"
    log.write_text(_edged(noise.splitlines()[1:], transcript))
    assert placed >= 10
    whole = _scan(monkeypatch, log, 1, chunk=1 << 24)
    cut = _scan(monkeypatch, log, workers)
    assert cut == whole
    (row,) = [r for r in whole["rows"] if r["code"] == -2019]
    assert row["count"] == placed and row["product"] == "usdm"


def test_one_template_with_other_values_keeps_its_first_and_last_line(tmp_path, monkeypatch,
                                                                     two_cores):
    """Errors without a time: a row's first and last are its first and last lines. The
    second process keeps "per 10 SECOND." and "per DAY." apart (values normalised);
    here they are one row, and which was counted last must not decide its last line."""
    noise = _log(4000, 10**9)[0].splitlines()[1:]
    per = ['ERROR {{"code":-1015,"msg":"Too many new orders; current limit is {n} orders '
           'per {u}."}}'.format(n=n, u=u) for n, u in ((50, "10 SECOND"), (100000, "DAY"))]
    lines, at = [], {}
    for i, line in enumerate(noise):
        if i >= 2000 and i % 300 == 0:             # the second half only
            lines.append(per[i // 300 % 2])
            at.setdefault("first", len(lines))
            at["last"] = len(lines)
        lines.append(line)
    lines.append(per[1])        # the last is a "per DAY." one, the kind seen first
    at["last"] = len(lines)
    log = tmp_path / "limits.log"
    log.write_text("\n".join(lines) + "\n")
    assert 0 < _cuts(monkeypatch, log)[0] < len("\n".join(lines[:at["first"]]))
    one, two = _scan(monkeypatch, log, 1), _scan(monkeypatch, log, 2)
    (row,) = [r for r in two["rows"] if r["code"] == -1015]
    assert row["variant"] == "Too many new orders; current limit is %s orders per %s."
    assert (row["first"]["line"], row["last"]["line"]) == (at["first"], at["last"])
    assert one == two


def test_every_cut_is_a_quiet_line_after_its_target(tmp_path, monkeypatch, two_cores):
    """A piece starts at the first line after _QUIET whole lines that are no candidates,
    counted from where the piece was meant to start, within a chunk of it; a log
    without such lines is not cut."""
    from binance_doctor.errors import halves, prefilter

    text, _ = _log(6000, 60)
    log = tmp_path / "bot.log"
    log.write_text(text)
    data = text.encode()
    cuts = _cuts(monkeypatch, log)
    # The slow way: every line start after _QUIET lines that are no candidates, with
    # the first of those lines.
    picked = set(prefilter.lines(data))
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == ord("\n")][:-1]
    quiet = [(s, starts[n - halves._QUIET]) for n, s in enumerate(starts)
             if n >= halves._QUIET and not picked.intersection(starts[n - halves._QUIET:n])]
    targets = halves._targets(len(data))
    assert len(cuts) == len(targets) > 3
    for at, target, after in zip(cuts, targets, targets[1:] + [len(data)]):
        whole = min(s for s in starts if s > target)          # the first whole line
        assert at == min(s for s, run in quiet if run >= whole)
        assert target < at < min(target + CHUNK, after)
    # Errors on every line but a few: no quiet line, no cut.
    dense = "".join(ERRORS[0].format(ts="2024-01-15T10:00:00.000Z", n=i) + "\n"
                    for i in range(6000))
    log.write_text(dense)
    with open(log, "rb") as f:
        assert halves.pieces_of(str(log), f) is None


def test_a_process_held_up_reads_fewer_pieces(tmp_path, monkeypatch, two_cores):
    """The pieces are handed out as each process ends its last: while this process is
    held up in its first piece, the other one takes all the rest; the answer is still
    one process's."""
    import fcntl
    import os
    import sys
    import termios
    import time

    from binance_doctor.errors import halves

    text, errors = _log(12000, 80)
    log = tmp_path / "held.log"
    log.write_text(text)
    one = _scan(monkeypatch, log, 1)
    here, mine = os.getpid(), []
    real = halves._read

    def read(reader, pieces, i, taken, *rest):
        if os.getpid() != here:
            return real(reader, pieces, i, taken, *rest)
        left = bytearray(4)
        for _ in range(6000):           # until the other process took every piece (<1 min)
            fcntl.ioctl(taken, termios.FIONREAD, left)
            if not int.from_bytes(left, sys.byteorder):
                break
            time.sleep(0.01)
        done = real(reader, pieces, i, taken, *rest)
        mine.extend(n for n, _ in done)
        return done

    monkeypatch.setattr(halves, "_read", read)
    two = _scan(monkeypatch, log, 2)
    assert mine == [0] and len(_cuts(monkeypatch, log)) > 3
    assert two == one and one["errors"] == errors


def _dense(n: int) -> list[str]:
    """Error lines only: no quiet point among them."""
    return [ERRORS[1].format(ts="2024-01-15T10:00:00.000Z", n=i) for i in range(n)]


def test_no_split_in_the_first_chunk_where_a_paste_is_read_whole(tmp_path, monkeypatch,
                                                                 two_cores):
    """A quiet run near the start only: a first part that small would be one small
    chunk, read whole as a paste (every line, the host line too), where one process
    reads the file's first chunk through the prefilter."""
    head = ["2024-01-15T10:00:00.000Z INFO POST https://fapi.binance.com/fapi/v1/order",
            '2024-01-15T10:00:00.001Z ERROR {"code":-2019,"msg":"Margin is insufficient."}']
    head += [f"2024-01-15T10:00:01.000Z INFO tick {i}" for i in range(60)]
    log = tmp_path / "start.log"
    log.write_text("\n".join(head + _dense(2500)) + "\n")
    one, two = _scan(monkeypatch, log, 1), _scan(monkeypatch, log, 2)
    assert one == two and one["errors"] == 2501


def test_the_binary_check_sees_what_one_process_sees(tmp_path, monkeypatch, two_cores):
    """Clean lines, then lines of control bytes: one process refuses the file from its
    first chunk; a split among the first clean lines must not let it through."""
    clean = [f"2024-01-15T10:00:01.000Z INFO tick {i}" for i in range(45)]
    noisy = [ERRORS[1].format(ts="\x01\x02\x03" * 16, n=i) for i in range(2500)]
    log = tmp_path / "bin.log"
    log.write_text("\n".join(clean + noisy) + "\n")
    from binance_doctor.errors import chunks, scan

    for workers in (1, 2):
        monkeypatch.setattr(chunks, "CHUNK", CHUNK)
        monkeypatch.setattr(scan, "SPLIT_FROM", 0 if workers == 2 else 1 << 40)
        run = run_cli("scan", "--json", str(log))
        assert run.code == 4 and "binary file" in run.json()["result"]["message"], workers


def test_a_line_cut_into_pieces_is_never_quiet(tmp_path, monkeypatch, two_cores):
    """A line longer than four chunks is read in pieces, and a piece that ends on
    "HTTP/1.1 503" (the line goes on "1...") is read as a status of that host, which
    the error on the next line joins. The split must not fall after such a line."""
    err = ERRORS[0].format(ts="2024-01-15T10:00:00.000Z", n=7)
    before = [err] * (60000 // len(err)) + ["2024-01-15T10:00:02.000Z INFO tick"] * 41
    start = sum(len(x) + 1 for x in before)
    edge = -(-(start + 4 * CHUNK) // CHUNK) * CHUNK     # where the reader cuts the line
    host, status = "POST https://fapi.binance.com/fapi/v1/order ", " HTTP/1.1 503"
    long = host + "Z" * (edge - start - len(host) - len(status)) + status + "1" + "Z" * 2 * CHUNK
    margin = '2024-01-15T10:00:03.000Z ERROR {"code":-2019,"msg":"Margin is insufficient."}'
    log = tmp_path / "long.log"
    log.write_text("\n".join(before + [long, margin] + [err] * (50000 // len(err))) + "\n")
    one, two = _scan(monkeypatch, log, 1), _scan(monkeypatch, log, 2)
    assert one == two
    (row,) = [r for r in one["rows"] if r["code"] == -2019]
    assert row["count"] == 1


def test_looking_for_a_cut_in_a_dense_log_reads_little(tmp_path, monkeypatch, two_cores):
    """Every line a candidate: no cut, found by reading at most a chunk after each place
    a piece would start (a wider look cost a second and 200 MiB on a 130 MB log)."""
    import os

    from binance_doctor.errors import chunks, halves, scan

    line = (ERRORS[1].format(ts="2024-01-15T10:00:00.000Z", n=0) + "\n").encode()
    log = tmp_path / "dense.log"
    log.write_bytes(line * (40 * 1024 * 1024 // len(line)))
    monkeypatch.setattr(scan, "SPLIT_FROM", 0)
    asked = []
    real = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, n, at: (asked.append(n), real(fd, n, at))[1])
    with open(log, "rb") as f:
        assert halves.pieces_of(str(log), f) is None
    targets = halves._targets(log.stat().st_size)
    assert 3 < len(targets) < 20
    assert max(asked) == chunks.CHUNK and sum(asked) <= len(targets) * 1.2 * chunks.CHUNK


def test_a_second_process_that_says_nothing_whole_leaves_one_to_read_it_all(
        tmp_path, monkeypatch, two_cores):
    """The other process's answer cut short (killed while writing it) or no process to
    be had at all (a limit on processes): one process reads the file, with its answer,
    and no pipe is left open."""
    import os
    import pickle

    text, errors = _log(6000, 60)
    log = tmp_path / "bot.log"
    log.write_text(text)
    one = _scan(monkeypatch, log, 1)
    real = pickle.dumps
    monkeypatch.setattr(pickle, "dumps", lambda obj, **kw: real(obj, **kw)[:-7])
    assert _scan(monkeypatch, log, 2) == one
    monkeypatch.setattr(pickle, "dumps", real)

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    monkeypatch.setattr(os, "fork", no_fork)
    assert _scan(monkeypatch, log, 2) == one and one["errors"] == errors
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds


def test_a_variant_in_many_pieces_counts_once_against_the_templates_kept(
        tmp_path, monkeypatch, two_cores):
    """One process remembers the templates of so many variants, then forgets them all;
    the pieces are merged only when that cannot happen. A variant every piece holds is
    one variant: the pieces are merged, not read again in one process."""
    from binance_doctor.errors import halves, tally

    words = ["alpha", "bravo", "delta", "gamma", "kappa", "lambda", "omega", "sigma", "theta",
             "zeta", "hotel", "india", "kilo", "lima", "mike", "oscar", "papa", "romeo"]
    lines = []
    for i in range(9000):
        ts = f"2024-01-15T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
        if i % 50 == 0:
            word = words[i // 50 % len(words)]
            lines.append(f'{ts} ERROR {{"code":-1013,"msg":"Filter failure: {word} size"}}')
        else:
            lines.append(f"{ts} INFO [worker-{i % 7}] BTCUSDT bid={i}.25 ask={i}.75")
    log = tmp_path / "words.log"
    log.write_text("\n".join(lines) + "\n")
    one = _scan(monkeypatch, log, 1)
    assert len([r for r in one["rows"] if r["code"] == -1013]) == len(words)
    cuts = _cuts(monkeypatch, log)
    assert len(cuts) > 6
    # Room for these variants once, not once per piece.
    tally._TEMPLATES.clear()
    monkeypatch.setattr(tally, "TEMPLATES_KEPT", len(words) + 2)
    alone = []
    real = halves._alone
    monkeypatch.setattr(halves, "_alone", lambda *a: (alone.append(1), real(*a))[1])
    assert _scan(monkeypatch, log, 2) == one and not alone
    # With room for fewer: read again by one process, to the same answer.
    tally._TEMPLATES.clear()
    monkeypatch.setattr(tally, "TEMPLATES_KEPT", len(words) - 3)
    assert _scan(monkeypatch, log, 2) == one and alone


def test_templates_left_to_the_merge_are_those_one_process_picks(tmp_path, monkeypatch,
                                                                 two_cores):
    """A piece of many variants leaves their templates to the merge (`_FOUND_HERE`):
    documented messages with values still count under their template."""
    from binance_doctor.errors import halves, tally

    noise = _log(6000, 10**9)[0].splitlines()[1:]
    per = ['{ts} ERROR {{"code":-1015,"msg":"Too many new orders; current limit is {n} '
           'orders per {u}."}}'.format(ts="2024-01-15T10:00:00.000Z", n=n, u=u)
           for n, u in ((50, "10 SECOND"), (100000, "DAY"), (7, "MINUTE"))]
    lines = []
    for i, line in enumerate(noise):
        if i % 200 == 0:
            lines.append(per[i // 200 % 3])
        lines.append(line)
    log = tmp_path / "limits.log"
    log.write_text("\n".join(lines) + "\n")
    one = _scan(monkeypatch, log, 1)
    assert len(_cuts(monkeypatch, log)) > 3
    monkeypatch.setattr(halves, "_FOUND_HERE", 0)
    tally._TEMPLATES.clear()                # as in a new process: the merge finds them
    assert _scan(monkeypatch, log, 2) == one
    (row,) = [r for r in one["rows"] if r["code"] == -1015]
    assert row["variant"] == "Too many new orders; current limit is %s orders per %s."


def test_a_scan_run_with_sigchld_ignored_still_reads_in_two_processes(tmp_path, monkeypatch,
                                                                      two_cores):
    """A parent that ignores SIGCHLD hands that on through exec: the second process is
    then reaped unseen, and its answer is still taken (was: exit 4, "No such process")."""
    import signal

    text, errors = _log(6000, 60)
    log = tmp_path / "bot.log"
    log.write_text(text)
    one = _scan(monkeypatch, log, 1)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        two = _scan(monkeypatch, log, 2)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert two == one and one["errors"] == errors


def test_the_second_process_stops_when_the_first_is_gone():
    """Between pieces the second process looks for the first: gone, it ends at once
    rather than read on for nobody."""
    import os

    from binance_doctor.errors import halves

    taken, give = os.pipe()
    os.write(give, b"\x01\x02")
    pid = os.fork()
    if pid == 0:
        try:
            # Another parent than its own: as if the first were gone.
            halves._next(taken, os.getppid() + 1)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    os.close(taken)
    os.close(give)
    assert os.waitstatus_to_exitcode(status) == 1
