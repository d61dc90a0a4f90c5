"""`binance-doctor clock` against loopback Binance and NTP servers: offsets, bounds,
verdicts, advice and every failure, through the CLI."""

from __future__ import annotations

import io
import socket

import httpx
import pytest

from binance_doctor.clock import offset as clock
from binance_doctor.clock import view as clockview
from binance_doctor.output import render
from binance_doctor.failure import ExitCode
from fake.server import FAILURE_KINDS, closed_port
from support import run_cli
from support import check_golden

LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Any name but loopback fails to resolve at once: a default NTP server or a
    forgotten --base-url can never reach (or wait on) the internet."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture(autouse=True)
def _linux_with_chrony(monkeypatch):
    monkeypatch.setattr(clock, "detect_platform",
                        lambda: clock.PlatformFacts("Linux", frozenset({"chronyc"})))


def clock_json(*args: str) -> tuple[int, dict]:
    run = run_cli("clock", "--json", *args)
    return run.code, run.json()


# -- the estimate and its bound -----------------------------------------------------

LATENCIES = [(0.0, 0.0), (0.02, 0.02), (0.005, 0.06), (0.06, 0.005)]


@pytest.mark.parametrize("before,after", LATENCIES)
@pytest.mark.parametrize("offset", [-3000, 0, 2500])
def test_true_offset_lies_within_the_reported_bound(binance, offset, before, after):
    binance.offset_ms = offset
    binance.latency(before, after)
    code, out = clock_json("--base-url", binance.url, "--no-ntp", "--samples", "3")
    est = out["result"]["binance"]
    assert abs(est["offset_ms"] - offset) <= est["uncertainty_ms"]
    assert est["rtt_min_ms"] >= (before + after) * 1000
    assert len(binance.requests("/api/v3/time")) == 3


def test_asymmetric_path_fools_the_naive_method_more(binance):
    """60 ms back, 5 ms out: the naive figure is off by ~60 ms, ours by ~27 ms."""
    binance.offset_ms = 800
    binance.latency(0.005, 0.06)
    with httpx.Client() as client:
        est = clock.measure_offset(client, binance.url, samples=3)
    assert abs(est.naive_offset_ms - 800) >= 55          # a whole return trip at least
    assert abs(est.offset_ms - 800) <= est.uncertainty_ms
    assert abs(est.offset_ms - 800) < abs(est.naive_offset_ms - 800)


def test_minimum_rtt_sample_wins(binance):
    """Samples 0 and 2 come back 200 ms late (a queue on the return path); the filter
    keeps a fast one, whose midpoint guess is good. (200 ms, not less: on a loaded
    machine the request leg of the slow sample can lag by tens of ms too.)"""
    slow = iter([0.2, 0.0, 0.2, 0.0])
    binance.offset_ms = 300
    binance.latency(0.0, lambda: next(slow))
    with httpx.Client() as client:
        est = clock.measure_offset(client, binance.url, samples=4)
    assert est.best in (1, 3)
    assert est.offset_ms == est.samples[est.best].offset_ms
    assert abs(est.offset_ms - 300) <= est.uncertainty_ms < 40
    assert abs(est.samples[0].offset_ms - 300) >= 60       # what a slow sample says


def test_wall_clock_step_is_caught_and_earlier_samples_dropped(binance):
    """The wall clock jumps 3 s forward between samples 2 and 3; the monotonic clock
    does not. The step is reported and only samples after it count."""
    import time

    calls = {"n": 0}

    def wall() -> float:
        calls["n"] += 1
        return time.time() + (3.0 if calls["n"] > 4 else 0.0)   # 2 readings per sample

    with httpx.Client() as client:
        est = clock.measure_offset(client, binance.url, samples=4,
                                   clock=clock.Clock(wall=wall))
    assert est.step_ms == pytest.approx(3000, abs=20)
    assert est.used == (2, 3)
    assert abs(est.offset_ms + 3000) <= est.uncertainty_ms      # the clock as it is now


