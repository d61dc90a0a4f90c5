"""`diagnose(x)`: any client's error, explained as a frozen `Diagnosis`.

Owns the public result bots receive. The reading is the adapters' (api/adapters.py);
the meaning is the same catalog lookup `explain` does (errors/diagnosis.py), so a
`Diagnosis` carries exactly what `explain --json` prints, plus the retry advice for
it. `diagnose` never raises on any object: what it cannot read comes back with
`known=False`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from binance_doctor.api import adapters
from binance_doctor.api.retry import Retry, initial
from binance_doctor.errors.diagnosis import Fact, Finding, meanings_differ
from binance_doctor.product import Product, parse_product


@dataclass(frozen=True)
class Diagnosis:
    """One Binance error, explained. Products are ranked: the one the error most likely
    came from first; `product` is set only when the error (or the caller) tells it."""

    code: int | None
    status: int | None
    message: str | None
    products: tuple[str, ...]                  # "spot", "usdm", ... (Product values)
    product: str | None
    name: str | None
    meaning: str | None
    causes: tuple[str, ...]
    fixes: tuple[str, ...]
    retry: Retry
    values: tuple[Fact, ...] = ()              # values read from the message, in words
    known: bool = False                        # found in Binance's documented errors
    source: str = "unknown"                    # which adapter read it: "ccxt", "httpx", ...
    product_from: str | None = None            # what told the product ("path /fapi/")
    retry_after: float | None = None           # the Retry-After header, seconds
    transport: str | None = None               # "unknown"/"not_sent": no answer came back
    findings: tuple[Finding, ...] = field(default=(), repr=False)  # every meaning

    @property
    def ambiguous(self) -> bool:
        """The same code means different things on the products not ruled out."""
        return self.code is not None and meanings_differ(self.findings)

    def as_dict(self) -> dict:
        """The data `binance-doctor explain --json` prints for this error, plus `retry`."""
        from binance_doctor.errors import view

        return {
            "query": {"code": self.code, "message": self.message,
                      "status": str(self.status) if self.status is not None else None,
                      "product": self.product},
            "ambiguous": self.ambiguous,
            "findings": [view.finding_json(f) for f in self.findings],
            "products": list(self.products),
            "retry": {"action": self.retry.action, "seconds": self.retry.seconds,
                      "reason": self.retry.reason},
            "source": self.source,
            "transport": self.transport,
        }


def diagnose(x: Any, *, product: Product | str | None = None,
             now: float | None = None) -> Diagnosis:
    """Explain `x`: an exception of python-binance, ccxt, binance-connector or the
    binance-sdk-* packages, an httpx/requests response, a dict body or any text.

    `product` ("spot", "usdm", ...) narrows the lookup when the error does not say
    where it came from. Never raises on any `x`.
    """
    chosen = parse_product(product) if isinstance(product, str) else product
    moment = time.time() if now is None else now
    try:
        own = _own(x)
        if own is not None:
            return own
        return _diagnose(adapters.read(x), chosen, moment)
    except Exception:  # noqa: BLE001 - the promise: never raise on any object
        return Diagnosis(None, None, None, (), chosen.value if chosen else None, None, None,
                         (), (),
                         Retry("fix_first", None, "not recognised as a Binance error"))


def _own(x: Any) -> Diagnosis | None:
    if isinstance(x, Diagnosis):
        return x
    if isinstance(x, BaseException):
        inner = getattr(x, "diagnosis", None)     # our own BinanceError
        if isinstance(inner, Diagnosis):
            return inner
    return None


def _diagnose(raw: adapters.Raw, product: Product | None, now: float) -> Diagnosis:
    from binance_doctor.errors import catalog as catalog_module
    from binance_doctor.output.mask import mask

    catalog = catalog_module.load()
    raw = _hinted(raw)
    if raw.code is None and raw.status is None and raw.text and not raw.transport:
        raw = _from_text(raw)
    message = mask(raw.message) if raw.message else None
    wanted = product or raw.product
    inner = _lookup(catalog, raw, message, wanted, now)
    findings = inner.findings if inner is not None else ()
    ranked = _ranked(findings, wanted)
    primary = _primary(findings, wanted)
    certain = wanted if wanted is not None and wanted in ranked else (
        ranked[0] if len(ranked) == 1 else None)
    explanations = [f.explanation for f in findings
                    if certain is None or certain in f.products]
    retry = initial(code=raw.code, status=raw.status, message=message,
                    explanations=explanations, headers=raw.headers,
                    transport=raw.transport, now=now)
    values: tuple[Fact, ...] = ()
    if primary is not None:
        values = primary.facts + (primary.detail.facts if primary.detail else ())
    entry = primary.entry if primary is not None else None
    ex = primary.explanation if primary is not None else None
    detail = primary.detail.explanation if primary is not None and primary.detail else None
    return Diagnosis(
        code=raw.code, status=raw.status, message=message or _short(raw.text),
        products=tuple(p.value for p in ranked), product=certain.value if certain else None,
        name=_name(entry),
        meaning=ex.meaning if ex else None,
        causes=(detail.causes if detail else ()) + (ex.causes if ex else ()),
        fixes=(detail.fixes if detail else ()) + (ex.fixes if ex else ()),
        retry=retry, values=values, known=primary is not None, source=raw.source,
        product_from=raw.product_from if raw.product is not None and wanted is raw.product
        else ("the caller" if product is not None else None),
        retry_after=_retry_after(raw), transport=raw.transport, findings=findings)


def _name(entry: Any) -> str | None:
    if entry is None:
        return None
    return entry.name if entry.code is not None else entry.title


# Words without which no product hint can match (extract's own gate): the extractor
# compiles many regexes on import, and a bare code or body must not pay for them.
_MAY_HINT = ("api", "binance", "utures", "ortfolio", "ption", "pot")


def _hinted(raw: adapters.Raw) -> adapters.Raw:
    """The product a URL or the text points at (a path beats a host beats a class)."""
    for where in (raw.url, raw.text, raw.message):
        if where and any(w in where[:4096] for w in _MAY_HINT):
            from binance_doctor.errors.extract import product_hint

            hint = product_hint(where[:4096])
            if hint:
                return replace(raw, product=hint[0], product_from=hint[1])
    return raw


def _from_text(raw: adapters.Raw) -> adapters.Raw:
    """A code, status and message found in free text (a traceback, a log line, HTML)."""
    from binance_doctor.errors.diagnosis import is_bare

    text = raw.text or ""
    if is_bare(text):
        stripped = text.strip()
        if stripped.startswith("{"):
            return adapters.from_body(adapters.parse_json(stripped) or {}, raw)
        number = int(stripped)
        if 100 <= number <= 599:
            return replace(raw, status=number)
        return replace(raw, code=-abs(number))
    from binance_doctor.errors.extract import find_all

    found = find_all(text[:1_000_000])
    if not found:
        return replace(raw, message=raw.message or text.strip()[:400] or None)
    f = next((f for f in found if f.code is not None), found[0])
    headers = {**dict(f.headers), **raw.headers}
    product, product_from = (f.product, f.product_from) if f.product else (
        raw.product, raw.product_from)
    return replace(raw, code=f.code, status=f.status or raw.status, message=f.message,
                   headers=headers, product=product, product_from=product_from)


def _lookup(catalog: Any, raw: adapters.Raw, message: str | None, product: Product | None,
            now: float):
    from binance_doctor.errors import diagnosis
    from binance_doctor.failure import DoctorError

    attempts = [product, None] if product is not None else [None]
    for wanted in attempts:
        try:
            if raw.code is not None:
                return diagnosis.explain_code(catalog, raw.code, wanted, message, now)
            if message:
                try:
                    return diagnosis.explain_message(catalog, message, wanted, now)
                except DoctorError:
                    if raw.status is None:
                        raise
            if raw.status is not None and catalog.by_status(raw.status):
                return diagnosis.explain_status(catalog, str(raw.status), wanted)
        except DoctorError:
            continue
    return None


def _ranked(findings: tuple[Finding, ...], product: Product | None) -> tuple[Product, ...]:
    seen: list[Product] = []
    for f in findings:
        seen += [p for p in f.products if p not in seen]
    if product is not None and product in seen:
        seen.remove(product)
        seen.insert(0, product)
    return tuple(seen)


def _primary(findings: tuple[Finding, ...], product: Product | None) -> Finding | None:
    if not findings:
        return None
    if product is not None:
        for f in findings:
            if product in f.products:
                return f
    return findings[0]


def _retry_after(raw: adapters.Raw) -> float | None:
    from binance_doctor.api.retry import retry_after

    return retry_after(raw.headers)


def _short(text: str | None) -> str | None:
    if not text:
        return None
    from binance_doctor.output.mask import mask

    text = " ".join(text.split())
    return mask(text[:400])
