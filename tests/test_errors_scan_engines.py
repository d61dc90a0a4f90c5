"""scan's two prefilter engines find the very same lines (issue 17).

The pure-Python one is the default; hyperscan (`pip install 'binance-doctor[fast]'`)
finds the lines holding recall's anchors in one pass. The answers must not differ by
a byte, on a varied log and on lines made to sit at each anchor's edges. Skipped
only when hyperscan is not installed.
"""

from __future__ import annotations

import pytest

from support import run_cli

pytest.importorskip("hyperscan")

EDGES = [
    "2024-01-15T10:00:00Z ERROR order failed -1021-2010 twice",
    "2024-01-15T10:00:01Z WARN pnl -1021.5 and -10215 and -2010",
    "2024-01-15T10:00:02Z INFO qty=451.25 avg=503.1 status=503. then (429, None, x)",
    "2024-01-15T10:00:03Z INFO upstream said 503",
    "2024-01-15T10:00:04Z INFO got [418] then '451' then \"429\" then >403<",
    "2024-01-15T10:00:05Z Error: ccxt.base.errors.InsufficientFunds: binance Account has "
    "insufficient balance for requested action.",
    "2024-01-15T10:00:06Z InsufficientFunds('binanceusdm Margin is insufficient.')",
    "2024-01-15T10:00:07Z Binance Account has insufficient balance for requested action.",
    "2024-01-15T10:00:08Z eRRoR x 5000 4000 -99999 -1000",
    "< HTTP/1.1 400 Bad Request",
    "< x-mbx-used-weight-1m: 12",
    '{"code":-1013,"msg":"Filter failure: LOT_SIZE"}',
    "2024-01-15T10:00:09Z HTTP/1.1 502 Bad Gateway\r",
    "2024-01-15T10:00:10Z code=-1022\r",
]


@pytest.fixture
def engines():
    from binance_doctor.errors import prefilter

    yield prefilter
    prefilter._ENGINE.clear()


def _both(engines, monkeypatch, log, *args) -> tuple[str, str]:
    from binance_doctor.errors import scan

    monkeypatch.setattr(scan, "_WHOLE", 0)          # the prefilter for any size
    out = []
    for name in ("pure", "hyperscan"):
        assert engines.use(name) == name
        run = run_cli("scan", *args, str(log))
        assert run.code == 0, run.stderr
        out.append(run.stdout)
    return out[0], out[1]


@pytest.mark.parametrize("mode", ["--json", "--jsonl"])
def test_both_engines_give_the_same_answer_on_a_varied_log(tmp_path, monkeypatch, engines,
                                                            mode):
    from test_errors_scan_golden import varied_log

    log = tmp_path / "varied.log"
    log.write_text(varied_log(4000, seed=3) + "\n".join(EDGES * 3) + "\n")
    pure, fast = _both(engines, monkeypatch, log, mode)
    assert pure == fast and pure.count("\n") > 10


def test_both_engines_pick_the_same_lines_at_the_anchors_edges(engines):
    text = ("\n".join(EDGES) + "\n").encode()
    picked = []
    for name in ("pure", "hyperscan"):
        engines.use(name)
        picked.append(engines.lines(text))
    assert picked[0] == picked[1]
    starts = {text.find(line.encode()) for line in EDGES}
    # Every line holds an anchor or is a curl line, but the one where "Binance" is a
    # word in prose: no error word, no code, not ccxt's lower-case exchange id.
    skipped = {text.find(EDGES[7].encode())}
    assert set(picked[0]) == starts - skipped


def test_the_compiled_patterns_are_kept_and_a_damaged_copy_is_compiled_again(
        engines, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = ("\n".join(EDGES) + "\n").encode()
    engines.use("hyperscan")
    first = engines.lines(text)
    (kept,) = (tmp_path / "binance-doctor").glob("hsdb-*.hsdb")
    engines.use("hyperscan")                    # read from the kept copy
    assert engines.lines(text) == first
    kept.write_bytes(b"\0" * 64)
    engines.use("hyperscan")
    assert engines.lines(text) == first and kept.read_bytes() != b"\0" * 64


@pytest.mark.parametrize("text", [
    # curl -v's lines at a chunk's very start, in its middle, with CR line ends, and none.
    "> GET /api/v3/order HTTP/1.1\n< HTTP/1.1 400 Bad Request\n"
    '{"code":-1013,"msg":"Filter failure: LOT_SIZE"}\n',
    "2024-01-15T10:00:00Z INFO start\n* Connected to api.binance.com\n> POST /api/v3/order\n"
    "<\r\n< HTTP/1.1 429 Too Many Requests\r\n{ [57 bytes data]\n"
    '{"code":-1003,"msg":"Too many requests."}\n2024-01-15T10:00:01Z INFO done\n',
    "2024-01-15T10:00:00Z INFO start\n>\n< x-mbx-used-weight-1m: 1200\n<\n"
    "2024-01-15T10:00:01Z ERROR code=-1021\n",
    "2024-01-15T10:00:00Z INFO a > b < c * d\n2024-01-15T10:00:01Z ERROR code=-1021\n",
])
def test_both_engines_read_the_same_curl_lines_around_a_candidate(engines, text):
    """hyperscan looks at the lines around a candidate only in a chunk where a line
    starts as curl -v's do: the lines picked are the pure engine's, who always looks."""
    picked = []
    for name in ("pure", "hyperscan"):
        engines.use(name)
        picked.append(engines.lines(text.encode()))
    assert picked[0] == picked[1]
    curl_lines = [i for i, line in enumerate(text.splitlines(keepends=True))
                  if line.startswith(("< ", "> ", "* ", "{ [", "<\r", ">\r", "<\n", ">\n"))]
    starts = [sum(len(x) for x in text.splitlines(keepends=True)[:i]) for i in curl_lines]
    assert set(starts) <= set(picked[1])


def test_two_installs_keep_a_database_each(tmp_path, monkeypatch):
    """Two installs sharing the cache folder (a venv beside pipx) each keep theirs: each
    compiling on every run would cost more than reading 100 MB."""
    import hyperscan

    from binance_doctor.errors import prefilter

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    patterns, flags = [b"-1021[^0-9]", b"error"], [0, hyperscan.HS_FLAG_CASELESS]
    for place in ("/opt/one/binance_doctor/errors/prefilter.py",
                  "/opt/two/binance_doctor/errors/prefilter.py"):
        monkeypatch.setattr(prefilter, "__file__", place)
        prefilter._compiled(hyperscan, patterns, flags)
    kept = sorted(p.name for p in (tmp_path / "binance-doctor").glob("hsdb-*.hsdb"))
    assert len(kept) == 2 and kept[0].split("-")[2] != kept[1].split("-")[2]
