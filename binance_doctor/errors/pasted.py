"""Explaining the errors found in pasted text: tracebacks, log lines, transcripts.

Owns how the errors `extract` finds in one paste become explanations: repeats of
one error told once (its traceback, log line and JSON body are one story), the
products each can have come from (`origin`), a printed code held to the message
printed with it (a product whose documented meaning is another error is never
presented as the explanation), and a client library's own pseudo-code. Pure: the
clock comes in as `now`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from binance_doctor.errors.catalog import Catalog, Entry, Kind
from binance_doctor.errors.diagnosis import (Diagnosis, Finding, _finding, explain_code,
                                             explain_message, explain_status)
from binance_doctor.failure import BadInput, NotFound
from binance_doctor.product import Product
from binance_doctor.record import frozen

if TYPE_CHECKING:   # extract compiles many regexes
    from binance_doctor.errors.extract import Found
    from binance_doctor.errors.origin import Ranked


@frozen
class Pasted:
    """One error found in pasted text, and what it means (or why it is not known)."""

    found: Found
    count: int                         # times the same error appears in the text
    diagnosis: Diagnosis | None
    problem: str | None = None         # e.g. the code is not in the catalog
    origin: Ranked | None = None       # the products it can have come from, ranked


def explain_pasted(catalog: Catalog, text: str, product: Product | None = None,
                   now: float | None = None) -> tuple[Pasted, ...]:
    """Every distinct Binance error in pasted text, in order, each explained.

    The products the text names narrow each lookup unless `product` is given;
    when they do not have the code, every meaning is shown. Repeats of one
    error (a traceback and the log line after it) are explained once.
    """
    from binance_doctor.errors.extract import find_all
    from binance_doctor.errors.origin import origin_of, product_hints
    from binance_doctor.output.mask import mask

    # One paste tells one story: the same code seen in a traceback, its log line and
    # its JSON is one error, and what any line says of the product applies to it.
    groups: dict[tuple, list[Found]] = {}
    for f in find_all(text):
        if f.message:
            f = replace(f, message=mask(f.message))
        key = ("code", f.code, _detail(catalog, f.message)) if f.code is not None else (
            ("status", f.status) if f.status is not None else ("message", f.message))
        groups.setdefault(key, []).append(f)
    # The same code with two matching-engine or filter messages is two errors (-2010
    # "Market is closed." and -2010 "Account has insufficient balance ..."); a sighting
    # of the code without such a message is one of them.
    for key in [k for k in groups if k[0] == "code" and k[2] is None]:
        first = next((k for k in groups if k[:2] == key[:2] and k != key), None)
        if first is not None:
            groups[first] += groups.pop(key)
    coded = [k for k in groups if k[0] == "code"]
    counts = {key: len(finds) for key, finds in groups.items()}
    client = [k for k in coded if k[1] == 0 and catalog.client_entry(groups[k][0].message)]
    for key in [k for k in groups if k[0] == "status"][:1]:
        if client and all(f.status is None for f in groups[client[0]]):
            # A client's "the body was not JSON" and the error page's own status (its
            # <title>, a later line of the page) are one error.
            groups[client[0]] += groups.pop(key)
    for key in [k for k in groups if k[0] == "status" and k[1] in (400, 401)]:
        if coded:      # the status of a coded error whose body came on another line
            first = groups[coded[0]]
            if all(f.status is None for f in first):
                first[0] = replace(first[0], status=key[1])
            del groups[key]
    for key in [k for k in groups if k[0] == "status"]:
        if any(f.status == key[1] for k in coded for f in groups[k]):
            # The status a coded error already carries, printed on a line of its own
            # (axios' "status code 418" above the body's response.status 418).
            del groups[key]
    everywhere = tuple(dict.fromkeys(h for line in text.splitlines()[:5000]
                                     for h in product_hints(line)))
    distinct = {key: [_merged(finds, everywhere), counts[key]] for key, finds in groups.items()}
    out = []
    for f, count in distinct.values():
        origin = origin_of(catalog, f) if product is None else None
        try:
            out.append(Pasted(f, count, explain_found(catalog, f, product, now, origin),
                              origin=origin))
        except (NotFound, BadInput) as e:
            if f.code is None and f.status is None:
                continue           # a message-only find that Binance does not document
            # What is known of it beyond the docs (ccxt's mapping) is part of the answer.
            problem = f"{e.message}; {e.hint}" if e.hint and f.code is not None and \
                catalog.undocumented(f.code) else e.message
            out.append(Pasted(f, count, None, problem, origin))
    return tuple(out)


def _detail(catalog: Catalog, message: str | None) -> str | None:
    """The matching-engine or filter wording a message is, if any."""
    return next((m.template for m in (catalog.match_message(message) if message else ())
                 if m.entry.kind in (Kind.MESSAGE, Kind.FILTER)), None)


def _merged(finds: list[Found], everywhere: tuple) -> Found:
    """Several sightings of one error as one: its printed code over an inferred one,
    the first documented message, the status, the most headers, every hint."""
    own = [f for f in finds if f.code_from is None] or finds
    first = own[0]
    # What the error's own lines say of the product; the rest of the paste only when
    # they say nothing.
    everywhere = () if any(f.hints for f in finds) else everywhere
    message = next((f.message for f in own if f.message), None) or next(
        (f.message for f in finds if f.message), None)
    status = next((f.status for f in finds if f.status is not None), None)
    headers = max((f.headers for f in finds), key=len)
    hints = tuple(sorted(dict.fromkeys(h for f in finds for h in f.hints + everywhere),
                         key=lambda h: h.tier))
    best = hints[0] if hints else None
    return replace(first, message=message, status=status, headers=headers,
                   waf=any(f.waf for f in finds), hints=hints,
                   product=best.product if best else first.product,
                   product_from=best.what if best else first.product_from)


def explain_found(catalog: Catalog, found: Found, product: Product | None = None,
                  now: float | None = None, origin: Ranked | None = None) -> Diagnosis:
    """One extracted error: by code (refined by its message), else status, else message."""
    named = origin.products if origin is not None and origin.products else None
    client = catalog.client_entry(found.message) if found.code == 0 else None
    if client is not None:
        return explain_client(catalog, client, found, product, now, origin)
    if found.code_from == "message" and found.message:
        # No code printed: the message is what there is to explain (a filter, a
        # matching-engine message, or a code's own wording).
        matches = catalog.match_message(found.message)
        documented = {p for m in matches for p in m.entry.products}
        if any(m.entry.kind is not Kind.CODE for m in matches) and (
                named is None or documented & set(named)):
            return explain_message(catalog, found.message, product, now)
    if found.code is not None:
        if found.code_from not in ("message", "name"):
            named = not_contradicted(catalog, found.code, found.message, found.form, named)
        try:
            result = explain_code(catalog, found.code, product, found.message, now, named)
        except NotFound:
            if product is not None or named is None:
                raise
            result = explain_code(catalog, found.code, None, found.message, now)
        return replace(result, status=str(found.status) if found.status else None,
                       product=product or (origin.best if origin else None))
    if found.status is not None and catalog.by_status(found.status):
        chosen = product or (origin.best if origin else None)
        return explain_status(catalog, str(found.status), chosen)
    if found.message:
        return explain_message(catalog, found.message, product, now)
    raise NotFound(f"HTTP {found.status} is not in the catalog")


def not_contradicted(catalog: Catalog, code: int, message: str | None, form: str,
                      named: tuple[Product, ...] | None) -> tuple[Product, ...] | None:
    """The products to explain a printed code on, without those where its documented
    meaning is another error than the printed message; when that is every product,
    the code is not explained at all (a wrong explanation is worse than none)."""
    from binance_doctor.errors.origin import contradicted, meanings

    against = contradicted(catalog, code, message, form)
    if not against:
        return named
    allowed = tuple(dict.fromkeys(p for e in catalog.by_code(code) for p in e.products
                                  if p not in against))
    if not allowed:
        shown = message if len(message or "") <= 80 else (message or "")[:77] + "..."
        raise NotFound(f"{code} is not documented with the message \"{shown}\". Where it is "
                       f"documented it means another error ({meanings(against)}), not this",
                       hint="the product comes from the text; the message is what happened")
    return tuple(p for p in (named or ()) if p in allowed) or allowed


def explain_client(catalog: Catalog, client: Entry, found: Found,
                   product: Product | None = None, now: float | None = None,
                   origin: Ranked | None = None) -> Diagnosis:
    """A client library's pseudo-code (python-binance's 0: the body was not JSON), with
    what the HTTP status of the page it got says, when the text gives it."""
    match = next((m for m in catalog.match_message(found.message or "")
                  if m.entry is client), None)
    findings = [_finding((client,), match, now, found.message, None)]
    status = str(found.status) if found.status else None
    chosen = product or (origin.best if origin else None)
    if status and catalog.by_status(status):
        findings += [Finding((e,)) for e in catalog.by_status(status, chosen)]
    return Diagnosis(client.code, found.message, status, chosen, tuple(findings))
