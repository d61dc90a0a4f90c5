"""check-order's screens: one line per rule (✓/✗ with the numbers), Binance's answer for
each failure, the corrected values and a request line; and the JSON result."""

from __future__ import annotations

from binance_doctor.order.check import Result
from binance_doctor.order.filters import plain
from binance_doctor.output.document import Block, Field, Heading, Section, Text, Tone


def _tone(ok: bool | None) -> Tone:
    return Tone.OK if ok else Tone.BAD if ok is False else Tone.PLAIN


def blocks(result: Result) -> list[Block]:
    rules, order = result.rules, result.order
    failed = result.failed
    head = (f"Binance would reject this order: {len(failed)} "
            f"{'rule fails' if len(failed) == 1 else 'rules fail'}" if failed
            else "The order passes every rule checked")
    out: list[Block] = [
        Heading(head, Tone.BAD if failed else Tone.OK),
        Field("Order", " ".join(f"{k}={v}" for k, v in order.params())),
        Field("Product", rules.product.label),
        Field("Price used", f"{plain(result.price.value)} ({result.price.source})"
              if result.price.value is not None else "none given (rules that need one are "
              "not checked)"),
    ]
    if rules.contract_size is not None and order.quantity is not None:
        out.append(Field("Contracts", f"{plain(order.quantity)} × contractSize "
                         f"{plain(rules.contract_size)} = "
                         f"{plain(order.quantity * rules.contract_size)} {rules.quote_asset}"))
    if result.pasted_error is not None:
        code, msg = result.pasted_error
        match = result.matching
        out.append(Field("Pasted error", f"{code} {msg}"))
        out.append(Field("Explained by", "; ".join(f"{c.filter}: {c.detail}" for c in match)
                         if match else "no failing rule here answers with this code "
                         "(the rules or prices may have changed since)",
                         Tone.OK if match else Tone.WARN))
    lines: list[Block] = []
    for c in result.checks:
        lines.append(Field(c.filter, c.detail, _tone(c.ok)))
        if c.ok is False and c.code is not None:
            lines.append(Field("", f"Binance answers {c.code} {c.message}"))
    out.append(Section("Rules", tuple(lines)))
    if failed:
        fix: list[Block] = []
        if result.correction is not None:
            fix += [Field(k, v) for k, v in result.correction.changed]
            fix.append(Text("Corrected request (add timestamp and signature):"))
            fix.append(Text(result.request_line()))
        else:
            fix.append(Text("No correction passes every rule without trading more than "
                            "asked."))
        if result.smallest_quantity is not None:
            fix.append(Field("Smallest quantity", f"{plain(result.smallest_quantity)} "
                             "(meets minQty and the minimum notional at this price)"))
        out.append(Section("Corrected", tuple(fix)))
    return out


def to_json(result: Result) -> dict:
    order = result.order
    out: dict = {
        "verdict": result.verdict,
        "product": result.rules.product.value,
        "symbol": result.rules.symbol,
        "order": dict(order.params()),
        "price_ref": {"value": plain(result.price.value) if result.price.value is not None
                      else None, "source": result.price.source},
        "checks": [{"filter": c.filter, "ok": c.ok, "code": c.code, "message": c.message,
                    "detail": c.detail} for c in result.checks],
    }
    if result.correction is not None:
        out["corrected"] = dict(result.correction.changed)
        out["request"] = result.request_line()
    if result.smallest_quantity is not None:
        out["smallest_quantity"] = plain(result.smallest_quantity)
    if result.pasted_error is not None:
        code, msg = result.pasted_error
        out["pasted_error"] = {"code": code, "message": msg,
                               "explained_by": [c.filter for c in result.matching]}
    if result.sent:
        out["requests"] = list(result.sent)
    return out
