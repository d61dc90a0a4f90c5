"""check-key's view: a KeyReport as document blocks (output/render) and as JSON."""

from __future__ import annotations

from typing import Any

from binance_doctor.failure import ExitCode
from binance_doctor.key import analysis
from binance_doctor.key.analysis import Cause, Check, KeyReport, Status
from binance_doctor.output.document import Block, Field, Heading, Section, Table, Text, Tone
from binance_doctor.signature import signing

_TONES = {Status.OK: Tone.OK, Status.WARN: Tone.WARN, Status.BAD: Tone.BAD,
          Status.SKIP: Tone.PLAIN, Status.INFO: Tone.INFO}


def _check_blocks(checks: tuple[Check, ...] | list[Check],
                  causes: dict[str, Cause]) -> list[Block]:
    """One line per check; a failure names its cause (whose fix is under Diagnosis)
    or, for a failure without one, its own fix."""
    out: list[Block] = []
    for c in checks:
        value = c.detail if c.status is not Status.SKIP else f"– {c.detail}"
        out.append(Field(c.title, value, _TONES[c.status]))
        if c.status not in (Status.BAD, Status.WARN):
            continue
        if c.cause in causes:
            out.append(Field("", f"→ {causes[c.cause].title} (fix under Diagnosis)"))
        elif c.fix:
            out.append(Field("", f"fix: {c.fix}"))
    return out


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def blocks(report: KeyReport) -> list[Block]:
    """The report as document blocks (see render.py)."""
    algorithm = signing.Algorithm(report.algorithm).label
    causes = {c.id: c for c in report.causes}
    out: list[Block] = [Heading(f"check-key on {report.network}: {algorithm} key from "
                                f"{report.source}")]
    if report.offline:
        out.append(Section("Offline checks", tuple(_check_blocks(report.offline, causes))))
    if report.online:
        out.append(Section(f"Online checks ({report.network}, read-only)",
                           tuple(_check_blocks(report.online, causes))))
    if report.restrictions is not None:
        labels = dict(analysis.RESTRICTION_FIELDS)
        rows = []
        for key, value in report.restrictions:
            if key in analysis.TIME_FIELDS:
                shown = analysis.utc_date(value) if isinstance(value, int) and value > 0 else _yes_no(value)
            else:
                shown = _yes_no(value)
            rows.append((labels.get(key) or analysis.TIME_FIELDS[key], key, shown))
        out.append(Section("Key permissions (GET /sapi/v1/account/apiRestrictions)",
                           (Table(("Permission", "Field", "Value"), tuple(rows)),)))
    if report.probe_network:
        out.append(Section(f"Probe: the same key on {report.probe_network}",
                           tuple(_check_blocks(report.probe, causes))))
    if report.causes:
        sections = []
        for cause in report.causes:
            inner: list[Block] = [Field("Why", cause.why), Field("Fix", cause.fix)]
            if cause.dig:
                inner.append(Field("Dig deeper", f"binance-doctor {cause.dig}"))
            sections.append(Section(cause.title, tuple(inner), tone=_TONES[cause.status]))
        out.append(Section("Diagnosis", tuple(sections)))
    elif report.exit_code is ExitCode.OK:
        out.append(Text("No problem found: the key is known, signed requests are accepted "
                        "and every checked product answered.", Tone.OK))
    by_host = report.weight_by_host()
    spread = ", ".join(f"{host} {w}" for host, w in by_host.items())
    out.append(Section("Request weight", (Text(
        f"{report.weight}" + (f" ({spread})" if spread else "")
        + f" in {len(report.requests)} GET requests"),)))
    return out


def _check_json(c: Check) -> dict:
    return {"id": c.id, "title": c.title, "status": c.status.value, "detail": c.detail,
            "fix": c.fix, "endpoint": c.endpoint, "http_status": c.http_status,
            "code": c.code, "cause": c.cause}


def to_json(report: KeyReport) -> dict:
    """The `check-key` result of the binance-doctor/1 envelope (documented in the README)."""
    return {
        "network": report.network,
        "key": {"algorithm": report.algorithm, "source": report.source},
        "offline": [_check_json(c) for c in report.offline],
        "online": [_check_json(c) for c in report.online],
        "probe": ({"network": report.probe_network,
                   "checks": [_check_json(c) for c in report.probe]}
                  if report.probe_network else None),
        "restrictions": dict(report.restrictions) if report.restrictions is not None else None,
        "account": dict(report.account) if report.account is not None else None,
        "clock": [{"url": c.url, "offset_ms": c.offset_ms, "uncertainty_ms": c.uncertainty_ms,
                   "error": c.error} for c in report.clocks],
        "causes": [{"id": c.id, "status": c.status.value, "title": c.title, "why": c.why,
                    "fix": c.fix, "dig": f"binance-doctor {c.dig}" if c.dig else None}
                   for c in report.causes],
        "weight": {"total": report.weight, "by_host": report.weight_by_host()},
        "requests": [{"method": r.method, "host": r.host, "path": r.path, "weight": r.weight}
                     for r in report.requests],
        "exit_code": int(report.exit_code),
        "exit_name": report.exit_code.name,
    }
