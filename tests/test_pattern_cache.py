"""pattern.compiled: regexes built from sre code kept in the cache folder are re.compile's.

The first process compiles and keeps the code; a later one builds every pattern from
it without parsing or compiling (counted by pattern.counts()). Whatever goes wrong
with the kept file or the private API, the answer is plain re.compile's, with the
same output and no error.
"""

from __future__ import annotations

import marshal
import re
import subprocess
import sys
import types
import zlib

import pytest

from binance_doctor import pattern
from support import run_cli
from test_errors_scan_golden import varied_log

MODULES = ("origin", "recall", "extract", "scan", "tally", "wording", "catalog", "prefilter")

# Own sample text: the varied bench log's lines and a few the regexes exist for.
SAMPLES = varied_log(300, seed=5).splitlines() + [
    'HTTP/1.1 429 Too Many Requests {"code":-1003,"msg":"Too many requests."}',
    "APIError(code=-2010): Account has insufficient balance for requested action.",
    "<APIError> code=-1021, msg=Timestamp for this request is outside of the recvWindow.",
    "(400, -1013, 'Filter failure: LOT_SIZE', {'x-mbx-used-weight-1m': '12'}, None)",
    "binance InsufficientFunds: binance Account has insufficient balance for requested action.",
    "[ServerError] -1021: Timestamp for this request was 1000ms ahead of the server's time.",
    "Jan 15 10:00:00 host bot[123]: POST /fapi/v1/order failed: error code 4164",
    "[15/Jan/2024:10:00:00 +0000] dapi coin-m status=503 Service Unavailable",
]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """pattern's state as in a new process, with its cache folder under tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reset(monkeypatch)
    return tmp_path / "cache"


def reset(monkeypatch) -> None:
    for name, value in (("_kept", None), ("_fresh", {}), ("_counts", [0, 0]), ("_off", False),
                        ("_checked", False)):
        monkeypatch.setattr(pattern, name, value)


def kept_file(cache) -> object:
    (path,) = (cache / "binance-doctor").glob("sre-*.marshal")
    return path


def outcome(rx: re.Pattern, samples: list[str]) -> list:
    texts = samples if isinstance(rx.pattern, str) else [s.encode() for s in samples]
    return [[(m.span(), m.groups(), m.groupdict()) for m in rx.finditer(t)] for t in texts]


def the_package_patterns() -> list[tuple]:
    """Every (source, flags) the package built through `compiled` in this process, after
    the scan path's modules are imported and a scan has run their first-use regexes."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"binance_doctor.errors.{name}")
    assert run_cli("scan", "--json", "-", input="\n".join(SAMPLES) + "\n").code == 0
    return list(pattern.BUILT)


def test_every_module_level_regex_of_the_scan_path_goes_through_compiled():
    import importlib

    built = set(the_package_patterns())
    sources = {source for source, _ in built}
    missing = []
    for name in MODULES:
        module = importlib.import_module(f"binance_doctor.errors.{name}")
        values = list(vars(module).values())
        values += [v for d in values if isinstance(d, dict) for v in d.values()]
        values += [v for t in values if isinstance(t, (list, tuple)) for v in t]
        values += [v for t in values if isinstance(t, tuple) for v in t]
        missing += [(name, v.pattern) for v in values
                    if isinstance(v, re.Pattern) and v.pattern not in sources]
    assert not missing
    assert len(built) > 100


def test_every_pattern_from_the_kept_code_is_re_compiles(fresh, monkeypatch):
    keys = the_package_patterns()
    reset(monkeypatch)
    first = [pattern.compiled(source, flags) for source, flags in keys]
    assert pattern.counts() == (0, len(keys))
    pattern._write()
    kept = marshal.loads(kept_file(fresh).read_bytes())[2]
    assert set(kept) == set(keys)
    for source, flags in keys:
        # The kept code is what a fresh capture takes.
        assert marshal.loads(kept[source, flags][4:]) == pattern.capture(source, flags)

    reset(monkeypatch)                               # a later process
    for (source, flags), made in zip(keys, first):
        rx = pattern.compiled(source, flags)
        plain = re.compile(source, flags)
        assert rx == plain and made == plain
        assert (rx.pattern, rx.flags, rx.groups, dict(rx.groupindex)) == \
            (plain.pattern, plain.flags, plain.groups, dict(plain.groupindex))
        assert outcome(rx, SAMPLES) == outcome(plain, SAMPLES), source
    assert pattern.counts() == (len(keys), 0)
    assert any(outcome(pattern.compiled(s, f), SAMPLES) != outcome(re.compile("(?!)"), SAMPLES)
               for s, f in keys)        # the samples do meet the patterns


