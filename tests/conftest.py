"""Fixtures shared by every test module."""

from __future__ import annotations

import json
import os
import time

import pytest

from support import REFERENCE


@pytest.fixture(scope="session")
def reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """Local time is UTC in tests, so golden output does not depend on the machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield
    os.environ.pop("TZ", None)
    time.tzset()
