"""How catalog entries and diagnoses are shown: as document blocks and as JSON.

The JSON shapes here are part of the documented `binance-doctor/1` schema;
add fields freely, but never rename or remove one without bumping it.
"""

from __future__ import annotations

from binance_doctor.catalog import Entry, Explanation, Kind, RetryPolicy
from binance_doctor.diagnosis import Diagnosis, Finding
from binance_doctor.document import Block, Field, Items, Section, Table, Text, Tone

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
    if entry.kind is Kind.MESSAGE:
        blocks.append(Field("Sent with", f"code {_codes_with(entry)} (matching engine)"))
    elif entry.kind is Kind.FILTER and entry.codes:
        blocks.append(Field("Sent with", f"code {_codes_with(entry)}"))
    if finding.template and finding.entry.kind is Kind.CODE:
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