# -- the verdict ----------------------------------------------------------------------

def test_clock_1200ms_ahead_is_rejected_even_at_the_largest_recv_window(binance, ntp):
    binance.offset_ms = -1200
    code, out = clock_json("--base-url", binance.url, "--ntp-server", ntp.address,
                           "--recv-window", "60000")
    verdict = out["result"]["verdict"]
    assert code == ExitCode.CLOCK_REJECTED
    assert verdict["verdict"] == "rejected" and verdict["cause"] == "ahead"
    assert verdict["suggested_recv_window"] is None                # no recvWindow helps
    # within the estimate's own bound (half the fastest round trip), however loaded the host
    bound = out["result"]["binance"]["uncertainty_ms"] + 1
    assert abs(verdict["client_offset_ms"] + 1200) <= bound


def test_clock_6s_behind_fails_at_5000_and_passes_at_10000(binance, ntp):
    binance.offset_ms = 6000
    args = ("--base-url", binance.url, "--ntp-server", ntp.address, "--recv-window")
    code, out = clock_json(*args, "5000")
    assert code == ExitCode.CLOCK_REJECTED
    assert out["result"]["verdict"]["cause"] == "behind"
    assert out["result"]["verdict"]["suggested_recv_window"] in (7000, 8000)
    code, out = clock_json(*args, "10000")
    assert code == ExitCode.OK
    assert out["result"]["verdict"]["verdict"] == "pass"
    assert out["result"]["verdict"]["behind_margin_ms"] > 3000


def test_plain_screen_names_the_verdict_and_the_fix(binance, ntp):
    binance.offset_ms = ntp.offset_ms = 6000
    run = run_cli("clock", "--base-url", binance.url, "--ntp-server", ntp.address)
    assert run.code == ExitCode.CLOCK_REJECTED
    first = run.stdout.splitlines()[0]
    assert first.startswith("✗ A signed request sent now is rejected with -1021")
    assert "sudo chronyc makestep" in run.stdout
    assert "recvWindow=8000" in run.stdout or "recvWindow=7000" in run.stdout
    assert "your clock is wrong" in run.stdout           # NTP agrees with Binance
    assert run.stderr == ""                              # no spinner when not a terminal


V = clock.Verdict


@pytest.mark.parametrize("offset,rtt,window,verdict,cause", [
    (-1200.0, 1.0, 60000, V.REJECTED, "ahead"),
    (-1000.5, 1.0, 5000, V.REJECTED, "ahead"),     # arrives exactly 1000 ms ahead
    (-999.0, 1.0, 5000, V.AT_RISK, "ahead"),       # the bound touches the limit
    (-990.0, 1.0, 5000, V.PASS, None),
    (4998.0, 6.0, 5000, V.REJECTED, "behind"),     # arrives 5001 ms old
    (4990.0, 6.0, 5000, V.AT_RISK, "behind"),      # best guess 4993, worst case 5001.5
    (4980.0, 6.0, 5000, V.PASS, None),
    (6000.0, 4.0, 10000, V.PASS, None),
])
def test_verdict_edges(offset, rtt, window, verdict, cause):
    """Binance rejects a timestamp >= serverTime + 1000 or older than recvWindow; an
    estimate whose uncertainty reaches a limit is at risk, not a pass."""
    w = clock.check_recv_window(_estimate(offset, rtt=rtt), window)
    assert (w.verdict, w.cause) == (verdict, cause)


def test_recv_window_out_of_range_is_a_usage_error(binance):
    for value in ("60001", "0", "-5"):
        run = run_cli("clock", "--base-url", binance.url, "--no-ntp", "--recv-window", value)
        assert run.code == ExitCode.USAGE, value
        assert "60000" in run.stderr
    assert binance.requests() == []                      # nothing sent on bad input


