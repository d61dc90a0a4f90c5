"""order-status's screen (the verdict, the order, its fills, what was asked) and its JSON."""

from __future__ import annotations

from binance_doctor.order.status import Verdict
from binance_doctor.output.document import Block, Field, Heading, Section, Table, Text, Tone

_HEADLINES = {
    "filled": ("The order was placed and is FILLED", Tone.OK),
    "partially_filled": ("The order was placed and is PARTIALLY FILLED (still open)", Tone.OK),
    "open": ("The order was placed and is OPEN", Tone.OK),
    "cancelled": ("The order was placed and is CANCELLED", Tone.WARN),
    "expired": ("The order was placed and has EXPIRED", Tone.WARN),
    "rejected": ("The order was placed and REJECTED by the matching engine", Tone.WARN),
    "not_found": ("NOT FOUND: Binance has no such order", Tone.WARN),
    "unknown": ("STILL UNKNOWN: Binance could not be asked just now", Tone.BAD),
}


def advice(v: Verdict) -> str:
    """What to do next, in one sentence (the same words in the JSON)."""
    if v.state == "not_found":
        if v.client_order_id:
            return (f"Safe to resend with the SAME client order id ({v.client_order_id}): "
                    "if the first order shows up and is still open, Binance refuses the "
                    "copy with \"Duplicate order sent.\"")
        return ("Not placed as far as Binance says; resend with a newClientOrderId you "
                "keep, so a lost answer can be checked by it next time.")
    if v.state == "unknown":
        return (f"Do not resend yet. Ask again in {v.ask_again:g} s: "
                + _again_command(v))
    if v.state in ("filled", "partially_filled", "open"):
        return "Do not resend: the order exists."
    return "Do not resend the same id blindly: the order exists, in a final state."


def _again_command(v: Verdict) -> str:
    which = (f"--client-order-id {v.client_order_id}" if v.client_order_id
             else f"--order-id {v.order_id}")
    return f"binance-doctor order-status {v.symbol} {which} --product {v.product.value}"


def blocks(v: Verdict) -> list[Block]:
    headline, tone = _HEADLINES[v.state]
    out: list[Block] = [Heading(headline, tone),
                        Field("Symbol", f"{v.symbol} ({v.product.label})")]
    if v.client_order_id:
        out.append(Field("Client order id", v.client_order_id))
    order = v.order or {}
    if order.get("orderId") is not None or v.order_id is not None:
        out.append(Field("Order id", str(order.get("orderId", v.order_id))))
    if order:
        out.append(Field("Status", f"{order.get('status')}: {order.get('executedQty')} of "
                                   f"{order.get('origQty')} filled, {order.get('side')} "
                                   f"{order.get('type')} at {order.get('price')}"))
    if v.reason:
        out.append(Field("Because", v.reason))
    out.append(Text(advice(v), Tone.BAD if v.state == "unknown" else Tone.PLAIN))
    if v.trades:
        rows = tuple((str(t.get("id")), str(t.get("price")), str(t.get("qty")),
                      str(t.get("time"))) for t in v.trades)
        out.append(Table(("trade", "price", "qty", "time (ms)"), rows, title="Fills"))
    out.append(Section("Asked (read-only)", tuple(Field(a.path, a.answer) for a in v.asked)))
    return out


def to_json(v: Verdict) -> dict:
    return {
        "state": v.state,
        "placed": v.placed,
        "product": v.product.value,
        "symbol": v.symbol,
        "client_order_id": v.client_order_id,
        "order_id": v.order_id if v.order_id is not None else (v.order or {}).get("orderId"),
        "order": v.order,
        "trades": list(v.trades),
        "ask_again_seconds": v.ask_again,
        "reason": v.reason,
        "advice": advice(v),
        "asked": [{"path": a.path, "answer": a.answer} for a in v.asked],
    }
