"""Turning what a user has (a code, a message, an error body) into findings.

Owns the rules of `explain`: a code is looked up per product, a message
narrows which products it can have come from and refines the code's general
meaning, and the values filled into a message template become facts (when a
ban ends, which IP to whitelist, what the limit is). Pure: the clock comes in
as `now` so results are reproducible.
"""

from __future__ import annotations

import re

from binance_doctor.errors.catalog import (PLACEHOLDER, Catalog, Entry, Explanation, Kind,
                                          MessageMatch, same_error)
from binance_doctor.failure import BadInput, ExitCode, NotFound
from binance_doctor.pattern import Pattern
from binance_doctor.product import Product
from binance_doctor.record import frozen



@frozen
class Fact:
    """A value read out of the message, put in words ("Ban ends" → "... (in 4 min)")."""

    label: str
    value: str


@frozen
class Finding:
    """One meaning: the entries sharing it (one per product) and what the message adds."""

    entries: tuple[Entry, ...]
    template: str | None = None
    values: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    detail: Finding | None = None   # a message-level explanation refining a code

    @property
    def entry(self) -> Entry:
        return self.entries[0]

    @property
    def explanation(self) -> Explanation:
        return self.entry.explanation

    @property
    def products(self) -> tuple[Product, ...]:
        seen: list[Product] = []
        for e in self.entries:
            seen += [p for p in e.products_for(self.template) if p not in seen]
        return tuple(seen)


@frozen
class Diagnosis:
    """Everything `explain` found for one error."""

    code: int | None
    message: str | None
    status: str | None
    product: Product | None
    findings: tuple[Finding, ...]

    @property
    def ambiguous(self) -> bool:
        """The same number means different things on different products."""
        return self.code is not None and meanings_differ(
            tuple(f for f in self.findings if f.entry.kind is Kind.CODE))

    @property
    def advice_varies(self) -> bool:
        """One meaning, but the causes and fixes are written per product (their endpoints)."""
        return self.code is not None and len(self.findings) > 1 and not self.ambiguous


def meanings_differ(findings: tuple[Finding, ...]) -> bool:
    """Several findings that are not one error (`catalog.same_error`).

    Products can share a meaning but need their own fixes (USD-M, COIN-M and portfolio
    margin name different endpoints); that is not "different things".
    """
    return len(findings) > 1 and not same_error(e for f in findings for e in f.entries)


_INTEGER = re.compile(r"[+-]?\d{1,9}")
# Compiled when first used: a bare code needs neither (start-up).
_HTTP = Pattern(r"(?:http(?:/[\d.]+)?\s*)?(\d{3})\b.*", re.IGNORECASE)
_REQUEST_IP = Pattern(r"request ip:\s*([0-9A-Fa-f:.]+[0-9A-Fa-f])")


def explain_text(catalog: Catalog, text: str, product: Product | None = None,
                 now: float | None = None) -> Diagnosis:
    """Explain whatever was typed or piped: a number, an error body or a message."""
    text = text.strip()
    if not text:
        raise BadInput("nothing to explain: the input is empty",
                       hint="give a code (-2010), a message, or pipe the error JSON on stdin")
    if _INTEGER.fullmatch(text):
        return explain_number(catalog, int(text), product, now)
    if text.startswith("{"):
        body = _parse_body(text)
        if body is not None:
            return explain_body(catalog, body, product, now)
    m = _HTTP.fullmatch(text)
    if m and text.lower().startswith("http") and catalog.by_status(m.group(1)):
        return explain_status(catalog, m.group(1), product)
    return explain_message(catalog, text, product, now)


def explain_number(catalog: Catalog, number: int, product: Product | None = None,
                   now: float | None = None) -> Diagnosis:
    """A bare number: a code, the same code typed without its sign, or an HTTP status."""
    if number > 0 and 100 <= number <= 599 and catalog.by_status(number):
        return explain_status(catalog, str(number), product)
    if 100 <= number <= 599 and not catalog.by_code(-number) and \
            catalog.undocumented(number) is None:
        return _bare_status(catalog, number, product)
    code = -number if number > 0 and catalog.undocumented(number) is None else number
    return explain_code(catalog, code, product, now=now)


