"""The read-only guard (net/guard.py): one allowlist, enforced in every command's client.

- the guard refuses POST/DELETE/unlisted paths before anything is sent;
- the client `transport.make_client` hands to commands carries it;
- the allowlist holds only reads, each with its documented weight;
- statically, no module of the package calls another HTTP verb;
- every request binance-doctor sent in any loopback test was on the list
  (checked after each test by the autouse fixture in conftest.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

import binance_doctor
from binance_doctor.failure import ExitCode
from binance_doctor.net import guard, transport

REFUSED = [("POST", "/api/v3/order"), ("DELETE", "/api/v3/order"),
           ("PUT", "/api/v3/userDataStream"), ("GET", "/api/v3/allOrders"),
           ("POST", "/api/v3/time"), ("PUT", "/fapi/v1/order"), ("DELETE", "/dapi/v1/order"),
           ("GET", "/sapi/v1/capital/withdraw/apply")]


def _recording_transport(sent: list) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))


def test_request_log_guards_and_weighs():
    log = guard.RequestLog()
    sent: list[httpx.Request] = []
    with httpx.Client(transport=_recording_transport(sent)) as client:
        log.install(client)
        client.get("http://x/api/v3/time")
        for method, path in REFUSED:
            with pytest.raises(guard.ReadOnlyViolation):
                client.request(method, "http://x" + path)
    assert [r.url.path for r in sent] == ["/api/v3/time"]
    assert log.sent == [guard.Sent("GET", "x", "/api/v3/time", 1)]


def test_command_client_refuses_before_sending():
    """The client every command uses: nothing off the list reaches the transport."""
    sent: list[httpx.Request] = []
    with transport.make_client(5, transport=_recording_transport(sent)) as client:
        assert transport.get(client, "http://x/fapi/v1/time").status_code == 200
        for method, path in REFUSED:
            with pytest.raises(guard.ReadOnlyViolation) as err:
                client.request(method, "http://x" + path)
            assert err.value.exit_code is ExitCode.INTERNAL
            assert f"{method} {path}" in err.value.message
    assert [(r.method, r.url.path) for r in sent] == [("GET", "/fapi/v1/time")]


def test_guard_installs_once():
    with transport.make_client(5) as client:
        guard.protect(client)
        guard.RequestLog().install(client)
        assert client.event_hooks["request"].count(guard.refuse_unlisted) == 1


# order-status reads one order, the open orders and the trades: GET only, which the
# guard enforces by (method, path); POST/DELETE on the same paths stay refused.
_ORDER_READS = {f"{p}/{name}" for p in ("/api/v3", "/fapi/v1", "/dapi/v1")
                for name in ("order", "openOrders", "myTrades", "userTrades")}


def test_order_reads_are_allowed_only_as_get():
    for path in _ORDER_READS & {p for _, p in guard.ALLOWED}:
        for method in ("POST", "PUT", "DELETE"):
            assert not guard.allowed(method, path)


def test_allowlist_is_read_only_with_documented_weights():
    assert guard.READ_ONLY_METHOD == "GET"
    for (method, path), weight in guard.ALLOWED.items():
        assert method == "GET", path
        assert path.startswith(("/api/", "/sapi/", "/fapi/", "/dapi/", "/eapi/", "/papi/"))
        assert isinstance(weight, int) and 1 <= weight <= 50, path
        # Reading orders (one order, open orders, trades) is GET; nothing else with
        # "order" in its path.
        words = ("transfer", "withdraw", "listenkey", "userdatastream") + (
            () if path in _ORDER_READS else ("order",))
        assert not any(w in path.lower() for w in words), path
    # the clock's time endpoints are on it
    assert {("GET", p) for p in ("/api/v3/time", "/fapi/v1/time", "/dapi/v1/time")} \
        <= set(guard.ALLOWED)


_VERBS = {"post", "put", "patch", "delete", "request", "stream", "send", "options", "head"}
# Calls that match by name but are not HTTP, each with its reason.
_NOT_HTTP = {"offset.py .request()": "ntplib.NTPClient().request is an NTP query over UDP"}


def _verb_calls(path: Path) -> list[str]:
    """Calls of HTTP verbs other than GET in one module, as `file:line .verb()`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _VERBS:
            if f"{path.name} .{node.func.attr}()" not in _NOT_HTTP:
                found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
    return found


# The user's own client (issue 14): places the user's orders, so it must send POST and
# DELETE. No CLI command may use it; test_no_command_uses_the_session holds that.
_USER_CLIENT = Path("api") / "session.py"


def test_no_module_calls_another_http_verb():
    """Static: the whole package sends through transport.get, never another verb."""
    package = Path(binance_doctor.__file__).parent
    modules = sorted(m for m in package.rglob("*.py") if m != package / _USER_CLIENT)
    assert len(modules) > 30
    offenders = [hit for m in modules for hit in _verb_calls(m)]
    assert offenders == []
    # and the check can fail
    assert _verb_calls(Path(__file__)) != []


def test_no_command_uses_the_session():
    """Static: nothing outside api/ imports the Session module, so no CLI command can."""
    package = Path(binance_doctor.__file__).parent
    assert (package / _USER_CLIENT).is_file()
    users = []
    for m in package.rglob("*.py"):
        if m.parent.name == "api" or m.name == "__init__.py" and m.parent == package:
            continue
        for node in ast.walk(ast.parse(m.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any("session" in n and "api" in n for n in names) or isinstance(
                    node, ast.ImportFrom) and any(a.name == "Session" for a in node.names):
                users.append(f"{m.relative_to(package)}:{node.lineno}")
    assert users == []


def test_loopback_requests_are_checked_after_each_test(binance):
    """The conftest fixture sees every request binance-doctor sends to a fake server."""
    from conftest import unlisted_requests

    with transport.make_client(5) as client:
        transport.get(client, binance.url + "/api/v3/time")
    assert unlisted_requests() == []
    # a request from a client without the guard, with our User-Agent, is caught
    httpx.post(binance.url + "/api/v3/order", headers={"User-Agent": transport.USER_AGENT})
    assert [r.path for r in unlisted_requests()] == ["/api/v3/order"]
    binance.log.clear()
