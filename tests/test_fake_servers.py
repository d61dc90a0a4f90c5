"""The loopback stand-ins behave like the real services they replace."""

from __future__ import annotations

import time

import httpx
import ntplib
import pytest

from binance_doctor.clock import offset as clock
from binance_doctor.net import transport
from binance_doctor.failure import ExitCode
from fake import scenario
from fake.server import FAILURE_KINDS, TIME_PATHS, Reply, closed_port


@pytest.mark.parametrize("path", TIME_PATHS)
def test_time_endpoints_serve_the_offset_clock(binance, path):
    binance.offset_ms = 7_000
    before = time.time() * 1000
    body = httpx.get(binance.url + path).json()
    after = time.time() * 1000
    assert before + 7_000 - 1 <= body["serverTime"] <= after + 7_000
    assert binance.requests(path)[0].method == "GET"


def test_request_log_and_extra_routes(binance):
    def account(req, srv):
        return Reply(200, {"key": req.headers.get("x-mbx-apikey"), "q": req.param("a")})

    binance.route("GET", "/api/v3/account", account)
    body = httpx.get(binance.url + "/api/v3/account?a=1&b=2",
                     headers={"X-MBX-APIKEY": "k"}).json()
    assert body == {"key": "k", "q": "1"}
    seen = binance.requests("/api/v3/account")[0]
    assert seen.raw_query == "a=1&b=2" and seen.query["b"] == ["2"] and seen.client == "127.0.0.1"
    assert httpx.get(binance.url + "/nope").status_code == 404


def test_failures_can_be_limited_to_n_times(binance):
    binance.fail("/api/v3/time", "rate_limit", times=1, retry_after=7)
    first = httpx.get(binance.url + "/api/v3/time")
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert first.json()["code"] == -1003
    assert httpx.get(binance.url + "/api/v3/time").status_code == 200


EXPECTED = {"ban": ExitCode.IP_BANNED, "rate_limit": ExitCode.RATE_LIMITED,
            "restricted": ExitCode.RESTRICTED, "waf": ExitCode.FORBIDDEN,
            "server_error": ExitCode.SERVER_ERROR, "unavailable": ExitCode.SERVER_ERROR,
            "malformed": ExitCode.SERVER_ERROR, "drop": ExitCode.SERVER_ERROR}


@pytest.mark.parametrize("kind", FAILURE_KINDS)
def test_every_failure_kind_maps_to_its_exit_code(binance, kind):
    binance.fail("/api/v3/time", kind)
    with httpx.Client() as client, pytest.raises(transport.NetworkFailure) as err:
        clock.measure_offset(client, binance.url, samples=3)
    assert err.value.exit_code is EXPECTED[kind]
    assert len(binance.requests("/api/v3/time")) == 1        # never retried


def test_refused_and_tls_failures(plain_tcp):
    with httpx.Client() as client:
        with pytest.raises(transport.NetworkFailure) as refused:
            clock.measure_offset(client, f"http://127.0.0.1:{closed_port()}", samples=1)
        with pytest.raises(transport.NetworkFailure) as tls:
            clock.measure_offset(client, f"https://127.0.0.1:{plain_tcp.port}", samples=1)
    assert refused.value.exit_code is ExitCode.UNREACHABLE
    assert tls.value.exit_code is ExitCode.TLS


def test_ntp_responder_answers_ntplib_with_its_offset(make_ntp):
    server = make_ntp(offset_ms=-2_500, stratum=3)
    answer = ntplib.NTPClient().request("127.0.0.1", version=4, port=server.port, timeout=2)
    assert answer.stratum == 3
    # NTP's own bound: the error is at most half the round trip (+1 ms of rounding).
    assert abs(answer.offset * 1000 + 2_500) <= answer.delay * 1000 / 2 + 1