# HTTP 401 carries one of these in its body (Binance answers an unauthorised signed
# request with it, e.g. /fapi: 401 {"code":-2015,...}); the body's code says which.
_UNAUTHORISED_CODES = (-2015, -2014, -1022)


def _bare_status(catalog: Catalog, status: int, product: Product | None) -> Diagnosis:
    """An HTTP status the catalog has no entry for, typed alone: never read as a code."""
    if status == 401:
        findings = tuple(Finding(tuple(entries)) for code in _UNAUTHORISED_CODES
                         if (entries := catalog.by_code(code, product)
                             or catalog.by_code(code)))
        return Diagnosis(None, None, "401", product, findings)
    if status < 400:
        raise NotFound(f"HTTP {status} is not an error status", hint="Binance errors come with "
                       "HTTP 4xx or 5xx; paste the response body to explain its code",
                       exit_code=ExitCode.NO_ERROR_FOUND)
    raise NotFound(f"HTTP {status} alone does not say what went wrong: Binance puts the reason "
                   "in the response body's code", hint="explain the body instead, e.g. "
                   "binance-doctor explain '{\"code\":-1121,\"msg\":\"Invalid symbol.\"}'",
                   exit_code=ExitCode.NO_ERROR_FOUND)


def explain_body(catalog: Catalog, body: dict, product: Product | None = None,
                 now: float | None = None) -> Diagnosis:
    """A JSON error body such as {"code": -1021, "msg": "..."}."""
    code, msg = body.get("code"), body.get("msg")
    msg = msg if isinstance(msg, str) and msg.strip() else None
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        if product is None:
            from binance_doctor.errors.pasted import not_contradicted

            return explain_code(catalog, code, product, msg, now,
                                not_contradicted(catalog, code, msg, "json", None))
        return explain_code(catalog, code, product, msg, now)
    if msg:
        return explain_message(catalog, msg, product, now)
    raise BadInput("the JSON has neither a non-zero \"code\" nor a \"msg\" to explain")


def explain_code(catalog: Catalog, code: int, product: Product | None = None,
                 message: str | None = None, now: float | None = None,
                 products: tuple[Product, ...] | None = None) -> Diagnosis:
    """A code's meaning on each product that has it (only `product`, or `products` in
    that order, when given). The message never drops a product: the entries whose
    wording it matches come first, and it adds what it says (values, details)."""
    entries = catalog.by_code(code, product)
    if products:
        rank = {p: i for i, p in enumerate(products)}
        entries = sorted((e for e in entries if any(p in rank for p in e.products)),
                         key=lambda e: min(rank.get(p, 99) for p in e.products))
    if not entries:
        raise _unknown_code(catalog, code, product, message)
    matches = catalog.match_message(message) if message else []
    own = [m for m in matches if m.entry in entries]
    by_entry = {id(m.entry): m for m in own}
    entries = [m.entry for m in own] + [e for e in entries if id(e) not in by_entry]
    details = [m for m in matches if m.entry.kind in (Kind.MESSAGE, Kind.FILTER)]
    findings: dict[str, Finding] = {}
    for entry in entries:
        m = by_entry.get(id(entry))
        if m is not None:
            entry = catalog.for_message(entry, m.template)
        detail = _detail_for(details, entry, now, message)
        # One finding per meaning: products whose templates differ only in quoting
        # ("Parameter '%s' was empty." / "Parameter %s was empty.") share it, and so do
        # those whose wording differs; products a detail refines stand apart.
        key = f"{entry.explanation.key}|{detail.template if detail else ''}"
        if key in findings:
            findings[key] = _with_entry(findings[key], entry)
            continue
        findings[key] = _finding((entry,), m, now, message, detail)
    return Diagnosis(code, message, None, product, tuple(findings.values()))


