"""Why a signature was rejected (-1022): re-derive it and name the mistake that reproduces it.

Owns the verdict. The request's canonical payload (`signing.RULE`) is signed
with the user's key; when that does not give the signature that was sent, the
payload as it went over the wire is tried (signed exactly as sent: right,
wrong or "uncertain" as the docs decide), then `search` tries the ways of
getting it wrong, alone and two at a time, and the key-side ones
(`keyvariants`). Every variant that reproduces the sent signature is a named
`Mistake`, with what was signed next to what was sent. The verdict blames the
secret only when the search covered every class for this request's shape;
otherwise it says what was not covered.

Pure: takes a `SentRequest` and a signing key, returns a frozen `Verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from binance_doctor.failure import BadInput
from binance_doctor.signature import search, signing
from binance_doctor.signature.kinds import Kind
from binance_doctor.signature.request import SentRequest, curl_line
from binance_doctor.signature.search import Coverage, Hit
from binance_doctor.signature.signing import Algorithm, SigningKey, split_pairs
from binance_doctor.signature.variants import shape_of

__all__ = ["Kind", "Mistake", "DiffRow", "Signed", "Verdict", "verify", "sign_request", "diff"]


@dataclass(frozen=True)
class DiffRow:
    name: str
    signed: str | None
    sent: str | None
    change: str                 # "", "moved (...)", "changed", "not signed", "not sent"


@dataclass(frozen=True)
class Mistake:
    kind: Kind
    detail: str                 # this instance in words; never holds a secret
    signed: str                 # the payload that reproduces the sent signature
    sent: str                   # the payload of the request as it was sent
    diff: tuple[DiffRow, ...]

    @property
    def title(self) -> str:
        return self.kind.title

    @property
    def fix(self) -> str:
        return self.kind.fix


@dataclass(frozen=True)
class Signed:
    """The correct signature of a request, and a request that carries it."""

    algorithm: Algorithm
    query: str
    body: str
    payload: str
    signature: str              # as computed (hex or base64)
    wire: str                   # as it goes in the request (base64 percent-encoded)
    curl: str


@dataclass(frozen=True)
class Verdict:
    request: SentRequest
    correct: Signed
    sent: str                   # the signature as it was on the wire
    received: str               # what the server reads (form-decoded)
    location: str               # "query", "body" or "given"
    matches: bool
    mistakes: tuple[Mistake, ...]
    notes: tuple[str, ...]
    tried: int                  # variants tried
    uncertain: str | None = None                  # signed as sent; the docs do not settle it
    coverage: tuple[Coverage, ...] = ()
    not_covered: tuple[str, ...] = ()             # what the search could not rule out

    @property
    def ok(self) -> bool:
        """No mistake: right, or signed exactly as sent where the docs leave it open."""
        return (self.matches or self.uncertain is not None) and not self.mistakes


def sign_request(request: SentRequest, key: SigningKey) -> Signed:
    query, body = request.canonical()
    payload = query + body
    signature = signing.sign(key, payload)
    wire = signing.encode_for_wire(key.algorithm, signature)
    return Signed(key.algorithm, query, body, payload, signature, wire,
                  curl_line(request.method, request.url, query, body, wire))


def verify(request: SentRequest, key: SigningKey, api_key: str | None = None,
           signature: str | None = None) -> Verdict:
    """Compare the sent signature with the right one; when they differ, name the mistake."""
    sent, location = request.signature
    if signature is not None:
        sent, location = signature, "given"
    if not sent:
        raise BadInput("the request has no signature parameter",
                       hint="give the sent signature with --signature, or use "
                            "`binance-doctor signature sign` to compute one")
    correct = sign_request(request, key)
    form = location in ("query", "body")
    received = signing.decode_from_wire(sent) if form else sent
    mistakes: list[Mistake] = []
    notes: list[str] = []
    effective = received
    if key.algorithm is not Algorithm.HMAC:
        effective = _transport(received, correct, mistakes)
    as_query, as_body = request.as_sent()
    as_sent = as_query + as_body
    if request.json_body is not None:
        mistakes.append(Mistake(Kind.JSON_BODY, "the body is a JSON object; its parameters "
                                "are shown here form-encoded", correct.payload, as_sent, ()))
    matches = signing.same_signature(key.algorithm, correct.signature, effective)
    tried, uncertain = 0, None
    coverage: tuple[Coverage, ...] = ()
    not_covered: tuple[str, ...] = ()
    if not matches:
        matcher = search.Matcher(key, effective)
        raw = (signing.without_signature(request.query)[0] +
               signing.without_signature(request.body)[0])
        tried = 1
        if matcher.test is not None and as_sent != correct.payload and matcher.test(as_sent):
            uncertain = _uncertain(as_sent)
        elif (matcher.test is not None and raw != as_sent and request.json_body is None
              and matcher.test(raw)):
            tried += 1
            mistakes.append(Mistake(Kind.UNENCODED_PAYLOAD, "raw non-ASCII characters were "
                                    "sent and signed as they are; the docs require them "
                                    "percent-encoded before signing", raw, raw, ()))
        else:
            tried, coverage = _search(request, key, api_key, correct, effective, matcher,
                                      as_query, as_body, mistakes)
            if not any(m.kind is not Kind.JSON_BODY for m in mistakes):
                not_covered = tuple(f"{c.label}: {c.note}" for c in coverage if not c.complete)
    elif not request.signature_last:
        notes.append("signature is not the last parameter; Binance's futures docs require "
                     "it at the end, so put it last")
    return Verdict(request, correct, sent, received, location, matches, tuple(mistakes),
                   tuple(notes), tried, uncertain, coverage, not_covered)


def _uncertain(as_sent: str) -> str:
    chars = " ".join(repr(c) for c in signing.unsettled(as_sent))
    return (f"the signature is right for the payload exactly as sent, which holds raw "
            f"{chars or 'reserved characters'}. Binance's docs say the payload is the query "
            "string followed by the body, percent-encoded before signing, and that non-ASCII "
            "must be encoded; they do not say whether these ASCII characters sent unencoded "
            "are accepted. Percent-encoding them (the request below) is the form the docs "
            "show.")


def _search(request: SentRequest, key: SigningKey, api_key: str | None, correct: Signed,
            effective: str, matcher: search.Matcher, as_query: str, as_body: str,
            mistakes: list[Mistake]) -> tuple[int, tuple[Coverage, ...]]:
    base = shape_of(as_query, as_body)
    as_sent = base.payload()
    key_hits, key_tried = search.key_side(key, api_key or request.api_key, correct.payload,
                                          effective)
    outcome = search.run(base, matcher, {correct.payload, as_sent}, explained=bool(key_hits))
    if matcher.test is not None:
        for kind, how, signed in _whole_payloads(request, as_query, as_body):
            outcome.tried += 1
            if matcher.test(signed):
                mistakes.append(Mistake(kind, how, signed, as_sent, diff(signed, as_sent)))
    for hit in _ranked(outcome.hits):
        for variant in hit.variants:
            if not any(m.kind is variant.kind and m.signed == hit.payload for m in mistakes):
                mistakes.append(Mistake(variant.kind, variant.detail, hit.payload, as_sent,
                                        diff(hit.payload, as_sent)))
    _placement(request, mistakes)
    for cand in key_hits:
        mistakes.append(Mistake(cand.kind, cand.detail, cand.payload, as_sent,
                                diff(cand.payload, as_sent)))
    return outcome.tried + key_tried + 1, tuple(outcome.coverage)


def _whole_payloads(request: SentRequest, query: str,
                    body: str) -> list[tuple[Kind, str, str]]:
    """Payloads that are no rearrangement of the pieces: a JSON body, a URL, a line end."""
    out = []
    text = request.body.strip()
    if request.json_body is not None:
        out += [(Kind.JSON_BODY, "the JSON text was signed as the body", query + text),
                (Kind.JSON_BODY, "the JSON text was signed, percent-encoded",
                 query + signing.percent_encode(text))]
        body = ""
    payload = query + body
    for end, how in (("\n", "a newline (echo without -n)"), ("\r\n", "CR LF")):
        out.append((Kind.PAYLOAD_NEWLINE, f"{how} was signed after the payload",
                    payload + end))
    url = request.url or ""
    path = urlsplit(url).path if url else ""
    for signed, how in ((f"?{payload}", "the '?' before the query"),
                        (f"{path}?{payload}", f"the path {path}"),
                        (f"{url}?{payload}", "the whole URL"),
                        (f"{request.method}{path}?{payload}", "the method and the path")):
        if signed.partition("?")[0] or how.startswith("the '?'"):
            out.append((Kind.URL_SIGNED, f"{how} was signed in front of the payload", signed))
    return out


def _ranked(hits: list[Hit]) -> list[Hit]:
    """Single mistakes before pairs; among equals, the order the search found them in."""
    return sorted(hits, key=lambda h: len(h.variants))


def _placement(request: SentRequest, mistakes: list[Mistake]) -> None:
    """Parameters left unsigned because they were put after the signature: name the placement."""
    if request.signature_last or request.json_body is not None:
        return
    names = [k for k, _ in request.pairs]
    cut = max(i for i, k in enumerate(names) if k == signing.SIGNATURE_PARAM)
    after = {k for k in names[cut + 1:] if k != signing.SIGNATURE_PARAM}
    for m in list(mistakes):
        unsigned = {r.name for r in m.diff if r.change == "not signed"}
        if m.kind is Kind.PARAM_ADDED and unsigned and unsigned <= after:
            where = "first" if cut == 0 else f"at position {cut + 1} of {len(names)}"
            mistakes.insert(mistakes.index(m), Mistake(Kind.SIGNATURE_NOT_LAST, f"the signature was sent {where}; "
                                    f"{', '.join(sorted(unsigned))} after it was not signed",
                                    m.signed, m.sent, m.diff))
            return


# -- the transport of a base64 signature ----------------------------------------

def _transport(received: str, correct: Signed, mistakes: list[Mistake]) -> str:
    """The signature the user computed, undoing what happened to it on the way."""
    value = received
    if " " in value:
        value = value.replace(" ", "+")
        mistakes.append(Mistake(Kind.SIGNATURE_NOT_ENCODED,
                                f"{received.count(' ')} '+' sign(s) of the base64 signature "
                                "were read by the server as spaces",
                                correct.payload, correct.payload, ()))
    if "%" in value and unquote(value) != value:
        value = unquote(value)
        mistakes.append(Mistake(Kind.SIGNATURE_DOUBLE_ENCODED,
                                "after one decoding the signature still held %XX escapes",
                                correct.payload, correct.payload, ()))
    return value


# -- showing what differs -----------------------------------------------------------

def diff(signed: str, sent: str) -> tuple[DiffRow, ...]:
    """Parameter by parameter: what was signed against what was sent."""
    signed_pairs, sent_pairs = split_pairs(signed), split_pairs(sent)
    signed_at = {k: (i, v) for i, (k, v) in reversed(list(enumerate(signed_pairs)))}
    rows = []
    for i, (name, value) in enumerate(sent_pairs):
        if name not in signed_at:
            rows.append(DiffRow(name, None, value, "not signed"))
            continue
        j, was = signed_at[name]
        change = ("changed" if was != value else
                  f"moved (signed #{j + 1}, sent #{i + 1})" if i != j else "")
        rows.append(DiffRow(name, was, value, change))
    sent_names = {k for k, _ in sent_pairs}
    rows.extend(DiffRow(k, v, None, "not sent") for k, v in signed_pairs if k not in sent_names)
    return tuple(rows)
