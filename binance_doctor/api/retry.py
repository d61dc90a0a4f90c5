"""When a bot may send a request again: the retry policy Binance's docs support.

Owns `Retry` (an action and how long to wait) and the two decisions made with it:
what an error alone says (`initial`, carried by every `Diagnosis`) and what to do
with one request that failed (`retry_decision`, which also weighs the method and
the attempt). The rule above all others: after a 5xx, -1006, -1007 or a timeout the
execution status is UNKNOWN, so a request that changes state (placing an order, a
transfer) is never resent blindly: the answer is "query_first".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from binance_doctor.api.diagnose import Diagnosis
    from binance_doctor.errors.catalog import Explanation

Action = Literal["retry", "wait", "query_first", "fix_first", "stop"]
ACTIONS: tuple[Action, ...] = ("retry", "wait", "query_first", "fix_first", "stop")

# Methods that change nothing when repeated; Binance's official SDK retries only these.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
MAX_ATTEMPTS = 5            # attempts at one idempotent request before giving up
BACKOFF_BASE = 0.5          # seconds; doubled each attempt
BACKOFF_CAP = 30.0
_BANNED_UNTIL = re.compile(r"banned until (\d{12,14})")
# Codes that mean the request's own clock was wrong: fixed by resyncing, once.
_CLOCK = frozenset({-1021})
# Codes sent when the server was too busy to take the request at all (not executed).
_THROTTLED = frozenset({-1008, -1003, -1015})

_CAUTION = {"stop": 4, "query_first": 3, "fix_first": 2, "wait": 1, "retry": 0}


@dataclass(frozen=True)
class Retry:
    """What to do next, and for how long to hold off (None when not applicable)."""

    action: Action
    seconds: float | None = None
    reason: str = ""

    @property
    def resend(self) -> bool:
        """True when sending the same request again (after `seconds`) is safe."""
        return self.action in ("retry", "wait")


def backoff(attempt: int) -> float:
    """Exponential backoff for attempt 0, 1, 2, ...: 0.5 s, 1 s, 2 s, ... at most 30 s."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, min(attempt, 16))))


def retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def ban_ends_ms(message: str | None) -> int | None:
    """The epoch ms a 418/-1003 message says the ban lasts until."""
    m = _BANNED_UNTIL.search(message or "")
    return int(m.group(1)) if m else None


def initial(*, code: int | None, status: int | None, message: str | None,
            explanations: list[Explanation], headers: dict[str, str],
            transport: str | None, now: float) -> Retry:
    """What an error alone says about resending, before the request is known."""
    wait = retry_after(headers)
    banned = ban_ends_ms(message)
    if status == 418 or banned is not None:
        left = max(wait or 0.0, (banned / 1000 - now) if banned else 0.0)
        return Retry("stop", round(left, 3) if left else wait,
                     "this IP is banned; send nothing until the ban ends, or it grows")
    if transport == "not_sent":
        return Retry("retry", backoff(0), "the request never reached Binance")
    if transport == "unknown":
        return Retry("query_first", None, _UNKNOWN)
    if status == 429:
        return Retry("wait", wait, "rate limited: wait as long as Retry-After says")
    if not explanations:
        if status is not None and status >= 500:
            return Retry("query_first", None, _UNKNOWN)
        return Retry("fix_first", None, "not a documented Binance error: do not resend "
                                        "unchanged until the cause is known")
    # The most cautious of the meanings the error can have (products not ruled out).
    chosen = [_from_policy(ex, wait, code) for ex in explanations]
    return max(chosen, key=lambda r: _CAUTION[r.action])


_UNKNOWN = ("execution status UNKNOWN: the request may have been carried out; query it "
            "(an order by its client order id) before sending it again")


def _from_policy(ex: Explanation, wait: float | None, code: int | None) -> Retry:
    policy = ex.retry.policy.value
    if policy == "check_first":
        return Retry("query_first", None, _UNKNOWN)
    if policy == "wait":
        return Retry("wait", wait if wait is not None else ex.retry.seconds,
                     "back off before retrying")
    if policy == "now":
        return Retry("retry", backoff(0), "not carried out; retry with a short backoff")
    if code in _CLOCK:
        return Retry("fix_first", None, "the timestamp is off: resync the clock offset "
                                        "from the server's time, then retry once")
    return Retry("fix_first", None, "resending unchanged fails the same way: fix the "
                                    "request first")


def retry_decision(diagnosis: Diagnosis, *, method: str, path: str = "",
                   attempt: int = 0) -> Retry:
    """What to do after `method path` failed with `diagnosis` on try number `attempt`
    (0 for the first failure).

    - never resend a request that changes state after an unknown status: "query_first";
    - GET/DELETE after a 5xx, -1000, -1001, -1006, -1007, -1008 or a timeout: "retry"
      with exponential backoff, up to 5 attempts, then "stop";
    - 429 and other rate limits: "wait" for Retry-After (else the catalog's wait,
      else backoff);
    - 418: "stop" until the ban ends;
    - -1021: "retry" once (after resyncing the clock offset), then "fix_first";
    - everything the catalog calls fix-first (-1013, -1111, -2010, -2015, ...):
      "fix_first", never resent unchanged.
    """
    base = diagnosis.retry
    idempotent = method.strip().upper() in IDEMPOTENT
    if base.action == "stop":
        return base
    if diagnosis.code in _CLOCK:
        if attempt == 0:
            return Retry("retry", 0.0, "resync the clock offset from the server's time, "
                                       "then retry once")
        return Retry("fix_first", None, "still -1021 after a resync: the clock drifts or "
                                        "recvWindow is too small; fix it first")
    if base.action == "query_first" and not idempotent:
        return base
    if base.action == "retry" and not idempotent and diagnosis.code == -1001:
        # The docs do not say a -1001 was not carried out: ask before resending.
        return Retry("query_first", None, _UNKNOWN)
    if base.action in ("query_first", "retry", "wait") and attempt + 1 >= MAX_ATTEMPTS:
        return Retry("stop", None, f"gave up after {attempt + 1} attempts")
    if base.action == "query_first":
        return Retry("retry", backoff(attempt), "a read or a cancel is safe to repeat")
    if base.action == "wait":
        return Retry("wait", base.seconds if base.seconds is not None else backoff(attempt),
                     base.reason)
    if base.action == "retry":
        return Retry("retry", backoff(attempt), base.reason)
    return base