def explain_message(catalog: Catalog, message: str, product: Product | None = None,
                    now: float | None = None) -> Diagnosis:
    matches = [m for m in catalog.match_message(message)
               if product is None or product in m.entry.products]
    if not matches:
        raise _unknown_message(catalog, message, product)
    findings: dict[str, Finding] = {}
    for m in matches:
        entry = catalog.for_message(m.entry, m.template)
        key = entry.explanation.key
        if key in findings:
            findings[key] = _with_entry(findings[key], entry)
        else:
            findings[key] = _finding((entry,), m._replace(entry=entry), now, message, None)
    return Diagnosis(None, message, None, product, tuple(findings.values()))


def explain_status(catalog: Catalog, status: str, product: Product | None = None) -> Diagnosis:
    entries = catalog.by_status(status, product)
    if not entries:
        raise NotFound(f"HTTP {status} is not in the catalog",
                       hint="known statuses: " + ", ".join(catalog.statuses))
    findings = tuple(Finding((e,)) for e in entries)
    return Diagnosis(None, None, status, product, findings)


def is_bare(text: str) -> bool:
    """A lone code or a lone error body with its code: explained as it is, without
    extraction (a body with no integer code, such as a code inside its msg, is read)."""
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return True
    body = _parse_body(text) if text.startswith("{") else None
    return body is not None and isinstance(body.get("code"), int) and not isinstance(
        body.get("code"), bool)


def _parse_body(text: str) -> dict | None:
    import json      # only text that starts with "{" needs it; a bare code starts fast

    try:
        body = json.loads(text)
    except (ValueError, RecursionError):     # nested past Python's limit: read as text
        return None
    return body if isinstance(body, dict) else None


def _with_entry(finding: Finding, entry: Entry) -> Finding:
    return Finding(finding.entries + (entry,), finding.template, finding.values,
                   finding.facts, finding.detail)


def _detail_for(details: list[MessageMatch], entry: Entry, now: float | None,
                message: str | None) -> Finding | None:
    for d in details:
        # A matching-engine or filter message refines only a code it is sent with:
        # -1021 printed beside "Account has insufficient balance ..." is not told
        # as a timestamp error caused by the balance.
        if entry.code is not None and d.entry.codes and entry.code not in d.entry.codes:
            continue
        if any(p in d.entry.products for p in entry.products):
            return _finding((d.entry,), d, now, message, None)
    return None


def _finding(entries: tuple[Entry, ...], match: MessageMatch | None, now: float | None,
             message: str | None, detail: Finding | None) -> Finding:
    template = match.template if match else None
    values = match.values if match else ()
    found = facts(template or "", values, message or "", now)
    if match is not None and match.replaced:
        found += (Fact("Wording", f"an older one, replaced in Binance's docs on "
                                  f"{match.replaced}"),)
    seen = match.entry.observed_source(match.template) if match is not None else None
    if seen:
        found += (Fact("Wording", f"observed, not in this product's docs (recorded in {seen})"),)
    return Finding(entries, template, values, found, detail)


def facts(template: str, values: tuple[str, ...], message: str,
          now: float | None = None) -> tuple[Fact, ...]:
    """The values in a message, put in words a user can act on."""
    found: list[Fact] = []
    named = set()
    if "banned until %s" in template and values and values[0].isdigit():
        found.append(Fact("Ban ends", ban_end(int(values[0]), now)))
        named.add(0)
    elif "request weight per %s" in template and len(values) == 2:
        found.append(Fact("Limit", f"{values[0]} request weight per {values[1]}"))
        named |= {0, 1}
    elif "orders per %s" in template and len(values) == 2:
        found.append(Fact("Limit", f"{values[0]} orders per {values[1]}"))
        named |= {0, 1}
    elif "notional must be no smaller than %s" in template and values:
        found.append(Fact("Minimum notional", f"{values[0]} (price × quantity must reach it)"))
        named.add(0)
    ip = _REQUEST_IP.search(message) if "request ip:" in message else None
    if ip:
        found.append(Fact("Request IP", f"{ip.group(1)}: add it to the API key's IP "
                                        "whitelist, or send from a whitelisted address"))
    if "ahead of the server's time" in template.lower():
        found.append(Fact("Clock", "the timestamp was ahead of Binance's clock by 1 s or "
                                   "more; no recvWindow value can accept that, fix the clock"))
    for i, value in enumerate(values):
        if i not in named:
            found.append(Fact(_label_before(template, i), value))
    return tuple(found)