def _cli(cache, *args: str) -> tuple[subprocess.CompletedProcess, tuple[int, int]]:
    """`binance-doctor ARGS` in a fresh interpreter with this cache folder; its output and
    pattern.counts() at its exit."""
    code = ("import atexit, sys\n"
            "from binance_doctor import pattern\n"
            "atexit.register(lambda: sys.stderr.write('COUNTS %d %d' % pattern.counts()))\n"
            "from binance_doctor.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env)
    head, _, counts = run.stderr.rpartition("COUNTS ")
    run.stderr = head
    return run, tuple(map(int, counts.split()))


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "varied.log"
    path.write_text(varied_log(1500, seed=11) + "\n".join(SAMPLES) + "\n")
    return path


@pytest.fixture(scope="module")
def uncached(tmp_path_factory, log):
    """scan's and explain's output from a first run (an empty cache folder)."""
    cache = tmp_path_factory.mktemp("cold")
    scan, scan_counts = _cli(cache, "scan", "--json", str(log))
    explain, _ = _cli(cache, "explain", SAMPLES[-3])
    assert scan.returncode == 0 and explain.returncode == 0 and scan_counts[0] == 0
    assert scan_counts[1] > 100
    return scan, explain, scan_counts


def test_a_second_process_builds_every_pattern_from_the_kept_code(tmp_path, log, uncached):
    first, counts = _cli(tmp_path, "scan", "--json", str(log))
    path = kept_file(tmp_path)
    before = path.stat()
    second, again = _cli(tmp_path, "scan", "--json", str(log))
    assert again == (counts[1], 0)                  # all kept, none compiled
    assert second.stdout == first.stdout == uncached[0].stdout
    assert second.stderr == first.stderr == uncached[0].stderr
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    explain, kept = _cli(tmp_path, "explain", SAMPLES[-3])
    assert explain.stdout == uncached[1].stdout and kept[0] > 0
    assert "-1021" in explain.stdout


def _damage_one(path) -> None:
    form, version, entries = marshal.loads(path.read_bytes())
    key = next(iter(entries))
    entries[key] = entries[key][:-1] + bytes([entries[key][-1] ^ 0xFF])
    path.write_bytes(marshal.dumps((form, version, entries)))


def _refused_one(path) -> None:
    """An entry whose checksum holds but whose code _sre's validator refuses."""
    form, version, entries = marshal.loads(path.read_bytes())
    key = next(k for k in entries if k[0] == r"[a-z]{3,}")
    flags, code, *rest = marshal.loads(entries[key][4:])
    body = marshal.dumps((flags, [99999] * len(code), *rest))
    entries[key] = zlib.crc32(body).to_bytes(4, "little") + body
    path.write_bytes(marshal.dumps((form, version, entries)))


def _other_version(path) -> None:
    form, version, entries = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps((form, version + " (another build)", entries)))


@pytest.mark.parametrize("spoil, compiled_anew", [
    (lambda p: p.write_bytes(b"\x00garbage" * 100), "all"),
    (lambda p: p.write_bytes(p.read_bytes()[:5000]), "all"),             # cut short
    (lambda p: p.write_bytes(marshal.dumps({"a": 1})), "all"),           # foreign
    (_other_version, "all"),
    (_damage_one, 1),
    (_refused_one, 1),
])
def test_a_spoilt_kept_file_is_compiled_anew_with_the_same_output(tmp_path, log, uncached,
                                                                  spoil, compiled_anew):
    _, counts = _cli(tmp_path, "scan", "--json", str(log))
    path = kept_file(tmp_path)
    spoil(path)
    run, again = _cli(tmp_path, "scan", "--json", str(log))
    assert run.returncode == 0
    assert (run.stdout, run.stderr) == (uncached[0].stdout, uncached[0].stderr)
    assert again[1] == (counts[1] if compiled_anew == "all" else compiled_anew)
    _, healed = _cli(tmp_path, "scan", "--json", str(log))   # written anew: all kept
    assert healed == (counts[1], 0)


