"""How a ClockReport is shown: document blocks for people, a dict for --json.

The JSON shape is part of the documented `binance-doctor/1` schema: add
fields freely, never rename or remove one.
"""

from __future__ import annotations

from binance_doctor.clock.offset import (AHEAD_LIMIT_MS, MAX_RECV_WINDOW, ClockReport, NtpSummary,
                                  OffsetEstimate, Verdict, WindowCheck)
from binance_doctor.output.document import Block, Field, Heading, Items, Section, Table, Text, Tone

_VERDICT_TONE = {Verdict.PASS: Tone.OK, Verdict.AT_RISK: Tone.WARN, Verdict.REJECTED: Tone.BAD}


def ms(value: float) -> str:
    """1.3 ms, 48.0 ms, 6,003 ms: a decimal only where it means something."""
    return f"{value:,.0f} ms" if abs(value) >= 100 else f"{value:.1f} ms"


def relation(offset_ms: float, other: str, subject: str = "your clock") -> str:
    """Say `other − subject = offset_ms` in words."""
    if abs(offset_ms) < 0.05:
        return f"{subject} agrees with {other}"
    side = "behind" if offset_ms > 0 else "ahead of"
    return f"{subject} is {ms(abs(offset_ms))} {side} {other}"


def verdict_heading(report: ClockReport) -> Heading:
    """The verdict in one line (also the clock line of `doctor`)."""
    w = report.window
    window = f"recvWindow {w.recv_window_ms}"
    if w.verdict is Verdict.PASS:
        margin = min(w.ahead_margin_ms, w.behind_margin_ms)
        return Heading(f"A signed request sent now is accepted with {window} "
                       f"(worst-case margin {ms(margin)})", Tone.OK)
    if w.cause == "ahead":
        why = (f"its timestamp would be {ms(-w.lag_ms)} ahead of Binance's clock"
               if w.lag_ms < 0 else "its timestamp could land too close to the 1 s ahead "
                                    "limit")
        limit = f"limit {AHEAD_LIMIT_MS} ms"
    else:
        why = f"it would arrive {ms(w.lag_ms)} after its timestamp by Binance's clock"
        limit = window
    if w.verdict is Verdict.REJECTED:
        return Heading(f"A signed request sent now is rejected with -1021: {why} "
                       f"({limit})", Tone.BAD)
    return Heading(f"A signed request sent now may be rejected with -1021: {why} "
                   f"({limit}, within the measurement uncertainty)", Tone.WARN)


def _binance_section(report: ClockReport) -> Section:
    est = report.binance
    n = len(est.samples)
    used = "" if len(est.used) == n else f" ({len(est.used)} used after a clock step)"
    return Section("Binance time", (
        Field("Offset", f"{relation(est.offset_ms, 'Binance')}, ± {ms(est.uncertainty_ms)}"),
        Field("Round trip", f"min {ms(est.rtt_min_ms)}, median {ms(est.rtt_median_ms)}, "
                            f"jitter {ms(est.jitter_ms)}, {n} samples{used}"),
        Field("Method", "offset = serverTime − midpoint of send and receive, from the "
                        "fastest sample; the bound is half its round trip"),
        Field("Naive", f"serverTime − local time would say {ms(est.naive_offset_ms)}, off by "
                       f"a one-way delay"),
    ), subtitle=est.url)


def _ntp_section(report: ClockReport, ntp: NtpSummary) -> Section:
    rows = []
    tones = []
    for r in ntp.readings:
        if r.answer is None:
            rows.append((r.server, "-", "-", "-", r.error or "no answer"))
            tones.append(Tone.WARN)
        else:
            a = r.answer
            rows.append((r.server, str(a.stratum), f"{a.offset_ms:+.1f} ms",
                         f"{a.delay_ms:.1f} ms", "ok"))
            tones.append(Tone.PLAIN)
    blocks: list[Block] = [Table(("server", "stratum", "offset", "round trip", "status"),
                                 tuple(rows), tones=tuple(tones))]
    if ntp.consensus_ms is None:
        return Section("NTP", tuple(blocks), tone=Tone.WARN)
    blocks.append(Field("Consensus", f"{relation(ntp.consensus_ms, 'NTP time')} (median of "
                                     f"{len(ntp.usable)})"))
    blocks.append(Field("Binance", _binance_vs_ntp(report)))
    blocks.append(Field("So", _who_is_wrong(report)))
    return Section("NTP", tuple(blocks))


def _binance_vs_ntp(report: ClockReport) -> str:
    gap = report.binance_vs_ntp_ms or 0.0
    bound = report.binance.uncertainty_ms
    said = relation(-gap, "NTP time", "its clock as seen from here")
    inside = "within" if abs(gap) <= bound else "beyond"
    return f"{said}, {inside} the ± {ms(bound)} measurement bound"


def _who_is_wrong(report: ClockReport) -> str:
    ntp = report.ntp
    assert ntp is not None and ntp.consensus_ms is not None
    gap = abs(report.binance_vs_ntp_ms or 0.0)
    bound = report.binance.uncertainty_ms
    mine = ntp.consensus_ms
    if gap > bound + 50:
        return ("Binance's time differs from NTP by more than the path asymmetry can explain "
                f"(± {ms(bound)}): this endpoint keeps its own clock (testnets and proxies "
                "may), so correct against Binance, not NTP.")
    if abs(mine) >= max(100.0, bound):
        return (f"your clock is wrong: {relation(mine, 'real time', 'it')}, and Binance "
                "agrees with NTP. Resync it.")
    return (f"your clock is right (within {ms(abs(mine))} of NTP); what is left comes from "
            f"the network: a round trip of {ms(report.binance.rtt_median_ms)} makes the "
            f"Binance figure uncertain by ± {ms(bound)}.")