def _label_before(template: str, index: int) -> str:
    """Name a template value by the words before its placeholder ("Parameter '%s'")."""
    pieces = PLACEHOLDER.split(template)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", pieces[index])
    return " ".join(words[-2:]).capitalize() if words else "Value"


def ban_end(ms: int, now: float | None) -> str:
    """When a ban given in epoch ms ends, in local time, and how long is left."""
    from datetime import datetime, timezone   # only bans need it; keeps start-up lean

    from binance_doctor.epoch import is_real_ms

    if not is_real_ms(ms):
        return f"epoch ms {ms}: not a real date (a damaged message, or not from Binance)"
    end = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone()
    when = end.strftime("%Y-%m-%d %H:%M:%S %Z")
    if now is None:
        return f"{when} (epoch ms {ms})"
    left = ms / 1000 - now
    if left <= 0:
        return f"{when}: the ban ended {_duration(-left)} ago"
    return f"{when}: {_duration(left)} from now"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s} s"
    hours, m = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {m} min"
    return f"{hours // 24} d {hours % 24} h"


def _unknown_code(catalog: Catalog, code: int, product: Product | None,
                  message: str | None = None) -> NotFound:
    elsewhere = sorted({p.value for e in catalog.by_code(code) for p in e.products})
    if product is not None and elsewhere:
        return NotFound(f"{code} is not documented for {product.value}",
                        hint=f"it is documented for: {', '.join(elsewhere)}")
    near = " ".join(str(c) for c in catalog.codes_near(code))
    known = catalog.undocumented(code)
    if known is not None:
        # Not a fact from Binance's docs, so it is said as what it is: ccxt's mapping.
        if "message key" in known.get("source", ""):
            # ccxt keys the message, not the code: it recorded the code once beside it.
            hint = (f"ccxt maps the message \"{known['message']}\" to {known['ccxt_class']} "
                    f"and records Binance sending it with this code "
                    f"({', '.join(known['products'])})")
        else:
            hint = (f"ccxt maps it to {known['ccxt_class']} with the message "
                    f"\"{known['message']}\" ({', '.join(known['products'])})")
        if message and _norm_text(known["message"]) not in _norm_text(message):
            hint += "; the message here is another one, so that need not be what happened"
        if known["ccxt_class"] == "AuthenticationError":
            hint += "; binance-doctor check-key tests the key"
        return NotFound(f"{code} is not in Binance's documented error codes", hint=hint)
    return NotFound(f"{code} is not in Binance's documented error codes",
                    hint=f"near codes in the catalog: {near}")


def _norm_text(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(". ")


def _unknown_message(catalog: Catalog, message: str, product: Product | None) -> NotFound:
    scope = f" for {product.value}" if product else ""
    close = catalog.messages_like(message)
    hint = ("similar documented messages: " + " | ".join(close)) if close else (
        "try the numeric code, or `binance-doctor codes --search WORD`")
    from binance_doctor.output.mask import mask

    message = mask(message)                  # before cutting: a cut key no longer looks like one
    short = message if len(message) <= 80 else message[:77] + "..."
    # Text with neither a code nor a documented message holds no Binance error: the
    # same exit code as `scan` finding nothing (a code missing from the catalog is 3).
    return NotFound(f"no documented Binance error matches {short!r}{scope}", hint=hint,
                    exit_code=ExitCode.NO_ERROR_FOUND)