@pytest.mark.parametrize("args,code", [
    (("--ntp-server", "host:notaport"), ExitCode.USAGE),
    (("--base-url", "ftp://example"), ExitCode.USAGE),
    (("--product", "options"), ExitCode.USAGE),
    (("--samples", "0"), ExitCode.USAGE),
])
def test_bad_options(args, code):
    assert run_cli("clock", "--no-ntp", *args).code == code


# -- NTP --------------------------------------------------------------------------------

def test_ntp_consensus_and_binance_against_ntp(binance, make_ntp):
    binance.offset_ms = 2500
    servers = [make_ntp(offset_ms=o, stratum=s) for o, s in ((2400, 1), (2500, 2), (2900, 3))]
    args = [a for s in servers for a in ("--ntp-server", s.address)]
    code, out = clock_json("--base-url", binance.url, *args)
    ntp = out["result"]["ntp"]
    assert [s["stratum"] for s in ntp["servers"]] == [1, 2, 3]
    for row, server in zip(ntp["servers"], servers):
        assert abs(row["offset_ms"] - server.offset_ms) <= row["delay_ms"] / 2 + 1
    # the median, off by at most the largest half round trip (each row's own bound)
    assert abs(ntp["consensus_ms"] - 2500) <= max(r["delay_ms"] for r in ntp["servers"]) / 2 + 1
    gap = out["result"]["binance_vs_ntp_ms"]
    assert abs(gap) <= out["result"]["binance"]["uncertainty_ms"] + 5
    assert code == ExitCode.OK


def test_endpoint_with_its_own_clock_is_told_apart_from_a_wrong_local_clock(binance, ntp):
    binance.offset_ms = -1500            # Binance 1.5 s "behind"; NTP says we are right
    run = run_cli("clock", "--base-url", binance.url, "--ntp-server", ntp.address)
    assert "keeps its own clock" in run.stdout
    assert run.code == ExitCode.CLOCK_REJECTED


def test_blocked_ntp_warns_and_carries_on_with_binance(binance, make_ntp):
    silent = make_ntp(silent=True)
    binance.offset_ms = 100
    run = run_cli("clock", "--base-url", binance.url, "--ntp-server", silent.address,
                  "--timeout", "3")
    assert run.code == ExitCode.OK
    assert "No NTP server answered" in run.stdout and "UDP 123 blocked?" in run.stdout
    assert silent.queries == 1
    code, out = clock_json("--base-url", binance.url, "--ntp-server", silent.address)
    assert out["result"]["ntp"]["consensus_ms"] is None
    assert out["result"]["binance_vs_ntp_ms"] is None


def test_unsynchronised_and_unresolvable_ntp_servers_are_not_counted(binance, make_ntp):
    good, bad = make_ntp(offset_ms=40), make_ntp(stratum=0)
    code, out = clock_json("--base-url", binance.url, "--ntp-server", good.address,
                           "--ntp-server", bad.address, "--ntp-server", "ntp.invalid")
    rows = out["result"]["ntp"]["servers"]
    assert rows[1]["error"].startswith("not synchronised") and rows[1]["offset_ms"] is None
    assert rows[2]["error"] == "DNS lookup failed"
    assert abs(out["result"]["ntp"]["consensus_ms"] - 40) <= rows[0]["delay_ms"] / 2 + 1


def test_no_ntp_skips_ntp(binance, ntp):
    code, out = clock_json("--base-url", binance.url, "--no-ntp", "--ntp-server", ntp.address)
    assert out["result"]["ntp"] is None and ntp.queries == 0


@pytest.mark.parametrize("text,expected", [
    ("time.google.com", ("time.google.com", 123)), ("10.0.0.1:1123", ("10.0.0.1", 1123)),
    ("[::1]:124", ("::1", 124)), ("::1", ("::1", 123)), ("[fe80::1]", ("fe80::1", 123))])
def test_parse_ntp_server(text, expected):
    assert clock.parse_ntp_server(text) == expected


# -- products and endpoints ----------------------------------------------------------

@pytest.mark.parametrize("product,path", [("spot", "/api/v3/time"), ("usdm", "/fapi/v1/time"),
                                          ("coinm", "/dapi/v1/time"), ("fapi", "/fapi/v1/time")])
