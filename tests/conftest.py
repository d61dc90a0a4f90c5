"""Fixtures shared by every test module."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time

import pytest

from support import REFERENCE

# The catalog's compiled copy (errors/bundle.py) goes to a throwaway cache, never the
# user's; set before any test runs, so subprocesses inherit it too.
# Removed at exit, so runs do not pile up directories in the temp folder.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="binance-doctor-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)


@pytest.fixture(scope="session")
def reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """Local time is UTC in tests, so golden output does not depend on the machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)   # colour is asked for explicitly
    yield
    os.environ.pop("TZ", None)
    time.tzset()


# -- loopback servers that stand in for Binance and NTP (tests/fake/) --

from fake import server as fake_server  # noqa: E402 - grouped with its fixtures
from fake.server import FakeBinance, PlainTcpServer  # noqa: E402
from fake.ntp import FakeNtp  # noqa: E402


def unlisted_requests() -> list:
    """Requests binance-doctor sent (by its User-Agent) to any fake server started in this
    test that are not on the read-only allowlist (net/guard.py)."""
    from binance_doctor.net import guard, transport

    return [r for server in fake_server.STARTED for r in server.requests()
            if r.headers.get("user-agent") == transport.USER_AGENT
            and not guard.allowed(r.method, r.path)]


@pytest.fixture(autouse=True)
def _read_only():
    """After every test: whatever binance-doctor sent to a loopback server was allowlisted."""
    fake_server.STARTED.clear()
    yield
    offenders = unlisted_requests()
    fake_server.STARTED.clear()
    assert offenders == [], f"non-allowlisted requests reached a fake server: {offenders}"


@pytest.fixture
def binance():
    """A Binance-like HTTP server on 127.0.0.1; set .offset_ms, .latency(), .fail(), .route()."""
    with FakeBinance() as server:
        yield server


@pytest.fixture
def ntp():
    """A UDP NTP responder on 127.0.0.1; set .offset_ms, .stratum, .silent. Use .address."""
    with FakeNtp() as server:
        yield server


@pytest.fixture
def make_ntp():
    """Start more NTP responders: make_ntp(offset_ms=..., stratum=..., silent=...)."""
    started: list[FakeNtp] = []

    def start(**kwargs) -> FakeNtp:
        server = FakeNtp(**kwargs).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def plain_tcp():
    """A TCP server that speaks no TLS: point https:// at it to get a TLS failure."""
    with PlainTcpServer() as server:
        yield server
