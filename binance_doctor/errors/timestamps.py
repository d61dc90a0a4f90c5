"""Reading the time a log line starts with: ISO-8601 (and Go's log package), syslog,
the common log format, or epoch milliseconds in JSON.

Owns turning a line's first timestamp into epoch seconds, fast: scan reads the time
of every error line of a big log, so an ISO time's hour is looked up in a table of
hours seen just before, and a line counted by its shape has its time sliced where
the shape's first line held it (`_timer`). A time without a zone is taken as UTC.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from binance_doctor.pattern import compiled

__all__ = ["timestamp"]

_NONE = object()


# ISO-8601, and Go's log package (2024/01/15 10:23:45.123456) with slashes.
_ISO = compiled(r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
                r"\s?(Z|[+-]\d\d:?\d\d)?")
_CLF = compiled(r"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_EPOCH_MS = compiled(r"""["']?(?:time|timestamp|ts|T|E|serverTime)["']?\s*:\s*(1\d{12})\b""")
# syslog and journalctl's default: "Jan 15 10:00:00 host bot[123]: ..." (no year).
_SYSLOG = compiled(r"\s*(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)"
                   r"(?:\.(\d{1,6}))?\s")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
                                       1)}


def timestamp(text: str) -> float | None:
    """Epoch seconds of the first timestamp on a line: ISO-8601, common log format, or
    epoch ms in JSON. A time without a zone is taken as UTC."""
    head = text[:512]
    m = _ISO.search(head)
    if m:
        return _iso(head[m.start():m.end(4)], *m.group(5, 6, 7, 8))
    try:
        m = _SYSLOG.match(head)
        if m and m.group(1) in _MONTHS:
            return _syslog_time(*m.groups())
        m = _CLF.search(head)
        if m:
            d, mon, y, h, mi, s, tz = m.groups()
            dt = datetime(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(s),
                          tzinfo=_zone(tz))
            return dt.timestamp()
    except (ValueError, KeyError):
        return None
    m = _EPOCH_MS.search(text[:4096])
    return int(m.group(1)) / 1000 if m else None


def _iso(hour_at: str, mi: str, s: str, frac: str | None, tz: str | None) -> float | None:
    """An ISO time from its parts: the date and hour as written ("2024-01-15T10"), the
    minute, second, fraction and zone."""
    try:
        hour = _hour_of(hour_at, tz)
        minute, second = _SECS.get(mi), _SECS.get(s)
        if minute is not None and second is not None:
            seconds = minute * 60 + second
        else:                                    # past :59:59, or other digits (２０)
            seconds = int(mi) * 60 + int(s) if int(mi) < 60 and int(s) < 60 else None
        if hour is None or seconds is None:
            return None
        # What datetime.timestamp() gives: whole microseconds over 10**6.
        micro = _MICROS.get(frac) if frac else 0
        if micro is None:
            micro = int(frac[:6].ljust(6, "0"))
        return ((hour + seconds) * 1_000_000 + micro) / 1_000_000  # type: ignore
    except (ValueError, KeyError):
        return None


def _timer(text: str) -> Callable[[str], float | None]:
    """What reads the time of any line of this one's shape. An ISO time sits at the
    same place in each: `_ISO` reads digits as digits whatever their value, and the
    lines differ only in them; so its parts are sliced there, not searched for."""
    m = _ISO.search(text[:512])
    if m is None:
        return timestamp
    start, hour_end, mi, s = m.start(), m.end(4), m.start(5), m.start(6)
    f0, f1 = m.span(7)
    z0, z1 = m.span(8)

    def sliced(text: str) -> float | None:
        return _iso(text[start:hour_end], text[mi:mi + 2], text[s:s + 2],
                    text[f0:f1] if f0 >= 0 else None, text[z0:z1] if z0 >= 0 else None)
    if z0 >= 0 and text[z0:z1] != "Z":
        return sliced          # an offset: its digits may differ from line to line

    # UTC: the hour as written ("2024-01-15T10") is looked up whole, the minutes,
    # seconds and milliseconds by their digits; anything else goes the way above.
    def timer(text: str) -> float | None:
        at = text[start:hour_end]
        hour = _HOURS.get(at, _NONE)            # `_hour_of`'s own key for a UTC hour
        if hour is _NONE:
            hour = _hour_of(at, None)
        minute, second = _SECS.get(text[mi:mi + 2]), _SECS.get(text[s:s + 2])
        micro = _MICROS.get(text[f0:f1]) if f0 >= 0 else 0
        if hour is None or minute is None or second is None or micro is None:
            return sliced(text)
        return ((hour + minute * 60 + second) * 1_000_000 + micro) / 1_000_000
    return timer


def _hour_of(hour_at: str, tz: str | None) -> int | None:
    """Epoch seconds of an ISO time's hour as written ("2024-01-15T10") in zone `tz`,
    or None when it is no time. Lines come in time order, so the hour is mostly one
    seen just before: remembered, a UTC one (no zone, or Z) by its text alone."""
    key: str | tuple = hour_at if not tz or tz == "Z" else (hour_at, tz)
    hour = _HOURS.get(key, _NONE)
    if hour is _NONE:
        hour = _HOURS[key] = _hour(hour_at[:4], hour_at[5:7], hour_at[8:10],
                                   hour_at[11:13], tz)
        if len(_HOURS) > 4096:
            _HOURS.clear()
    return hour  # type: ignore[return-value]


def _syslog_time(mon: str, d: str, h: str, mi: str, s: str, frac: str | None,
                 now: float | None = None) -> float | None:
    """A syslog time has no year: the latest year that does not put it in the future
    (a log read in January holds December's lines). No zone: taken as UTC."""
    now = time.time() if now is None else now
    year = datetime.fromtimestamp(now, tz=timezone.utc).year
    for y in (year, year - 1):
        try:
            at = datetime(y, _MONTHS[mon], int(d), int(h), int(mi), int(s),
                          int((frac or "0").ljust(6, "0")), tzinfo=timezone.utc)
        except ValueError:                 # Feb 29 in a year without it, hour 25
            continue
        if at.timestamp() <= now + 86400:
            return at.timestamp()
    return None


def _hour(y: str, mo: str, d: str, h: str, tz: str | None) -> int | None:
    """Epoch seconds of an ISO time's hour (None when it is no time)."""
    try:
        at = datetime(int(y), int(mo), int(d), int(h), tzinfo=_zone(tz))
    except ValueError:
        return None
    return (at - _EPOCH) // _SECOND


_HOURS: dict[str | tuple, int | None] = {}
# Minutes or seconds "07" -> 7; milliseconds "123" -> microseconds.
_SECS = {f"{n:02d}": n for n in range(60)}
_MICROS = {f"{ms:03d}": ms * 1000 for ms in range(1000)}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def _zone(tz: str | None) -> timezone:
    if not tz or tz == "Z":
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