def test_an_unwritable_cache_folder_costs_only_the_speed(tmp_path, log, uncached):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    for _ in range(2):
        run, counts = _cli(blocked, "scan", "--json", str(log))
        assert run.returncode == 0 and counts == (0, uncached[2][1])
        assert (run.stdout, run.stderr) == (uncached[0].stdout, uncached[0].stderr)
    assert blocked.read_text() == "not a folder"


def test_the_file_is_named_after_the_interpreter(fresh, monkeypatch):
    path, _ = pattern.cache_file()
    monkeypatch.setattr(sys, "version", sys.version + " other")
    other, _ = pattern.cache_file()
    assert other != path and other.parent == path.parent
    monkeypatch.setattr(sys, "implementation",
                        types.SimpleNamespace(name="cpython", cache_tag="cpython-399"))
    assert "cpython-399" in pattern.cache_file()[0].name


@pytest.mark.parametrize("take_away", [
    lambda m: m.delattr("re._compiler._code"),
    lambda m: m.delattr("re._parser.parse"),
    lambda m: m.delattr("_sre.compile"),
    lambda m: m.setattr(sys, "version_info", (3, 10, 12, "final", 0)),
    lambda m: m.setattr(sys, "implementation",
                        types.SimpleNamespace(name="pypy", cache_tag="pypy311")),
    lambda m: m.setattr("re._compiler.compile", lambda p, flags=0: None),   # another body
])
def test_without_the_private_api_it_is_plain_re_compile(fresh, monkeypatch, take_away):
    # Compiled by re first: with its private API taken away, re.compile of a new
    # pattern would fail too, but it answers these from its own cache.
    samples = [(r"(?P<code>-\d{4})\b", re.I), (rb"[0-9]+", 0), ("a|b", re.DOTALL)]
    for source, flags in samples:
        re.compile(source, flags)
    take_away(monkeypatch)
    for source, flags in samples:
        rx = pattern.compiled(source, flags)
        assert rx is re.compile(source, flags)       # re's own, from re's cache
    assert pattern.counts() == (0, 0)
    pattern._write()
    assert not (fresh / "binance-doctor").exists()


def test_a_wrong_pattern_raises_re_s_own_error_and_keeps_the_cache_on(fresh):
    with pytest.raises(re.error, match="missing \\)"):
        pattern.compiled("(unclosed")
    assert pattern.compiled("x+y").match("xxy")
    assert pattern.counts() == (0, 1)


def test_no_secret_of_the_input_reaches_a_cache_file(tmp_path):
    """Every cache file (the sre code, the catalog copy, the snapshot, the hyperscan
    database) is built from the package's own text: a key, secret or signature in what
    is read never lands in one."""
    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    cache = tmp_path / "cache"
    log = tmp_path / "bot.log"
    log.write_text(f"2024-01-15T10:00:00Z X-MBX-APIKEY: {key}\n"
                   f"2024-01-15T10:00:01Z secret={secret}&signature={secret[::-1]}\n"
                   '2024-01-15T10:00:02Z {"code":-1022,"msg":"Signature for this request is '
                   'not valid."}\n' * 3)
    for args in (("scan", "--json", str(log)), ("explain", log.read_text())):
        run, _ = _cli(cache, *args)
        assert run.returncode == 0, run.stderr
        assert key not in run.stdout and secret not in run.stdout
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.name.startswith("sre-") for p in files)
    for p in files:
        data = p.read_bytes()
        for s in (key, secret, secret[::-1]):
            assert s.encode() not in data, p.name