def _arrival(w: WindowCheck) -> str:
    spread = f"(worst cases {ms(w.lag_low_ms)} to {ms(w.lag_high_ms)})"
    if w.lag_ms < 0:
        return (f"a request sent now carries a timestamp about {ms(-w.lag_ms)} ahead of "
                f"Binance's clock when it arrives {spread}")
    return (f"a request sent now arrives about {ms(w.lag_ms)} after its timestamp by "
            f"Binance's clock {spread}")


def _window_section(w: WindowCheck) -> Section:
    ahead_ok = w.ahead_margin_ms > 0
    behind_ok = w.behind_margin_ms >= 0
    return Section(f"recvWindow {w.recv_window_ms}", (
        Field("Arrival", _arrival(w)),
        Field("Not ahead", (f"passes with {ms(w.ahead_margin_ms)} to spare" if ahead_ok else
                            f"fails by {ms(-w.ahead_margin_ms)}")
              + f": rejected when the timestamp is ≥ {AHEAD_LIMIT_MS} ms ahead",
              Tone.OK if ahead_ok else Tone.BAD),
        Field("Not too old", (f"passes with {ms(w.behind_margin_ms)} to spare" if behind_ok
                              else f"fails by {ms(-w.behind_margin_ms)}")
              + f": rejected when older than recvWindow ({w.recv_window_ms} ms)",
              Tone.OK if behind_ok else Tone.BAD),
    ), tone=_VERDICT_TONE[w.verdict])


def _workarounds(report: ClockReport) -> tuple[str, ...]:
    w = report.window
    out: list[str] = []
    if w.cause == "behind" and w.suggested_recv_window:
        out.append(f"send recvWindow={w.suggested_recv_window} (the worst-case lag plus 1 s; "
                   f"the most Binance accepts is {MAX_RECV_WINDOW})")
    out.append(f"correct timestamps in your client by {w.client_offset_ms:+d} ms (Binance's "
               "clock minus yours): in python-binance set the client's timestamp_offset "
               "attribute to that number; in ccxt turn on the adjustForTimeDifference option "
               "so it measures and applies the difference itself (recvWindow goes in its "
               "options too); anywhere else compute timestamp = local ms + offset, and "
               "measure the offset again every few minutes")
    if report.binance.offset_ms < 0:
        out.append(f"your clock runs ahead: no recvWindow rescues a clock that is "
                   f"{AHEAD_LIMIT_MS} ms or more ahead of Binance's; only a resync or a "
                   "client-side offset does")
    return tuple(out)


def _fix_section(report: ClockReport) -> Section:
    r = report.resync
    ok = report.window.verdict is Verdict.PASS
    blocks: list[Block] = [Field("Time service", r.service)]
    if r.commands:
        blocks.append(Items("Resync now", r.commands, numbered=len(r.commands) > 1))
    blocks.append(Text(r.note))
    blocks.append(Items("Workaround" if not ok else "If it drifts", _workarounds(report)))
    return Section("Fix" if not ok else "Keeping it right", tuple(blocks),
                   tone=Tone.PLAIN if ok else _VERDICT_TONE[report.window.verdict])


def clock_blocks(report: ClockReport) -> list[Block]:
    blocks: list[Block] = [verdict_heading(report)]
    blocks.extend(Text(w, Tone.WARN) for w in report.warnings)
    blocks.append(_binance_section(report))
    if report.ntp is not None:
        blocks.append(_ntp_section(report, report.ntp))
    blocks.append(_window_section(report.window))
    blocks.append(_fix_section(report))
    return blocks


def _estimate_json(est: OffsetEstimate) -> dict:
    return {
        "url": est.url, "offset_ms": est.offset_ms, "uncertainty_ms": est.uncertainty_ms,
        "rtt_min_ms": est.rtt_min_ms, "rtt_median_ms": est.rtt_median_ms,
        "jitter_ms": est.jitter_ms, "naive_offset_ms": est.naive_offset_ms,
        "step_ms": est.step_ms, "best": est.best, "used": list(est.used),
        "samples": [{"server_ms": s.server_ms, "send_ms": s.send_ms, "recv_ms": s.recv_ms,
                     "rtt_ms": s.rtt_ms, "offset_ms": s.offset_ms} for s in est.samples],
    }


def clock_json(report: ClockReport) -> dict:
    w = report.window
    ntp = None
    if report.ntp is not None:
        ntp = {"consensus_ms": report.ntp.consensus_ms,
               "servers": [{"server": r.server, "error": r.error,
                            **({"offset_ms": r.answer.offset_ms, "delay_ms": r.answer.delay_ms,
                                "stratum": r.answer.stratum} if r.answer else
                               {"offset_ms": None, "delay_ms": None, "stratum": None})}
                           for r in report.ntp.readings]}
    return {
        "product": report.product,
        "binance": _estimate_json(report.binance),
        "ntp": ntp,
        "binance_vs_ntp_ms": report.binance_vs_ntp_ms,
        "verdict": {"recv_window_ms": w.recv_window_ms, "verdict": w.verdict.value,
                    "accepted": w.verdict is Verdict.PASS, "cause": w.cause,
                    "lag_ms": w.lag_ms, "lag_low_ms": w.lag_low_ms, "lag_high_ms": w.lag_high_ms,
                    "ahead_margin_ms": w.ahead_margin_ms,
                    "behind_margin_ms": w.behind_margin_ms,
                    "suggested_recv_window": w.suggested_recv_window,
                    "client_offset_ms": w.client_offset_ms},
        "resync": {"service": report.resync.service, "commands": list(report.resync.commands),
                   "note": report.resync.note},
        "warnings": list(report.warnings),
    }