def test_silent_ntp_responder_times_out(make_ntp):
    server = make_ntp(silent=True)
    with pytest.raises(ntplib.NTPException):
        ntplib.NTPClient().request("127.0.0.1", port=server.port, timeout=0.2)
    assert server.queries == 1


@pytest.mark.parametrize("before,after", [(0.0, 0.0), (0.01, 0.06), (0.06, 0.01)])
def test_measured_offset_is_within_its_bound(binance, before, after):
    binance.offset_ms = 2_500
    binance.latency(before, after)
    with httpx.Client() as client:
        est = clock.measure_offset(client, binance.url, samples=3)
    assert abs(est.offset_ms - 2_500) <= est.uncertainty_ms
    assert est.rtt_min_ms >= (before + after) * 1000
    assert est.timestamp_ms(time.time()) >= binance.now_ms() - est.uncertainty_ms - 1


# -- named scenarios (fake/scenario.py) ---------------------------------------------

SCENARIO_ANSWERS = {   # scenario -> (HTTP status, Binance code or None, exit code)
    "healthy": (200, None, None),
    "geo_blocked_451": (451, 0, ExitCode.RESTRICTED),
    "cloudfront_waf_403": (403, None, ExitCode.FORBIDDEN),
    "banned_418": (418, -1003, ExitCode.IP_BANNED),
    "rate_limited_429": (429, -1003, ExitCode.RATE_LIMITED),
    "server_error_5xx": (500, -1000, ExitCode.SERVER_ERROR),
    "clock_offset": (200, None, None),
}


@pytest.mark.parametrize("name", sorted(scenario.SCENARIOS))
def test_each_scenario_holds_on_every_path(binance, name):
    assert set(SCENARIO_ANSWERS) == set(scenario.SCENARIOS)
    scenario.SCENARIOS[name]().apply(binance)
    status, code, exit_code = SCENARIO_ANSWERS[name]
    for path in ("/api/v3/ping", "/fapi/v1/time", "/sapi/v1/system/status"):
        response = httpx.get(binance.url + path)
        if status == 200 and path == "/sapi/v1/system/status":
            assert response.status_code == 404          # no route: healthy adds none
            continue
        assert response.status_code == status, path
        failure = transport.status_failure(response)
        assert (failure.exit_code if failure else None) is exit_code
        if code is not None:
            assert response.json()["code"] == code


def test_scenario_details(binance):
    scenario.cloudfront_waf_403().apply(binance)
    waf = httpx.get(binance.url + "/api/v3/ping")
    assert waf.headers["Server"] == "CloudFront" and "cloudfront" in waf.headers["Via"]
    assert waf.headers["X-Cache"] == "Error from cloudfront" and "<HTML>" in waf.text
    scenario.banned_418(retry_after=90, ban_until_ms=1_900_000_000_000).apply(binance)
    ban = httpx.get(binance.url + "/api/v3/ping")
    assert ban.headers["Retry-After"] == "90" and "banned until 1900000000000" in ban.text
    scenario.clock_offset(-6_000).apply(binance)             # apply() resets the last one
    assert httpx.get(binance.url + "/api/v3/ping").status_code == 200
    assert binance.now_ms() - time.time() * 1000 < -5_900
    scenario.server_error_5xx(503).apply(binance)
    assert httpx.get(binance.url + "/fapi/v1/ping").status_code == 503


def test_dns_never_answers_only_for_its_host():
    import socket
    import threading

    with scenario.dns_never_answers() as dns:
        done = threading.Event()

        def look_up() -> None:
            try:
                socket.getaddrinfo(dns.host, 80)
            except OSError:                          # released when the scenario ends
                pass
            done.set()

        threading.Thread(target=look_up, daemon=True).start()
        assert not done.wait(0.2)                    # still waiting: it never answers
        assert socket.getaddrinfo("127.0.0.1", 80)   # other names resolve
        assert dns.lookups == 1
    assert done.wait(5) and socket.getaddrinfo is not dns._getaddrinfo
