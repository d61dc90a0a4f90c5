"""A loopback HTTP server that behaves like Binance's REST API, for tests and benchmarks.

It is a real threaded server on 127.0.0.1 (port 0), so the code under test
goes through the same sockets, HTTP parsing and error paths it meets in
production. What it can be told to do:

- serve `GET /api/v3/time`, `/fapi/v1/time` and `/dapi/v1/time` from its own
  clock, which is the machine's clock plus `offset_ms`;
- add latency on either side of reading that clock (`delay_before` acts like
  the request's one-way trip, `delay_after` like the response's), so the two
  legs can differ;
- fail a path on purpose (`fail(path, kind)`): 418 ban, 429, 451, 403 WAF page,
  5xx, malformed JSON, or a dropped connection, optionally only N times;
- log every request (method, path, query, headers, body, client address);
- take extra routes from other features (`route(method, path, handler)`), e.g.
  signed endpoints that check signatures, per-key permissions and IP rules.

Handlers receive a `Request` and return a `Reply`; `reply_json` and
`binance_error` build the usual shapes.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from fake.loopback import SocketServer

TIME_PATHS = ("/api/v3/time", "/fapi/v1/time", "/dapi/v1/time")
ANY_PATH = "*"                      # fail(ANY_PATH, ...) fails every path of the host

# Bodies modelled on what Binance and its CDN send (shapes only; texts are ours
# except the documented error names and codes).
RESTRICTED_BODY = {"code": 0, "msg": "Service unavailable from a restricted location "
                                     "according to 'b. Eligibility' in "
                                     "https://www.binance.com/en/terms. Please contact "
                                     "customer service if you believe you received this "
                                     "message in error."}
WAF_PAGE = ("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
            "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>"
            "<BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2>"
            "Request blocked.</BODY></HTML>")
# The headers CloudFront sends with its own error pages (values are ours).
WAF_HEADERS = {"Server": "CloudFront", "X-Cache": "Error from cloudfront",
               "Via": "1.1 0a1b2c3d4e5f.cloudfront.net (CloudFront)",
               "X-Amz-Cf-Pop": "FRA56-P5", "X-Amz-Cf-Id": "fAkE-LoopBack-Id-0123456789=="}


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]          # names lower-cased
    body: bytes
    client: str                      # the peer's IP address
    received: float                  # the server's clock on arrival, ms (before any
                                     # injected delay; srv.now_ms() is "now")

    def param(self, name: str) -> str | None:
        """The first value of a query or form parameter, or None."""
        values = self.query.get(name) or self.form().get(name)
        return values[0] if values else None

    def form(self) -> dict[str, list[str]]:
        if "form-urlencoded" in self.headers.get("content-type", ""):
            return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False                # close the connection without answering

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json;charset=UTF-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html"
        return self.body, "application/json;charset=UTF-8"


Handler = Callable[[Request, "FakeBinance"], Reply]


def reply_json(payload: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, payload, dict(headers))


def binance_error(status: int, code: int, msg: str, **headers: str) -> Reply:
    return Reply(status, {"code": code, "msg": msg}, dict(headers))


def _failure(kind: str, retry_after: int, ban_until_ms: int | None) -> Reply:
    if kind == "ban":
        until = ban_until_ms or int(time.time() * 1000) + retry_after * 1000
        return binance_error(418, -1003, f"Way too much request weight used; IP banned "
                             f"until {until}. Please use WebSocket Streams for live "
                             "updates to avoid bans.", **{"Retry-After": str(retry_after)})
    if kind == "rate_limit":
        return binance_error(429, -1003, "Too many requests; current limit of IP is 6000 "
                             "request weight per 1 MINUTE. Please use WebSocket Streams "
                             "for live updates to avoid polling the API.",
                             **{"Retry-After": str(retry_after)})
    if kind == "restricted":
        return Reply(451, RESTRICTED_BODY)
    if kind == "waf":
        return Reply(403, WAF_PAGE, dict(WAF_HEADERS))
    if kind == "server_error":
        return binance_error(500, -1000, "An unknown error occurred while processing "
                             "the request.")
    if kind == "unavailable":
        return Reply(503, "<html><body>Service Unavailable</body></html>")
    if kind == "malformed":
        return Reply(200, b'{"serverTime": 17')
    if kind == "drop":
        return Reply(drop=True)
    raise ValueError(f"unknown failure kind: {kind}")


FAILURE_KINDS = ("ban", "rate_limit", "restricted", "waf", "server_error", "unavailable",
                 "malformed", "drop")


# Every FakeBinance started in this process, so conftest.py can check after each
# test that binance-doctor sent only allowlisted requests to any of them.
STARTED: list[FakeBinance] = []


@dataclass
class _Failure:
    reply: Reply
    times: int | None                 # None: every time


class FakeBinance:
    """The server's state and controls; start with `with FakeBinance() as server:`."""

    def __init__(self, offset_ms: float = 0.0, delay_before: float = 0.0,
                 delay_after: float = 0.0) -> None:
        self.offset_ms = offset_ms
        # Seconds before the server reads its clock, and after (before answering);
        # a float, or a callable asked once per request.
        self.delay_before: float | Callable[[], float] = delay_before
        self.delay_after: float | Callable[[], float] = delay_after
        self.log: list[Request] = []
        # X-MBX-USED-WEIGHT-1M: weight used by others this minute, plus `weight_of`
        # every request answered by a route (set weight_of for other costs).
        self.used_weight = 0
        self.weight_of: Callable[[Request], int] = lambda req: 1
        self._routes: dict[tuple[str, str], Handler] = {}
        self._failures: dict[str, _Failure] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for path in TIME_PATHS:
            self.route("GET", path, lambda req, srv: reply_json({"serverTime": srv.now_ms()}))
        for path in ("/api/v3/ping", "/fapi/v1/ping", "/dapi/v1/ping"):
            self.route("GET", path, lambda req, srv: reply_json({}))

    # -- controls -------------------------------------------------------------

    def now_ms(self) -> int:
        """The server's clock, in whole milliseconds as Binance reports it."""
        return int(time.time() * 1000 + self.offset_ms)

    def latency(self, before: float | Callable[[], float],
                after: float | Callable[[], float] | None = None) -> None:
        """Set the delay (seconds) on each side of the clock reading; `after` defaults
        to `before` (symmetric)."""
        self.delay_before = before
        self.delay_after = before if after is None else after

    def delays(self) -> tuple[float, float]:
        """This request's (before, after) delays; either may be a callable, e.g. to
        slow only some requests or add jitter."""
        def pick(value: float | Callable[[], float]) -> float:
            return value() if callable(value) else value
        return pick(self.delay_before), pick(self.delay_after)

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Add or replace the handler for METHOD PATH."""
        self._routes[(method.upper(), path)] = handler

    def fail(self, path: str, kind: str, *, times: int | None = None, retry_after: int = 60,
             ban_until_ms: int | None = None) -> None:
        """Make PATH (or every path: ANY_PATH) fail as KIND (one of FAILURE_KINDS),
        `times` times or for good."""
        self.fail_with(path, _failure(kind, retry_after, ban_until_ms), times=times)

    def fail_with(self, path: str, reply: Reply, *, times: int | None = None) -> None:
        """Make PATH answer with REPLY instead of its handler."""
        with self._lock:
            self._failures[path] = _Failure(reply, times)

    def heal(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                self._failures.clear()
            else:
                self._failures.pop(path, None)

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> FakeBinance:
        fake = self

        class _Handler(_RequestHandler):
            server_state = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        STARTED.append(self)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeBinance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch -------------------------------------------------------------

    def _take_failure(self, path: str) -> Reply | None:
        with self._lock:
            if path not in self._failures:
                path = ANY_PATH
            failure = self._failures.get(path)
            if failure is None:
                return None
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self._failures[path]
            return failure.reply

    def _arrived(self, req: Request) -> None:
        with self._lock:
            self.log.append(req)

    def _dispatch(self, req: Request) -> Reply:
        failure = self._take_failure(req.path)
        if failure is not None:
            return failure
        handler = self._routes.get((req.method, req.path))
        if handler is None:
            if any(p == req.path for _, p in self._routes):
                return binance_error(405, -1000, "Method not allowed.")
            return binance_error(404, -1000, "Not found.")
        with self._lock:
            self.used_weight += self.weight_of(req)
            used = self.used_weight
        reply = handler(req, self)
        return Reply(reply.status, reply.body,
                     {"X-MBX-USED-WEIGHT-1M": str(used), **reply.headers}, reply.drop)


class _RequestHandler(BaseHTTPRequestHandler):
    server_state: FakeBinance
    protocol_version = "HTTP/1.1"          # keep-alive, as Binance's front end does
    # Headers and body leave in one segment: with Nagle and delayed ACKs a split
    # answer stalls ~40 ms, which would swamp the latency the tests inject.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass                                                  # keep test output clean

    _server_header: str | None = None

    def version_string(self) -> str:
        """The Server header: the reply's own (e.g. CloudFront's), else the stdlib's."""
        return self._server_header or super().version_string()

    def _handle(self) -> None:
        fake = self.server_state
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(method=self.command, path=parts.path, raw_query=parts.query,
                      query=parse_qs(parts.query, keep_blank_values=True),
                      headers={k.lower(): v for k, v in self.headers.items()},
                      body=body, client=self.client_address[0],
                      received=time.time() * 1000 + fake.offset_ms)
        fake._arrived(req)
        before, after = fake.delays()
        if before:
            time.sleep(before)
        reply = fake._dispatch(req)
        if after:
            time.sleep(after)
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload, content_type = reply.encoded()
        self._server_header = reply.headers.get("Server")
        self.send_response(reply.status)
        headers = {"Content-Type": content_type, **reply.headers}
        headers.pop("Server", None)               # sent by send_response (version_string)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class PlainTcpServer(SocketServer):
    """Accepts TCP connections and answers nothing useful: `https://` pointed here fails
    the TLS handshake, which is how the tests make a TLS failure without the internet."""

    def __init__(self) -> None:
        super().__init__(socket.SOCK_STREAM)

    def _serve_one(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            conn.settimeout(1)
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
