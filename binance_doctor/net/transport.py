"""Talking HTTP to Binance: the client, the overall deadline, and what failures mean.

Every network command goes through here, so a DNS failure, a TLS failure, a
timeout, a 451, a WAF 403, a 418 ban or a 429 reads the same everywhere and
ends with the same exit code. Nothing here retries: after a 418 or 429 the
only safe move is to wait, and that is the user's decision.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from binance_doctor import __version__
from binance_doctor.failure import BadOption, DoctorError, ExitCode

if TYPE_CHECKING:      # httpx is imported lazily: `explain` must not pay for it
    import httpx

USER_AGENT = f"binance-doctor/{__version__}"
_BAN_UNTIL = re.compile(r"banned until (\d{12,14})")


class NetworkFailure(DoctorError):
    """Binance could not be asked, or answered with a status that ends the check."""

    def __init__(self, message: str, hint: str | None, exit_code: ExitCode,
                 status: int | None = None, retry_after: float | None = None,
                 edge: str | None = None) -> None:
        super().__init__(message, hint, exit_code)
        self.status = status
        self.retry_after = retry_after
        self.edge = edge          # the CDN that answered instead of Binance, e.g. CloudFront


class Deadline:
    """The whole command's time budget; each request gets what is left (at most `cap`)."""

    def __init__(self, seconds: float, mono: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._mono = mono
        self._end = mono() + seconds

    def remaining(self) -> float:
        return self._end - self._mono()

    def timeout(self, cap: float) -> float:
        left = self.remaining()
        if left <= 0:
            raise NetworkFailure(f"ran out of time: the check is limited to "
                                 f"{self.seconds:g} s", "raise --timeout, or check the "
                                 "network path to Binance", ExitCode.TIMEOUT)
        return min(cap, left)


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash, or BadOption when it is not http(s)://host."""
    try:
        parts = urlsplit(base_url.strip())
        hostname = parts.hostname
    except ValueError:                    # "http://[::1" and other broken netlocs
        parts, hostname = None, None
    if parts is None or parts.scheme not in ("http", "https") or not hostname:
        raise BadOption(f"not an http(s) URL: {base_url!r}",
                       hint="e.g. --base-url https://api.binance.com or "
                            "https://testnet.binance.vision")
    return base_url.strip().rstrip("/")


def make_client(timeout: float, transport: Any = None) -> httpx.Client:
    """The client every command sends through: no redirects, our User-Agent, and the
    read-only guard (net/guard.py) refusing any request not on its allowlist."""
    import httpx

    from binance_doctor.net import guard

    return guard.protect(httpx.Client(timeout=timeout, transport=transport,
                                      follow_redirects=False,
                                      headers={"User-Agent": USER_AGENT}))


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def network_failure(exc: Exception, url: str) -> NetworkFailure:
    """Name what went wrong below HTTP: DNS, refused connection, TLS, timeout, drop.
    Takes httpx's exceptions and the socket/ssl ones of a bare connection alike."""
    import httpx

    host = urlsplit(url).hostname or url
    chain = _causes(exc)
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return NetworkFailure(f"no answer from {host} in time ({type(exc).__name__})",
                              "raise --timeout; a slow path or a firewall silently "
                              "dropping packets looks like this", ExitCode.TIMEOUT)
    if any(isinstance(c, socket.gaierror) for c in chain):
        return NetworkFailure(f"DNS lookup of {host} failed",
                              "check the host name and this machine's DNS resolver "
                              "(/etc/resolv.conf, a VPN, a corporate DNS that blocks it)",
                              ExitCode.UNREACHABLE)
    if any(isinstance(c, ssl.SSLError) for c in chain) or "SSL" in str(exc):
        return NetworkFailure(f"TLS handshake with {host} failed: {exc}",
                              "a proxy or middlebox intercepting TLS, an outdated CA "
                              "bundle, or a URL that is not an HTTPS endpoint",
                              ExitCode.TLS)
    if isinstance(exc, (httpx.ConnectError, OSError)):
        return NetworkFailure(f"cannot connect to {host}: {exc}",
                              "check that the URL is right and that outbound connections "
                              "to it are allowed (firewall, proxy, no route)",
                              ExitCode.UNREACHABLE)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return NetworkFailure(f"{host} closed the connection without an answer",
                              "something on the path (a proxy, a firewall, the server) "
                              "cut the connection; try again later", ExitCode.SERVER_ERROR)
    return NetworkFailure(f"request to {host} failed: {type(exc).__name__}: {exc}", None,
                          ExitCode.UNREACHABLE)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _ban_until(response: httpx.Response) -> str | None:
    match = _BAN_UNTIL.search(response.text[:2000])
    if not match:
        return None
    from binance_doctor.errors.diagnosis import ban_end   # the one wording of a ban's end

    return ban_end(int(match.group(1)), time.time())


def edge_name(response: httpx.Response) -> str | None:
    """"CloudFront" when CloudFront's own headers show it answered (not Binance), else None."""
    said = " ".join(response.headers.get(h, "") for h in ("Server", "Via", "X-Cache")).lower()
    return "CloudFront" if "cloudfront" in said or "x-amz-cf-id" in response.headers else None


def status_failure(response: httpx.Response) -> NetworkFailure | None:
    """The failure an HTTP status means before any endpoint logic, or None."""
    status = response.status_code
    host = response.request.url.host
    wait = _retry_after(response)
    wait_text = f" Retry-After says {wait:g} s." if wait is not None else ""
    if status == 418:
        until = _ban_until(response)
        return NetworkFailure(
            f"HTTP 418: this IP is banned by {host}"
            + (f" until {until}" if until else "") + ".", 
            f"do not send anything until the ban ends, or it grows.{wait_text} "
            "See: binance-doctor explain 418", ExitCode.IP_BANNED, status, wait)
    if status == 429:
        return NetworkFailure(
            f"HTTP 429: {host} says this IP sent too many requests",
            f"wait before any new request; repeating after a 429 leads to a 418 ban."
            f"{wait_text} See: binance-doctor explain 429", ExitCode.RATE_LIMITED,
            status, wait)
    if status == 451:
        return NetworkFailure(
            f"HTTP 451: {host} refuses service from this location",
            "Binance restricts some countries; the answer depends on the IP you connect "
            "from. See: binance-doctor explain 451", ExitCode.RESTRICTED, status)
    if status == 403:
        edge = edge_name(response)
        by = (f"{edge}'s web application firewall (the CDN in front of the API)" if edge
              else "the web application firewall/CDN")
        return NetworkFailure(
            f"HTTP 403 from {host}: blocked by {by}",
            "the request broke a WAF rule or the IP is blocked at the edge; check the "
            "URL, headers and proxy. See: binance-doctor explain 403",
            ExitCode.FORBIDDEN, status, edge=edge)
    if status >= 500:
        return NetworkFailure(f"HTTP {status} from {host}: server-side failure",
                              "Binance (or a proxy in front of it) failed; try again later",
                              ExitCode.SERVER_ERROR, status, wait)
    return None


_SLICE = 0.1


def in_daemon_thread(work: Callable[[], Any], seconds: float) -> Any:
    """`work()`'s result, or TimeoutError after `seconds`; its exception is re-raised.

    For calls that ignore every timeout (getaddrinfo): the thread is a daemon, so
    neither the deadline nor Ctrl-C waits for it, and exit does not join it.
    """
    import threading

    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = e
        done.set()

    threading.Thread(target=run, daemon=True, name="binance-doctor-io").start()
    # Waited for in short slices: a Ctrl-C that comes just before a wait starts (or to
    # the other thread) does not end that wait, and is acted on only when it ends (one
    # of 300 s kept a test waiting 30 s). Each slice's end runs it: at once, to a person.
    deadline = time.monotonic() + max(seconds, 0.0)
    while not done.wait(min(_SLICE, max(deadline - time.monotonic(), 0.0))):
        if time.monotonic() >= deadline:
            raise TimeoutError
    if "error" in box:
        raise box["error"]
    return box["value"]


_RESOLVED: set[tuple[str, int]] = set()


def resolve(host: str, port: int, seconds: float) -> None:
    """Look `host` up within `seconds`, or fail naming DNS as the cause.

    httpx resolves inside the connect call, where no timeout applies and Ctrl-C
    waits for the system resolver; asking first, in a thread we can abandon,
    keeps --timeout and Ctrl-C in force. An IP address needs no lookup.
    """
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    if (host, port) in _RESOLVED:
        return
    try:
        in_daemon_thread(lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                         seconds)
    except TimeoutError:
        raise NetworkFailure(f"DNS lookup of {host} got no answer in time ({seconds:.1f} s)",
                             "this machine's DNS resolver is not answering: check "
                             "/etc/resolv.conf, a VPN, or a corporate DNS; raise --timeout "
                             "if it is only slow", ExitCode.TIMEOUT) from None
    except (socket.gaierror, UnicodeError, OSError):
        raise NetworkFailure(f"DNS lookup of {host} failed",
                             "check the host name and this machine's DNS resolver "
                             "(/etc/resolv.conf, a VPN, a corporate DNS that blocks it)",
                             ExitCode.UNREACHABLE) from None
    _RESOLVED.add((host, port))


def get(client: httpx.Client, url: str, *, timeout: float | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None) -> httpx.Response:
    """One GET; network failures and the statuses above become NetworkFailure.
    Other statuses (4xx with a Binance error body) are left to the caller."""
    import httpx

    parts = urlsplit(url)
    if parts.hostname and not isinstance(getattr(client, "_transport", None),
                                         httpx.MockTransport):
        resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                timeout if timeout is not None else _client_timeout(client))
    try:
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = client.get(url, **kwargs)
    except httpx.HTTPError as exc:
        raise network_failure(exc, url) from None
    failure = status_failure(response)
    if failure is not None:
        raise failure
    return response


def _client_timeout(client: httpx.Client) -> float:
    connect = getattr(getattr(client, "timeout", None), "connect", None)
    return float(connect) if connect else 10.0


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or SERVER_ERROR when it is not JSON."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise NetworkFailure(
            f"the answer from {response.request.url} is not valid JSON "
            f"(HTTP {response.status_code}, {len(response.content)} bytes)",
            "is --base-url a Binance API endpoint? A captive portal or proxy may be "
            "answering instead", ExitCode.SERVER_ERROR, response.status_code) from None
