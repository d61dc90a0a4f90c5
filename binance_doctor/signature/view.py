"""How `signature verify` and `signature sign` results are shown: blocks and JSON.

The JSON shapes are part of the documented `binance-doctor/1` schema. Nothing
here ever receives a secret: verdicts hold payloads and signatures only, and
the CLI still passes every string through the credentials' redaction.
"""

from __future__ import annotations

from binance_doctor.output.document import Block, Field, Heading, Items, Section, Table, Text, Tone
from binance_doctor.signature.mistake import Mistake, Signed, Verdict

CHECK_KEY = "binance-doctor check-key"
UNEXPLAINED = ("No known mistake, alone or two together, reproduces the sent signature, and "
               "the search covered every mistake class for this request's shape: the secret "
               "does not belong to this API key (unless three or more mistakes were made at "
               "once).")
NOT_COVERED = ("No mistake tried reproduces the sent signature, but the search did not cover "
               "every mistake class for this request's shape, so the secret is not to blame "
               "yet (what was not covered is listed below).")


def _unexplained(verdict: Verdict) -> str | None:
    if verdict.ok or verdict.mistakes:
        return None
    return NOT_COVERED if verdict.not_covered else UNEXPLAINED


def signed_blocks(signed: Signed, key_source: str) -> list[Block]:
    return [Heading(f"Signed with {signed.algorithm.label} (key from {key_source})", Tone.OK),
            *_correct_fields(signed)]


def _correct_fields(signed: Signed) -> list[Block]:
    blocks: list[Block] = [Field("Payload", signed.payload or "(empty)"),
                           Field("Signature", signed.signature)]
    if signed.wire != signed.signature:
        blocks.append(Field("Sent as", signed.wire))
    blocks.append(Field("curl", signed.curl))
    return blocks


def verdict_blocks(verdict: Verdict, key_source: str) -> list[Block]:
    correct = verdict.correct
    label = correct.algorithm.label
    if verdict.ok and verdict.uncertain:
        blocks = [Heading(f"Signature matches the request as sent; whether Binance accepts it "
                          f"is uncertain ({label}, key from {key_source})", Tone.WARN),
                  Field("Signature", verdict.received),
                  Field("Uncertain", verdict.uncertain)]
        blocks.extend(Text(n, Tone.WARN) for n in verdict.notes)
        blocks.append(Section("Encoded request", tuple(_correct_fields(correct)), tone=Tone.OK))
        return blocks
    if verdict.ok:
        blocks: list[Block] = [Heading(f"Signature is correct ({label}, key from {key_source})",
                                       Tone.OK),
                               Field("Payload", correct.payload or "(empty)"),
                               Field("Signature", verdict.received)]
        blocks.extend(Text(n, Tone.WARN) for n in verdict.notes)
        return blocks
    heading = ("Signature matches, but the request has a mistake" if verdict.matches
               else "Signature does not match")
    blocks = [Heading(f"{heading} ({label}, key from {key_source})", Tone.BAD),
              Field("Sent", f"{verdict.sent} (in the {verdict.location})"
                    if verdict.location != "given" else verdict.sent),
              Field("Expected", correct.wire)]
    if verdict.mistakes:
        count = len(verdict.mistakes)
        blocks.append(Text(f"{count} mistake{'s' if count > 1 else ''} reproduce"
                           f"{'' if count > 1 else 's'} what was sent"
                           f" ({verdict.tried} variants tried)." if verdict.tried else
                           f"{count} mistake{'s' if count > 1 else ''} found."))
        blocks.extend(_mistake_section(m) for m in verdict.mistakes)
    elif verdict.not_covered:
        blocks.append(Text(f"{NOT_COVERED} ({verdict.tried} variants tried.)", Tone.WARN))
        blocks.append(Items("Not covered", verdict.not_covered, numbered=False))
        blocks.append(Field("Dig deeper", CHECK_KEY))
    else:
        blocks.append(Text(f"{UNEXPLAINED} ({verdict.tried} variants tried.)", Tone.WARN))
        blocks.append(Field("Dig deeper", CHECK_KEY))
    blocks.extend(Text(n, Tone.WARN) for n in verdict.notes)
    blocks.append(Section("Correct request", tuple(_correct_fields(correct)), tone=Tone.OK))
    return blocks


def _mistake_section(mistake: Mistake) -> Section:
    blocks: list[Block] = [Field("What", mistake.detail), Field("Fix", mistake.fix)]
    if mistake.signed == mistake.sent:
        blocks.append(Field("Payload", "signed as sent; the difference is elsewhere"))
    else:
        blocks.append(Field("Signed", mistake.signed or "(empty)"))
        blocks.append(Field("Sent", mistake.sent or "(empty)"))
        changed = [r for r in mistake.diff if r.change]
        if changed:
            blocks.append(Table(("Parameter", "Signed", "Sent", "Difference"),
                                tuple((r.name, _cell(r.signed), _cell(r.sent), r.change)
                                      for r in changed)))
        else:
            blocks.append(Items("Difference", ("same parameters and values; the text "
                                               "around them differs",), numbered=False))
    return Section(f"Mistake: {mistake.title}", tuple(blocks), tone=Tone.BAD)


def _cell(value: str | None) -> str:
    return "-" if value is None else value or '""'


def signed_json(signed: Signed) -> dict:
    return {"algorithm": signed.algorithm.value, "query": signed.query, "body": signed.body,
            "payload": signed.payload, "signature": signed.signature,
            "signature_sent_as": signed.wire, "curl": signed.curl}


def mistake_json(mistake: Mistake) -> dict:
    return {"kind": mistake.kind.value, "title": mistake.title, "detail": mistake.detail,
            "fix": mistake.fix, "signed": mistake.signed, "sent": mistake.sent,
            "diff": [{"param": r.name, "signed": r.signed, "sent": r.sent,
                      "change": r.change} for r in mistake.diff]}


def verdict_json(verdict: Verdict, key_source: str) -> dict:
    request = verdict.request
    return {
        "correct": verdict.ok,
        "signature_matches": verdict.matches,
        "algorithm": verdict.correct.algorithm.value,
        "key_source": key_source,
        "request": {"method": request.method, "url": request.url, "query": request.query,
                    "body": request.body, "source": request.source},
        "sent_signature": verdict.sent,
        "received_signature": verdict.received,
        "signature_location": verdict.location,
        "expected": signed_json(verdict.correct),
        "mistakes": [mistake_json(m) for m in verdict.mistakes],
        "uncertain": verdict.uncertain,
        "unexplained": _unexplained(verdict),
        "not_covered": list(verdict.not_covered),
        "coverage": [{"class": c.label, "complete": c.complete, "note": c.note}
                     for c in verdict.coverage],
        "dig": CHECK_KEY if not verdict.ok and not verdict.mistakes else None,
        "variants_tried": verdict.tried,
        "notes": list(verdict.notes),
    }
