"""Named scenarios for the loopback Binance: the states the environment checks must tell apart.

Each is a `Scenario` whose `apply(*servers)` puts one or more `FakeBinance`
instances into that state, on every path (so ping, time, exchangeInfo and the
signed reads all see it):

- `healthy`: everything answers;
- `geo_blocked_451`: HTTP 451 with Binance's JSON body, code 0, "restricted location";
- `cloudfront_waf_403`: CloudFront's HTML 403 page with its Server/X-Cache/Via headers;
- `banned_418`: HTTP 418, -1003 "IP banned until <ms>", Retry-After;
- `rate_limited_429`: HTTP 429, -1003, Retry-After;
- `server_error_5xx`: HTTP 500 with -1000, or 502/503/504 with an HTML page;
- `clock_offset(ms)`: the server's clock `ms` ahead of this machine (negative: behind).

`dns_never_answers()` is the one scenario without a server: a context manager
(fake/dns.py) whose host name's lookups never return. `SCENARIOS` names them all
for tables of tests; account and key scenarios stay in fake/account.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fake.dns import DnsBlackHole
from fake.server import ANY_PATH, FakeBinance, Reply


@dataclass(frozen=True)
class Scenario:
    name: str
    describe: str
    setup: Callable[[FakeBinance], None]

    def apply(self, *servers: FakeBinance) -> Scenario:
        for server in servers:
            server.heal()
            server.offset_ms = 0.0
            self.setup(server)
        return self


def healthy() -> Scenario:
    return Scenario("healthy", "every endpoint answers", lambda server: None)


def geo_blocked_451() -> Scenario:
    return Scenario("geo_blocked_451", "451: service unavailable from a restricted location",
                    lambda server: server.fail(ANY_PATH, "restricted"))


def cloudfront_waf_403() -> Scenario:
    return Scenario("cloudfront_waf_403", "403: CloudFront's HTML error page",
                    lambda server: server.fail(ANY_PATH, "waf"))


def banned_418(retry_after: int = 120, ban_until_ms: int | None = None) -> Scenario:
    return Scenario("banned_418", "418: this IP is banned, with Retry-After",
                    lambda server: server.fail(ANY_PATH, "ban", retry_after=retry_after,
                                               ban_until_ms=ban_until_ms))


def rate_limited_429(retry_after: int = 30) -> Scenario:
    return Scenario("rate_limited_429", "429: too many requests, with Retry-After",
                    lambda server: server.fail(ANY_PATH, "rate_limit",
                                               retry_after=retry_after))


def server_error_5xx(status: int = 500) -> Scenario:
    def setup(server: FakeBinance) -> None:
        if status == 500:
            server.fail(ANY_PATH, "server_error")
        else:
            server.fail_with(ANY_PATH, Reply(status, f"<html><body>{status}</body></html>"))

    return Scenario("server_error_5xx", f"{status}: the server failed", setup)


def clock_offset(ms: float) -> Scenario:
    def setup(server: FakeBinance) -> None:
        server.offset_ms = ms

    return Scenario("clock_offset", f"the server's clock is {ms:+g} ms off this machine's",
                    setup)


def dns_never_answers(host: str | None = None) -> DnsBlackHole:
    """`with dns_never_answers() as dns:` lookups of dns.host (dns.url(port)) never return."""
    return DnsBlackHole(host) if host else DnsBlackHole()


# The server scenarios by name, with default arguments.
SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "healthy": healthy, "geo_blocked_451": geo_blocked_451,
    "cloudfront_waf_403": cloudfront_waf_403, "banned_418": banned_418,
    "rate_limited_429": rate_limited_429, "server_error_5xx": server_error_5xx,
    "clock_offset": lambda: clock_offset(6_000),
}
