"""How catalog entries and diagnoses are shown: as document blocks and as JSON.

The JSON shapes here are part of the documented `binance-doctor/1` schema;
add fields freely, but never rename or remove one without bumping it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from binance_doctor.errors.catalog import Entry, Explanation, Kind, RetryPolicy
from binance_doctor.errors.diagnosis import Diagnosis, Finding
from binance_doctor.output.document import Block, Field, Items, Section, Table, Text, Tone

if TYPE_CHECKING:   # scan pulls in the extractor's regexes; explain must start fast
    from binance_doctor.errors.extract import Found
    from binance_doctor.errors.origin import Ranked
    from binance_doctor.errors.pasted import Pasted
    from binance_doctor.errors.scan import Hit, Row, Summary

_RETRY_TONE = {RetryPolicy.CHECK_FIRST: Tone.BAD, RetryPolicy.FIX_FIRST: Tone.WARN,
               RetryPolicy.WAIT: Tone.WARN, RetryPolicy.NOW: Tone.OK}


def products_label(finding: Finding) -> str:
    return ", ".join(p.label for p in finding.products)


def _codes_with(entry: Entry) -> str:
    return "/".join(str(c) for c in entry.codes)


def entry_heading(entry: Entry) -> str:
    if entry.kind is Kind.MESSAGE:
        return f"Message: {entry.messages[0]}"
    return entry.title


def _explanation_blocks(ex: Explanation) -> list[Block]:
    blocks: list[Block] = [Field("Meaning", ex.meaning),
                           Field("Category", ex.category.value)]
    blocks.append(Items("Likely causes", ex.causes))
    blocks.append(Items("Fix", ex.fixes))
    blocks.append(Field("Retry", ex.retry.advice, _RETRY_TONE[ex.retry.policy]))
    if ex.dig:
        blocks.append(Field("Dig deeper", f"binance-doctor {ex.dig}"))
    return blocks


def finding_blocks(finding: Finding, diagnosis: Diagnosis) -> Section:
    entry = finding.entry
    blocks: list[Block] = []
    if (diagnosis.message and finding.template is None and finding.detail is None
            and entry.kind is Kind.CODE):
        blocks.append(Text("The message is not one Binance documents for this code; "
                           "showing the code's general meaning.", Tone.WARN))
    if entry.kind is Kind.CLIENT:
        blocks.append(Text(f"Code {entry.code} is the client library's own, not a Binance "
                           "error code: Binance's reply had no code to report.", Tone.WARN))
    if entry.kind is Kind.MESSAGE:
        blocks.append(Field("Sent with", f"code {_codes_with(entry)} (the matching engine's; "
                                         "-1013 when the API rejects it before)"))
        if entry.observed is not None:
            blocks.append(Field("Seen with", f"code {entry.observed[0]} (recorded by "
                                             f"{entry.observed[1]})"))
    elif entry.kind is Kind.FILTER and entry.codes:
        blocks.append(Field("Sent with", f"code {_codes_with(entry)}"))
    if finding.template and (entry.kind is Kind.CODE or (
            entry.kind is Kind.HTTP and finding.template not in entry.title)):
        blocks.append(Field("Matches", finding.template))
    blocks.extend(Field(f.label, f.value, Tone.INFO) for f in finding.facts)
    if finding.detail is not None:
        detail = finding.detail
        blocks.append(Field(f"About {entry.code}", entry.explanation.meaning))
        blocks.append(Section(entry_heading(detail.entry),
                              tuple(list(Field(f.label, f.value, Tone.INFO)
                                         for f in detail.facts)
                                    + _explanation_blocks(detail.explanation))))
    else:
        blocks.extend(_explanation_blocks(entry.explanation))
    return Section(entry_heading(entry), tuple(blocks), subtitle=products_label(finding),
                   tone=Tone.BAD)


def diagnosis_blocks(diagnosis: Diagnosis) -> list[Block]:
    blocks: list[Block] = []
    if diagnosis.ambiguous:
        blocks.append(Text(
            f"{diagnosis.code} means {len(diagnosis.findings)} different things depending on "
            "the product; each is shown below. Narrow it with --product.", Tone.WARN))
    elif diagnosis.advice_varies:
        blocks.append(Text(
            f"{diagnosis.code} means the same on every product, but the advice differs by "
            "product; each is shown below. Narrow it with --product.", Tone.WARN))
    elif diagnosis.code is None and diagnosis.status and all(
            f.entry.kind is Kind.CODE for f in diagnosis.findings):
        blocks.append(Text(
            f"HTTP {diagnosis.status} is a status, not an error code: Binance names the reason "
            "in the body's code, usually one of these. Explain the body for the exact one.",
            Tone.WARN))
    blocks.extend(finding_blocks(f, diagnosis) for f in diagnosis.findings)
    return blocks


def explanation_json(ex: Explanation) -> dict:
    return {
        "meaning": ex.meaning,
        "causes": list(ex.causes),
        "fixes": list(ex.fixes),
        "category": ex.category.value,
        "retry": {"policy": ex.retry.policy.value, "seconds": ex.retry.seconds,
                  "advice": ex.retry.advice},
        "dig": f"binance-doctor {ex.dig}" if ex.dig else None,
    }


def entry_json(entry: Entry) -> dict:
    return {
        "kind": entry.kind.value,
        "products": [p.value for p in entry.products],
        "code": entry.code,
        "name": entry.name,
        "status": entry.status,
        "filter": entry.filter,
        "codes": list(entry.codes),
        "messages": list(entry.messages),
        **explanation_json(entry.explanation),
    }


def finding_json(finding: Finding) -> dict:
    out = {
        **entry_json(finding.entry),
        "products": [p.value for p in finding.products],
        "matched_template": finding.template,
        "values": list(finding.values),
        "facts": [{"label": f.label, "value": f.value} for f in finding.facts],
        "detail": finding_json(finding.detail) if finding.detail else None,
    }
    return out


def diagnosis_json(diagnosis: Diagnosis) -> dict:
    return {
        "query": {"code": diagnosis.code, "message": diagnosis.message,
                  "status": diagnosis.status,
                  "product": diagnosis.product.value if diagnosis.product else None},
        "ambiguous": diagnosis.ambiguous,
        "findings": [finding_json(f) for f in diagnosis.findings],
    }


def codes_blocks(entries: list[Entry]) -> list[Block]:
    rows = tuple((",".join(p.value for p in e.products),
                  str(e.code if e.kind is Kind.CODE else e.status or _codes_with(e)),
                  e.name or e.filter or "", e.explanation.category.value,
                  e.messages[0] if e.messages else "")
                 for e in entries)
    return [Table(("Product", "Code", "Name", "Category", "Message"), rows),
            Text(f"{len(entries)} entries")]


# -- errors found in pasted text (explain on stdin) ----------------------------

def _found_blocks(p: Pasted) -> list[Block]:
    f = p.found
    where = f"line {f.line}, {f.form} format"
    if p.count > 1:
        where += f", seen {p.count} times"
    blocks: list[Block] = [Field("Found", where)]
    if f.status is not None:
        blocks.append(Field("HTTP status", str(f.status)))
    if f.code_from == "message":
        said = "observed" if _observed_wording(p.diagnosis) else "documented"
        blocks.append(Field("Code", f"{f.code}: not printed; its {said} message gives it"))
    elif f.code_from == "name":
        blocks.append(Field("Code", f"{f.code}: not printed; its documented name gives it"))
    origin = p.origin
    if origin is not None and origin.best is not None and len(origin.products) == 1:
        blocks.append(Field("Product", f"{origin.best.label} ({'; '.join(origin.evidence)})"))
    elif origin is not None and origin.products:
        blocks.append(Field("Product", "one of " + ", ".join(x.label for x in origin.products)
                            + f" ({'; '.join(origin.evidence)})"))
    elif f.product is not None:
        blocks.append(Field("Product", f"{f.product.label} (from {f.product_from})"))
    else:
        blocks.append(Field("Product", "not named in the text: every meaning is shown"))
    if f.waf:
        blocks.append(Field("Blocked by", "an HTML page from a WAF or CDN in front of "
                                          "Binance, not Binance's own JSON", Tone.WARN))
    for name, value in f.headers:
        shown = f"{value} s" if name == "retry-after" else value
        blocks.append(Field(_header_label(name), shown, Tone.INFO))
    return blocks


def _observed_wording(diagnosis: Diagnosis | None) -> bool:
    """Whether the message matched a wording Binance was seen sending, not a documented one."""
    return diagnosis is not None and any(
        x.entry.observed_source(x.template) for f in diagnosis.findings
        for x in (f, f.detail) if x is not None)


def _header_label(name: str) -> str:
    return "Retry-After" if name == "retry-after" else name.upper()


def pasted_blocks(pasted: tuple[Pasted, ...]) -> list[Block]:
    blocks: list[Block] = []
    if len(pasted) > 1:
        blocks.append(Text(f"{len(pasted)} Binance errors found in the text; each is "
                           "explained below, in order.", Tone.INFO))
    for p in pasted:
        blocks.extend(_found_blocks(p))
        if p.diagnosis is None:
            code = p.found.code if p.found.code is not None else p.found.status
            blocks.append(Section(str(code), (Text(p.problem or "not in the catalog",
                                                   Tone.WARN),), tone=Tone.WARN))
        else:
            blocks.extend(diagnosis_blocks(p.diagnosis))
        blocks.append(Text(""))
    return blocks[:-1]


def found_json(f: Found, origin: Ranked | None = None) -> dict:
    out = {"line": f.line, "code": f.code, "code_from": f.code_from or "text",
           "message": f.message, "status": f.status,
           "product": f.product.value if f.product else None,
           "products": [f.product.value] if f.product else [],
           "product_from": f.product_from,
           "format": f.form, "waf": f.waf, "headers": dict(f.headers)}
    if origin is not None:
        out.update(product=origin.best.value if origin.best else None,
                   products=[x.value for x in origin.products],
                   product_from="; ".join(origin.evidence))
    return out


def pasted_json(pasted: tuple[Pasted, ...]) -> dict:
    first = next((p.diagnosis for p in pasted if p.diagnosis is not None), None)
    out = diagnosis_json(first) if first is not None else {}
    out["errors"] = [{"found": found_json(p.found, p.origin), "count": p.count,
                      "diagnosis": diagnosis_json(p.diagnosis) if p.diagnosis else None,
                      "problem": p.problem} for p in pasted]
    return out


# -- scan ------------------------------------------------------------------------

def when(hit: Hit) -> str:
    """How a hit's time is shown: its timestamp in UTC, else file:line."""
    if hit.time is None:
        return f"{hit.file}:{hit.found.line}"
    return datetime.fromtimestamp(hit.time, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _row_code(row: Row) -> str:
    if row.code is not None:
        return str(row.code)
    if row.status is not None:
        return f"HTTP {row.status}"
    return "-"


def scan_blocks(summary: Summary) -> list[Block]:
    rows = tuple((str(r.count), r.product.value if r.product else "?", _row_code(r),
                  _clip(r.variant or r.name or "", 60), when(r.first), when(r.last),
                  r.fix or "not in the catalog")
                 for r in summary.rows)
    files = ", ".join(summary.files)
    blocks: list[Block] = [
        Table(("Count", "Product", "Code", "Message", "First seen", "Last seen", "Fix"), rows),
        Text(f"{summary.errors} Binance errors, {len(summary.rows)} kinds, in "
             f"{summary.lines} lines ({summary.bytes / 1e6:.1f} MB) of {files}"),
    ]
    if any(r.product is None for r in summary.rows):
        blocks.append(Text("Product ? : the log does not say which API it came from; "
                           "`binance-doctor explain CODE` shows every meaning."))
    if summary.binary:
        blocks.append(Text(f"{summary.binary} bytes of binary data (NUL runs, as copytruncate "
                           "leaves) were skipped.", Tone.WARN))
    if summary.other:
        blocks.append(Text(f"{summary.other} more errors of other kinds were not tabulated.",
                           Tone.WARN))
    return blocks


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def hit_json(hit: Hit) -> dict:
    f = hit.found
    return {"file": hit.file, "line": f.line, "time": when(hit) if hit.time else None,
            "product": f.product.value if f.product else None,
            "product_from": f.product_from, "code": f.code, "code_from": f.code_from or "text",
            "status": f.status, "message": hit.message, "variant": hit.variant, "format": f.form,
            "headers": dict(f.headers), "text": hit.text}


def scan_json(summary: Summary) -> dict:
    return {
        "files": list(summary.files), "bytes": summary.bytes, "lines": summary.lines,
        "errors": summary.errors, "other": summary.other, "binary_skipped": summary.binary,
        "rows": [{"count": r.count, "product": r.product.value if r.product else None,
                  "code": r.code, "status": r.status, "name": r.name, "variant": r.variant,
                  "fix": r.fix, "first_seen": when(r.first), "last_seen": when(r.last),
                  "first": {"file": r.first.file, "line": r.first.found.line},
                  "last": {"file": r.last.file, "line": r.last.found.line}}
                 for r in summary.rows],
    }
