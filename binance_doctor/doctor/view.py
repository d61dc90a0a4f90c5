"""doctor's view: the checklist as document blocks (output/render) and as JSON."""

from __future__ import annotations

from binance_doctor.doctor import findings
from binance_doctor.doctor.checkup import DoctorReport
from binance_doctor.doctor.findings import Check
from binance_doctor.output.document import Block, Field, Heading, Section, Text, Tone

_TONES = {findings.OK: Tone.OK, findings.WARN: Tone.WARN, findings.FAIL: Tone.BAD}


def _summary(report: DoctorReport) -> str:
    fails = sum(c.status == findings.FAIL for c in report.checks)
    warns = sum(c.status == findings.WARN for c in report.checks)
    if not fails and not warns:
        return f"all {len(report.checks)} checks passed"
    said = [f"{fails} failed" if fails else "", f"{warns} warning{'s' * (warns != 1)}"
            if warns else ""]
    return ", ".join(s for s in said if s) + f" of {len(report.checks)} checks"


def blocks(report: DoctorReport) -> list[Block]:
    out: list[Block] = [Heading(f"doctor on {report.network}: {_summary(report)}",
                                _TONES[report.status])]
    lines: list[Block] = []
    last_fix = None
    for c in report.checks:
        lines.append(Field(c.title, c.detail, _TONES[c.status]))
        if c.status != findings.OK and c.fix:
            lines.append(Field("", "fix: as above" if c.fix == last_fix else f"fix: {c.fix}"))
            last_fix = c.fix
    out.append(Section("Checks", tuple(lines)))
    if report.not_run:
        out.append(Section("Not checked", tuple(Field(what, why)
                                                for what, why in report.not_run)))
    top = report.top
    verdict: list[Block] = []
    if top is not None:
        verdict.append(Field("First fix", f"{top.title}: {top.fix or top.detail}",
                             _TONES[top.status]))
    verdict.append(Field("Exit code", f"{int(report.exit_code)} ({report.exit_code.name})"))
    verdict.append(Field("Weight", f"{report.weight} in {len(report.requests)} GET requests"))
    out.append(Section("Verdict", tuple(verdict), tone=_TONES[report.status]))
    if top is None:
        out.append(Text("Nothing between this machine and Binance stands in the way.",
                        Tone.OK))
    return out


def _check_json(c: Check) -> dict:
    return {"name": c.id, "title": c.title, "status": c.status, "detail": c.detail,
            "fix": c.fix, "cause": c.cause,
            "exit_code": int(c.exit_code) if c.status == findings.FAIL else 0}


def _host_json(h) -> dict:
    return {"product": h.product, "url": h.url, "addresses": list(h.addresses),
            "dns_ms": h.dns_ms, "tcp_ms": h.tcp_ms, "tls_ms": h.tls_ms, "ping_ms": h.ping_ms,
            "offset_ms": h.offset.offset_ms if h.offset else None,
            "failed_step": h.failed_step,
            "error": h.failure.message if h.failure else None,
            "used_weight_1m": h.used_weight, "weight_limit_1m": h.weight_limit,
            "rate_limits": [{"type": r.kind, "interval": r.interval, "limit": r.limit}
                            for r in h.limits],
            "system_status": ({"status": h.system_status[0], "msg": h.system_status[1]}
                              if h.system_status else None),
            "notes": list(h.notes)}


def to_json(report: DoctorReport) -> dict:
    """The `doctor` result of the binance-doctor/1 envelope (documented in the README)."""
    top = report.top
    by_host: dict[str, int] = {}
    for r in report.requests:
        by_host[r.host] = by_host.get(r.host, 0) + r.weight
    return {
        "network": report.network,
        "checks": [_check_json(c) for c in report.checks],
        "verdict": {"status": report.status, "summary": _summary(report),
                    "cause": top.cause if top else None,
                    "title": f"{top.title}: {top.detail}" if top else None,
                    "first_fix": top.fix if top else None,
                    "exit_code": int(report.exit_code), "exit_name": report.exit_code.name},
        "not_run": [{"what": what, "why": why} for what, why in report.not_run],
        "hosts": [_host_json(h) for h in report.hosts],
        "weight": {"total": report.weight, "by_host": by_host},
        "exit_code": int(report.exit_code),
        "exit_name": report.exit_code.name,
    }
