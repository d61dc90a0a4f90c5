"""The loopback stand-ins for Binance and NTP that every network test runs against.

- `server`: one threaded HTTP server on 127.0.0.1 (`FakeBinance`) with an injected
  clock offset and latency, per-path failures (418/429/451/403/5xx/malformed/dropped),
  a request log, and `route()` to plug in more endpoints;
- `account`: signed endpoints with real signature checks, keys and permissions,
  plugged into a `FakeBinance` through `route()`;
- `scenario`: named states of a whole host (healthy, geo_blocked_451,
  cloudfront_waf_403, banned_418, rate_limited_429, server_error_5xx,
  clock_offset(ms), dns_never_answers) for tables of environment tests;
- `dns`: a resolver that never answers for one host name;
- `ntp`: a UDP NTP responder with an injected offset, stratum or silence;
- `loopback`: the socket server both are built on.

New scenarios (exchangeInfo, orders, ...) are modules here that plug routes into a
`FakeBinance` the same way `account` does.
"""