def test_product_picks_its_time_endpoint(binance, product, path):
    code, out = clock_json("--base-url", binance.url + "/", "--no-ntp", "--product", product)
    assert [r.path for r in binance.requests()] == [path] * 5
    assert out["result"]["binance"]["url"] == binance.url + path
    assert all("binance-doctor/" in r.headers["user-agent"] for r in binance.requests())


# -- failures: one clear message, a distinct exit code, never a retry -------------------

FAILURE_CODES = {"ban": ExitCode.IP_BANNED, "rate_limit": ExitCode.RATE_LIMITED,
                 "restricted": ExitCode.RESTRICTED, "waf": ExitCode.FORBIDDEN,
                 "server_error": ExitCode.SERVER_ERROR, "unavailable": ExitCode.SERVER_ERROR,
                 "malformed": ExitCode.SERVER_ERROR, "drop": ExitCode.SERVER_ERROR}


def test_failure_table_covers_every_kind():
    assert set(FAILURE_CODES) == set(FAILURE_KINDS)


@pytest.mark.parametrize("kind", FAILURE_KINDS)
def test_http_failures_map_to_exit_codes_without_retrying(binance, kind):
    binance.fail("/api/v3/time", kind, retry_after=120)
    run = run_cli("clock", "--base-url", binance.url, "--no-ntp")
    assert run.code == FAILURE_CODES[kind]
    assert len(binance.requests("/api/v3/time")) == 1
    assert run.stderr.startswith("binance-doctor: error:") and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_ban_and_rate_limit_messages_carry_their_facts(binance):
    binance.fail("/api/v3/time", "ban", retry_after=120, ban_until_ms=1_700_000_000_000)
    ban = run_cli("clock", "--base-url", binance.url, "--no-ntp")
    assert "banned" in ban.stderr and "2023-11-14 22:13:20 UTC" in ban.stderr
    assert "Retry-After says 120 s" in ban.stderr
    binance.fail("/api/v3/time", "rate_limit", retry_after=30)
    limited = run_cli("clock", "--base-url", binance.url, "--no-ntp", "--json")
    assert limited.json()["result"] == {
        "message": limited.json()["result"]["message"], "hint": limited.json()["result"]["hint"],
        "exit_code": 16, "exit_name": "RATE_LIMITED"}
    assert "429" in limited.json()["result"]["message"]
    binance.fail("/api/v3/time", "restricted")
    restricted = run_cli("clock", "--base-url", binance.url, "--no-ntp")
    assert restricted.code == ExitCode.RESTRICTED
    assert "refuses service from this location" in restricted.stderr


def test_dns_failure(binance):
    run = run_cli("clock", "--base-url", "https://api.binance.invalid", "--no-ntp")
    assert run.code == ExitCode.UNREACHABLE
    assert "DNS lookup of api.binance.invalid failed" in run.stderr


def test_connection_refused():
    run = run_cli("clock", "--base-url", f"http://127.0.0.1:{closed_port()}", "--no-ntp")
    assert run.code == ExitCode.UNREACHABLE and "cannot connect" in run.stderr


def test_tls_failure(plain_tcp):
    run = run_cli("clock", "--base-url", f"https://127.0.0.1:{plain_tcp.port}", "--no-ntp")
    assert run.code == ExitCode.TLS and "TLS handshake" in run.stderr


def test_slow_server_hits_the_overall_deadline(binance):
    binance.latency(1.0, 0.0)
    run = run_cli("clock", "--base-url", binance.url, "--no-ntp", "--timeout", "0.3")
    assert run.code == ExitCode.TIMEOUT
    assert len(binance.requests("/api/v3/time")) == 1


