"""check-key: why Binance rejects an API key, found without changing anything.

Three steps, each in its own module:

1. offline (offline.py): the shape of the key and the secret and hints from
   the base URLs;
2. online, read-only and concurrent (probe.py): clock offsets, the key's
   permissions, one signed read per product, and the other network only when
   the key is unknown; every request passes the read-only guard (net/guard.py);
3. analysis (analysis.py): the answers as check lines, root causes and an exit
   code. view.py shows the result.

I/O (the HTTP client, the clocks) comes in as parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from binance_doctor import credential
from binance_doctor.clock import offset as clocks
from binance_doctor.key import analysis, probe

if TYPE_CHECKING:
    import httpx


def check(creds: credential.Credentials, api_key: str, settings: probe.Settings,
          client: httpx.Client, *, offline: tuple[analysis.Check, ...] = (),
          clock: clocks.Clock = clocks.SYSTEM_CLOCK, now: float | None = None,
          progress: Callable[[str], None] | None = None,
          online: bool = True) -> analysis.KeyReport:
    """Run the online checks (unless `online` is false) and explain the result."""
    return check_with(creds, api_key, settings, client, offline=offline, clock=clock,
                      now=now, progress=progress, online=online)[0]


def check_with(creds: credential.Credentials, api_key: str, settings: probe.Settings,
               client: httpx.Client, *, offline: tuple[analysis.Check, ...] = (),
               clock: clocks.Clock = clocks.SYSTEM_CLOCK, now: float | None = None,
               progress: Callable[[str], None] | None = None, online: bool = True,
               extra: tuple[str, ...] = ()) -> tuple[analysis.KeyReport, probe.Probes]:
    """`check`, also sending the `extra` CALLS (see probe.run) and returning what the
    probes saw, for callers that read those answers themselves (doctor)."""
    seen = probe.run(creds, api_key, settings, client, clock=clock, progress=progress,
                     online=online, extra=extra)
    now_ms = (clock.wall() if now is None else now) * 1000
    return analysis.report(creds, settings, offline, seen, now_ms), seen
