"""Epoch milliseconds from Binance or a log: which are real dates, and how to print them.

A damaged or hostile answer can carry any number (a ban "until
9999999999999999999", `createTime: 1e30`, `serverTime: 10**24`). Python's date
functions raise on most of them, and the rest are not dates a user can act on,
so every epoch value is checked here before it is shown or believed.
"""

from __future__ import annotations

import math
import time

# 2010-01-01 .. 2200-01-01: Binance did not exist before, and nothing it sends
# (bans, key expiries, server time) reaches further ahead.
EARLIEST_MS = 1_262_304_000_000
LATEST_MS = 7_258_118_400_000


def is_real_ms(value: object) -> bool:
    """True for a number of epoch milliseconds that names a plausible instant."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and EARLIEST_MS <= value <= LATEST_MS


def utc_text(ms: object, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    """The UTC date of `ms`, or the value as given and why it is not shown as a date."""
    if not is_real_ms(ms):
        return f"{ms!r} (not a real date)"
    return time.strftime(fmt, time.gmtime(float(ms) / 1000))     # type: ignore[arg-type]