def test_deadline_is_shared_by_all_samples_and_keeps_those_in(binance):
    """Each sample takes 0.3 s; a 1 s budget cannot hold 5 of them: the answers
    already in make the estimate, and the report says how many. (The budget leaves a
    loaded host room for the first answer.)"""
    binance.latency(0.3, 0.0)
    run = run_cli("clock", "--base-url", binance.url, "--no-ntp", "--timeout", "1",
                  "--json")
    assert run.code in (ExitCode.OK, ExitCode.CLOCK_REJECTED), run.stderr
    result = run.json()["result"]
    kept = len(result["binance"]["samples"])
    assert 1 <= kept < 5 and len(binance.requests("/api/v3/time")) < 5
    assert any(f"Only {kept} of 5 samples came back" in w for w in result["warnings"])


# -- advice ---------------------------------------------------------------------------

@pytest.mark.parametrize("system,tools,command", [
    ("Linux", {"chronyc", "timedatectl"}, "sudo chronyc makestep"),
    ("Linux", {"timedatectl"}, "sudo timedatectl set-ntp true"),
    ("Linux", {"ntpd"}, "sudo ntpd -gq"),
    ("Linux", set(), "sudo chronyc makestep"),
    ("Darwin", {"sntp"}, "sudo sntp -sS time.apple.com"),
    ("Windows", {"w32tm"}, "w32tm /resync"),
])
def test_resync_command_per_platform(system, tools, command):
    advice = clock.resync_advice(clock.PlatformFacts(system, frozenset(tools)))
    assert command in advice.commands


def test_resync_advice_follows_the_platform_facts(binance, monkeypatch):
    monkeypatch.setattr(clock, "detect_platform",
                        lambda: clock.PlatformFacts("Windows", frozenset()))
    binance.offset_ms = -1500
    run = run_cli("clock", "--base-url", binance.url, "--no-ntp")
    assert "w32tm /resync" in run.stdout and "chronyc" not in run.stdout
    assert "no recvWindow rescues a clock that is 1000 ms or more ahead" in run.stdout


# -- a deterministic screen ------------------------------------------------------------

def _estimate(offset: float, rtt: float = 4.0) -> clock.OffsetEstimate:
    samples = tuple(clock.Sample(int(1_700_000_000_000 + offset + i * 1000),
                                 1_700_000_000_000 + i * 1000 - rtt / 2,
                                 1_700_000_000_000 + i * 1000 + rtt / 2, rtt + i, 0.0)
                    for i in range(5))
    return clock.OffsetEstimate("https://api.binance.com/api/v3/time", offset, rtt / 2 + 0.5,
                                rtt, rtt + 2, 0.8, offset - rtt / 2, 0.0, samples,
                                tuple(range(5)), 0)


def test_golden_plain_screen():
    est = _estimate(6000.0)
    ntp = clock.NtpSummary((
        clock.NtpReading("pool.ntp.org", clock.NtpAnswer(6003.2, 21.0, 2), None),
        clock.NtpReading("time.google.com", clock.NtpAnswer(5999.1, 9.5, 1), None),
        clock.NtpReading("time.cloudflare.com", None, "no answer (UDP 123 blocked?)")),
        6001.15)
    report = clock.ClockReport(
        "spot", est, ntp, est.offset_ms - 6001.15, clock.check_recv_window(est, 5000),
        clock.resync_advice(clock.PlatformFacts("Linux", frozenset({"timedatectl"}))), ())
    out = io.StringIO()
    render.write(clockview.clock_blocks(report), out)
    check_golden("clock_behind_6s.txt", out.getvalue())
    payload = clockview.clock_json(report)
    assert set(payload) == {"product", "binance", "ntp", "binance_vs_ntp_ms", "verdict",
                            "resync", "warnings"}
    assert payload["verdict"]["suggested_recv_window"] == 8000


def test_spinner_only_on_a_terminal(monkeypatch):
    from binance_doctor.cli import root as cli

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())
    with cli._spinner() as progress:
        assert progress is None
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("TERM", "xterm")
    with cli._spinner() as progress:
        progress("Asking the time endpoint (1/5)")
    assert "Asking the time endpoint (1/5)" in tty.getvalue()
