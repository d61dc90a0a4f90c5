"""doctor end to end: each environment scenario names its cause and exits with its code.

Every run drives the CLI (`run_cli("doctor", ...)`) against loopback servers:
FakeBinance in a named scenario (fake/scenario.py) with the status and
exchangeInfo endpoints (fake/market.py), signed account endpoints with real
key checks (fake/account.py), and a loopback NTP server. The conftest fixture
checks after each test that only allowlisted GETs were sent.
"""

from __future__ import annotations

import re
import threading

import pytest

from binance_doctor.doctor import checkup
from binance_doctor.failure import ExitCode
from fake import scenario
from fake.account import FakeAccounts, FakeKey
from fake.market import FakeMarket
from fake.server import FakeBinance
from support import run_cli

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
KEY = ("Doc7" * 16)[:64]
NO_KEY = {"BINANCE_API_KEY": None, "BINANCE_API_SECRET": None,
          "BINANCE_PRIVATE_KEY_FILE": None, "BINANCE_DOCTOR_PROFILE": None}
WITH_KEY = {**NO_KEY, "BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}


@pytest.fixture
def exchange():
    """One loopback host serving spot, USDⓈ-M and COIN-M, with a known key."""
    with FakeBinance() as server:
        FakeMarket(server)
        accounts = FakeAccounts(server, [FakeKey(KEY, SECRET)])
        yield accounts


def doctor(server: FakeBinance, ntp, *args: str, env: dict | None = None,
           urls: tuple[str, str, str] | None = None):
    spot, fapi, dapi = urls or (server.url,) * 3
    run = run_cli("doctor", "--base-url", spot, "--futures-base-url", fapi,
                  "--delivery-base-url", dapi, "--ntp-server", ntp.address, "--json", *args,
                  env=env or NO_KEY)
    assert SECRET not in run.stdout + run.stderr and KEY not in run.stdout + run.stderr
    return run


def failing(result: dict) -> list[dict]:
    return [c for c in result["checks"] if c["status"] == "fail"]


def test_healthy_exits_0_with_every_check_ok(exchange, ntp):
    run = doctor(exchange.server, ntp)
    assert run.code == ExitCode.OK, run.stdout
    result = run.json()["result"]
    assert {c["status"] for c in result["checks"]} == {"ok"}
    names = [c["name"] for c in result["checks"]]
    assert names[:3] == ["host.spot", "host.usdm", "host.coinm"]
    assert {"system_status", "limits.usdm", "limits.coinm", "weight", "clock"} <= set(names)
    assert result["verdict"] == {"status": "ok", "summary": f"all {len(names)} checks passed",
                                 "cause": None, "title": None, "first_fix": None,
                                 "exit_code": 0, "exit_name": "OK"}
    assert result["weight"]["total"] == checkup.BASE_WEIGHT
    limits = next(c for c in result["checks"] if c["name"] == "limits.usdm")
    assert "REQUEST_WEIGHT 2400/1 minute" in limits["detail"]
    assert [n for n, in [(x["what"],) for x in result["not_run"]]] == ["API key"]


SCENARIOS = [   # scenario, exit code, cause, words the failing line must hold
    (scenario.geo_blocked_451(), ExitCode.RESTRICTED, "restricted_location", "HTTP 451"),
    (scenario.cloudfront_waf_403(), ExitCode.FORBIDDEN, "waf_block", "CloudFront"),
    (scenario.banned_418(retry_after=300), ExitCode.IP_BANNED, "ip_banned", "IP is banned"),
    (scenario.rate_limited_429(retry_after=30), ExitCode.RATE_LIMITED, "rate_limited",
     "HTTP 429"),
    (scenario.server_error_5xx(), ExitCode.SERVER_ERROR, "server_error", "HTTP 500"),
    (scenario.server_error_5xx(503), ExitCode.SERVER_ERROR, "server_error", "HTTP 503"),
]


@pytest.mark.parametrize("case,code,cause,words", SCENARIOS,
                         ids=[f"{s.name}-{c}" for s, c, _, _ in SCENARIOS])
def test_each_host_failure_names_its_cause(exchange, ntp, case, code, cause, words):
    case.apply(exchange.server)
    run = doctor(exchange.server, ntp, env=WITH_KEY)
    assert run.code == code, run.stdout
    result = run.json()["result"]
    assert result["verdict"]["cause"] == cause and result["verdict"]["exit_code"] == code
    assert words in result["verdict"]["title"]
    assert {c["name"] for c in failing(result)} == {"host.spot", "host.usdm", "host.coinm"}
    assert all(c["cause"] == cause and c["exit_code"] == code for c in failing(result))
    # nothing but the first request to each host was sent: no clock, no key
    sent = [r.path for r in exchange.server.requests()]
    assert sorted(sent) == ["/api/v3/ping", "/dapi/v1/ping", "/fapi/v1/ping"]
    assert [x["what"] for x in result["not_run"]] == ["clock", "API key"]


def test_fixes_say_what_each_cause_means(exchange, ntp):
    scenario.geo_blocked_451().apply(exchange.server)
    fix = doctor(exchange.server, ntp).json()["result"]["verdict"]["first_fix"]
    assert "Binance.US" in fix and "GitHub Actions" in fix
    scenario.banned_418(retry_after=300).apply(exchange.server)
    result = doctor(exchange.server, ntp).json()["result"]
    assert "Retry-After: 300 s" in result["verdict"]["first_fix"]
    # counted from when doctor reads the ban: a second may have passed on a busy host
    assert re.search(r"until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: (5 min 0 s|4 min 5\d s) "
                     r"from now", result["verdict"]["title"])
    scenario.server_error_5xx().apply(exchange.server)
    fix = doctor(exchange.server, ntp).json()["result"]["verdict"]["first_fix"]
    assert "query it before sending it again" in fix       # never a blind resend


def test_clock_six_seconds_ahead_exits_20(exchange, ntp):
    scenario.clock_offset(-6_000).apply(exchange.server)     # Binance 6 s behind us
    ntp.offset_ms = -6_000                                   # and NTP agrees: ours is ahead
    run = doctor(exchange.server, ntp, env=WITH_KEY)
    assert run.code == ExitCode.CLOCK_REJECTED, run.stdout
    result = run.json()["result"]
    (clock,) = failing(result)
    assert clock["name"] == "clock" and clock["cause"] == "clock_rejected"
    # the estimate is within half a round trip of 6 s: a loaded host may widen that
    ahead = int(re.search(r"([\d,]+) ms ahead of Binance", clock["detail"])[1].replace(",", ""))
    assert abs(ahead - 6_000) <= 250
    assert "-1021" in clock["detail"] and f"by -{ahead} ms" in clock["fix"]
    # check-key corrects its timestamps, so the key itself passes
    assert next(c for c in result["checks"] if c["name"] == "key")["status"] == "ok"


def test_dns_that_never_answers_is_bounded_by_the_deadline(ntp):
    with scenario.dns_never_answers() as dns:
        url = dns.url(80)
        box: dict = {}
        worker = threading.Thread(target=lambda: box.update(run=run_cli(
            "doctor", "--base-url", url, "--futures-base-url", url, "--delivery-base-url",
            url, "--ntp-server", ntp.address, "--timeout", "2", "--json", env=NO_KEY)),
            daemon=True)
        worker.start()
        worker.join(60)            # the lookups never return: only the deadline ends them
        assert not worker.is_alive(), "the DNS lookup outlived the deadline"
    run = box["run"]
    assert run.code == ExitCode.UNREACHABLE, run.stdout
    result = run.json()["result"]
    assert result["verdict"]["cause"] == "dns_failure"
    assert all(f"DNS lookup of {dns.host} got no answer" in c["detail"]
               for c in failing(result))
    assert dns.lookups == 3


def test_different_causes_together_exit_27(ntp):
    with FakeBinance() as spot, FakeBinance() as fapi:
        FakeMarket(spot)
        FakeMarket(fapi)
        scenario.clock_offset(-6_000).apply(spot)
        scenario.server_error_5xx(502).apply(fapi)
        run = doctor(spot, ntp, urls=(spot.url, fapi.url, spot.url))
    assert run.code == ExitCode.CHECKS_FAILED, run.stdout
    result = run.json()["result"]
    assert [c["cause"] for c in failing(result)] == ["server_error", "clock_rejected"]
    assert result["verdict"]["exit_name"] == "CHECKS_FAILED"


def test_maintenance_is_a_failure(exchange, ntp):
    FakeMarket(exchange.server, maintenance=True)
    result = doctor(exchange.server, ntp).json()["result"]
    assert result["verdict"]["cause"] == "system_maintenance"
    assert result["exit_code"] == ExitCode.CHECKS_FAILED


def test_weight_in_use_warns_near_the_limit(exchange, ntp):
    exchange.server.used_weight = 5_800
    run = doctor(exchange.server, ntp)
    assert run.code == ExitCode.OK
    (weight,) = [c for c in run.json()["result"]["checks"] if c["name"] == "weight"]
    assert weight["status"] == "warn" and "of 6000 this minute" in weight["detail"]


# -- with credentials: check-key's analysis, reused ------------------------------------

def test_good_key_costs_the_stated_weight_on_three_hosts(ntp):
    with FakeBinance() as spot, FakeBinance() as fapi, FakeBinance() as dapi:
        for server in (spot, fapi, dapi):
            FakeMarket(server)
            FakeAccounts(server, [FakeKey(KEY, SECRET)])
        run = doctor(spot, ntp, env=WITH_KEY, urls=(spot.url, fapi.url, dapi.url))
    assert run.code == ExitCode.OK, run.stdout
    result = run.json()["result"]
    by_name = {c["name"]: c for c in result["checks"]}
    assert by_name["key"]["status"] == "ok" and by_name["trading"]["status"] == "ok"
    assert result["weight"]["total"] == checkup.BASE_WEIGHT + checkup.KEY_WEIGHT
    help_text = run_cli("doctor", "--help").stdout
    assert (f"weight {checkup.BASE_WEIGHT} in all without a key, "
            f"{checkup.BASE_WEIGHT + checkup.KEY_WEIGHT} with one") in " ".join(help_text.split())


@pytest.mark.parametrize("setup,words", [
    (lambda key: setattr(key, "trusted_ips", ("203.0.113.7",)),
     "The IP 127.0.0.1 is not on this key's trusted-IP list"),
    (lambda key: key.restrictions.update(enableFutures=False),
     "Futures are not enabled for this key"),
    (lambda key: setattr(key, "secret", "x" * 64), "The secret does not belong to this API key"),
])
def test_key_problems_exit_21(exchange, ntp, setup, words):
    setup(exchange.keys[KEY])
    run = doctor(exchange.server, ntp, env=WITH_KEY)
    assert run.code == ExitCode.KEY_PROBLEM, run.stdout
    (key,) = failing(run.json()["result"])
    assert key["name"] == "key" and key["cause"] == "key_problem"
    assert key["detail"].startswith(words)


def test_unknown_key_is_not_probed_elsewhere(exchange, ntp):
    exchange.keys.clear()
    run = doctor(exchange.server, ntp, env=WITH_KEY)
    assert run.code == ExitCode.KEY_PROBLEM
    assert "does not know this API key" in failing(run.json()["result"])[0]["detail"]


def test_locked_trading_names_its_end(exchange, ntp):
    exchange.keys[KEY].locked_until_ms = exchange.server.now_ms() + 600_000
    run = doctor(exchange.server, ntp, env=WITH_KEY)
    assert run.code == ExitCode.CHECKS_FAILED, run.stdout
    (trading,) = failing(run.json()["result"])
    assert trading["cause"] == "trading_locked"
    assert re.search(r"locked until .*: 10 min 0 s from now", trading["detail"])
    assert "UFR 300" in trading["detail"]


def test_plain_output_is_a_checklist_with_the_first_fix(exchange, ntp):
    scenario.geo_blocked_451().apply(exchange.server)
    run = run_cli("doctor", "--base-url", exchange.server.url, "--futures-base-url",
                  exchange.server.url, "--delivery-base-url", exchange.server.url,
                  "--ntp-server", ntp.address, env=NO_KEY)
    assert run.code == ExitCode.RESTRICTED
    lines = run.stdout.splitlines()
    assert lines[0] == "✗ doctor on mainnet: 3 failed of 3 checks"
    assert lines[3].startswith("  Spot host     ✗ ") and "HTTP 451" in lines[3]
    assert "fix: as above" in run.stdout
    assert "  Exit code     13 (RESTRICTED)" in lines
    assert "\x1b[" not in run.stdout


def test_bad_options_are_usage_errors(ntp):
    assert run_cli("doctor", "--recv-window", "0", env=NO_KEY).code == ExitCode.USAGE
    assert run_cli("doctor", "--base-url", "ftp://x", env=NO_KEY).code == ExitCode.USAGE
    assert run_cli("doctor", "--product", "options", env=NO_KEY).code == ExitCode.USAGE
