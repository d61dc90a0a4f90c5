"""Why a signature was rejected (-1022): re-derive it and find the mistake that reproduces it.

Owns the variant search. The request's canonical payload is signed with the
user's key; when that does not give the signature that was sent, the known
ways of getting it wrong are tried one at a time (payload signed before
percent-encoding, a different parameter order or set, the query or body left
out, a whitespace-laden or truncated secret, floats rendered differently, a
timestamp refreshed after signing, ...). Every variant that reproduces the
sent signature is a named `Mistake`, with what was signed next to what was
sent. The search is bounded (see `_ORDER_ALL_UP_TO`, `_TIMESTAMP_BACK_MS`) so
it stays in milliseconds for HMAC.

Pure: takes a `SentRequest` and a signing key, returns a frozen `Verdict`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Callable, Iterator
from urllib.parse import quote, unquote, unquote_plus

from binance_doctor.signature import signing
from binance_doctor.failure import BadInput
from binance_doctor.signature.request import SentRequest, curl_line
from binance_doctor.signature.signing import Algorithm, SigningKey, join_pairs, split_pairs

_ORDER_ALL_UP_TO = 6            # every permutation up to this many parameters (720)
_MOVES_UP_TO = 40               # single moves (n * (n - 1)) up to this many parameters
_TIMESTAMP_BACK_MS = 5000       # signed up to this long before the timestamp that was sent
_TIMESTAMP_AHEAD_MS = 1000
_RECV_WINDOWS = ("5000", "10000", "60000", "1000", "3000", "6000", "20000", "30000", "50000")
_ADDED_CANDIDATES = (("recvWindow", _RECV_WINDOWS), ("newOrderRespType", ("ACK", "RESULT", "FULL")),
                     ("timeInForce", ("GTC",)))
_WHITESPACE = (("\n", "", "a trailing newline"), ("\r\n", "", "a trailing CR LF"),
               (" ", "", "a trailing space"), ("\t", "", "a trailing tab"),
               ("", " ", "a leading space"), ("\n", " ", "spaces/newlines around it"),
               ('"', '"', "double quotes around it"), ("'", "'", "single quotes around it"))
_SIG_BYTES = {Algorithm.ED25519: (64,), Algorithm.RSA: (128, 256, 384, 512)}


class Kind(str, Enum):
    """The mistakes the search can name. The value is the stable JSON id."""

    UNENCODED_PAYLOAD = "unencoded_payload"
    DOUBLE_ENCODED = "double_encoded_payload"
    ORDER = "parameter_order"
    PARAM_ADDED = "param_added_after_signing"
    PARAM_NOT_SENT = "param_signed_not_sent"
    PARAM_CHANGED = "param_changed_after_signing"
    BODY_LEFT_OUT = "body_left_out"
    QUERY_LEFT_OUT = "query_left_out"
    JOINED_WITH_AMPERSAND = "query_body_joined_with_ampersand"
    SIGNATURE_SIGNED = "signature_in_signed_string"
    SIGNATURE_NOT_LAST = "signature_not_last"
    FLOAT_FORMAT = "float_format"
    NUMBER_QUOTED = "number_quoted"
    JSON_BODY = "json_body"
    SECRET_WHITESPACE = "secret_whitespace"
    SECRET_TRUNCATED = "secret_truncated"
    SECRET_CASE = "secret_case"
    API_KEY_AS_SECRET = "api_key_as_secret"
    SIGNATURE_NOT_ENCODED = "signature_not_percent_encoded"
    SIGNATURE_DOUBLE_ENCODED = "signature_double_percent_encoded"
    WRONG_ALGORITHM = "wrong_algorithm"

    @property
    def title(self) -> str:
        return _TEXT[self][0]

    @property
    def fix(self) -> str:
        return _TEXT[self][1]


_TEXT = {
    Kind.UNENCODED_PAYLOAD: (
        "the payload was signed before it was percent-encoded",
        "Percent-encode the query string and body first, then sign exactly the encoded text "
        "(Binance rejects the other order with -1022 since 2026-01-15)."),
    Kind.DOUBLE_ENCODED: (
        "the payload was percent-encoded twice before signing",
        "Encode each value once; sign the text that goes on the wire, not an encoding of it."),
    Kind.ORDER: (
        "the parameters were signed in a different order than sent",
        "Build the query once and sign and send that same string; do not sort or rebuild it."),
    Kind.PARAM_ADDED: (
        "a parameter was added after signing",
        "Add every parameter (recvWindow, timestamp included) before computing the signature."),
    Kind.PARAM_NOT_SENT: (
        "a parameter was signed but not sent",
        "Send exactly the parameters you signed; nothing may be dropped after signing."),
    Kind.PARAM_CHANGED: (
        "a parameter was changed after signing",
        "Sign last: set timestamp and every other value, then sign, then send unchanged. "
        "A retry needs a new timestamp and a new signature."),
    Kind.BODY_LEFT_OUT: (
        "only the query string was signed; the body was left out",
        "Sign the query string followed directly by the body (no separator)."),
    Kind.QUERY_LEFT_OUT: (
        "only the body was signed; the query string was left out",
        "Sign the query string followed directly by the body (no separator)."),
    Kind.JOINED_WITH_AMPERSAND: (
        "the query and body were joined with '&' before signing",
        "Concatenate the query string and the body with no separator between them."),
    Kind.SIGNATURE_SIGNED: (
        "the signature parameter was part of the signed string",
        "Sign the payload without any signature parameter, then append signature=... ."),
    Kind.SIGNATURE_NOT_LAST: (
        "the signature is not the last parameter",
        "Append signature as the very last parameter; add nothing after it."),
    Kind.FLOAT_FORMAT: (
        "a number was rendered differently when signed than when sent",
        "Format numbers once, as plain decimal strings (0.00001, not 1e-05), and use that "
        "same text for signing and sending."),
    Kind.NUMBER_QUOTED: (
        "numbers were quoted in the signed string",
        "Sign the bare values (price=0.1), not JSON-style quoted ones (price=\"0.1\")."),
    Kind.JSON_BODY: (
        "the body was sent as JSON instead of form-encoded",
        "Send the body as application/x-www-form-urlencoded (a=1&b=2); Binance reads "
        "parameters only from the query string and form bodies."),
    Kind.SECRET_WHITESPACE: (
        "the secret used for signing had extra characters around it",
        "Strip whitespace, newlines and quotes from the secret when you load it "
        "(files and env files often end with a newline)."),
    Kind.SECRET_TRUNCATED: (
        "the secret used for signing was truncated",
        "Load the whole secret; check the copy, the config field length and any quoting."),
    Kind.SECRET_CASE: (
        "the secret used for signing had its letter case changed",
        "Use the secret exactly as Binance showed it: it is case-sensitive."),
    Kind.API_KEY_AS_SECRET: (
        "the API key was used as the secret",
        "Sign with the secret key; the API key only goes in the X-MBX-APIKEY header."),
    Kind.SIGNATURE_NOT_ENCODED: (
        "the base64 signature was not percent-encoded, so '+' arrived as a space",
        "Percent-encode the base64 signature before sending it (+ as %2B, / as %2F, = as %3D)."),
    Kind.SIGNATURE_DOUBLE_ENCODED: (
        "the signature was percent-encoded twice",
        "Percent-encode the signature once (e.g. do not pass an encoded value to "
        "--data-urlencode or to a library that encodes again)."),
    Kind.WRONG_ALGORITHM: (
        "the signing algorithm does not fit the key type",
        "HMAC secrets sign with HMAC-SHA256 (hex); RSA keys with PKCS#1 v1.5 SHA-256 "
        "(base64); Ed25519 keys with Ed25519 (base64)."),
}


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
    sent: str                   # the canonical payload of the request as sent
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

    @property
    def ok(self) -> bool:
        return self.matches and not self.mistakes


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
    received = signing.decode_from_wire(sent) if location != "given" else sent
    mistakes: list[Mistake] = []
    notes: list[str] = []
    effective = received
    if key.algorithm is not Algorithm.HMAC:
        effective = _transport(received, correct, mistakes)
    if request.json_body is not None:
        mistakes.append(Mistake(Kind.JSON_BODY, "the body is a JSON object; its parameters "
                                "are shown here form-encoded", correct.payload,
                                correct.payload, ()))
    matches = signing.same_signature(key.algorithm, correct.signature, effective)
    tried = 0
    if matches:
        if not request.signature_last:
            notes.append("signature is not the last parameter; Binance's futures docs require "
                         "it at the end, so put it last")
    else:
        tried = _search(request, key, api_key or request.api_key, correct, effective, mistakes)
    return Verdict(request, correct, sent, received, location, matches, tuple(mistakes),
                   tuple(notes), tried)


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


# -- the search -------------------------------------------------------------------

@dataclass(frozen=True)
class _Candidate:
    kind: Kind
    detail: str
    payload: str
    secret: bytes | None = None                   # HMAC with another secret
    check: Callable[[], bool] | None = None       # anything that is not "sign payload"


def _search(request: SentRequest, key: SigningKey, api_key: str | None, correct: Signed,
            effective: str, mistakes: list[Mistake]) -> int:
    match = _payload_matcher(key, effective)
    seen: set[tuple[str, bytes | None]] = {(correct.payload, None)}
    tried = 0
    for cand in _candidates(request, key, api_key, correct, effective):
        if cand.check is None and match is None:
            continue                    # the sent value cannot be a signature of this kind
        ident = (cand.payload, cand.secret)
        if cand.check is None and ident in seen:
            continue
        seen.add(ident)
        tried += 1
        if cand.check is not None:
            hit = cand.check()
        elif cand.secret is not None:
            hit = hmac.compare_digest(
                hmac.new(cand.secret, cand.payload.encode(), hashlib.sha256).hexdigest(),
                effective.lower())
        else:
            hit = match is not None and match(cand.payload)
        if hit and not any(m.kind is cand.kind and m.signed == cand.payload
                           for m in mistakes):
            mistakes.append(Mistake(cand.kind, cand.detail, cand.payload, correct.payload,
                                    diff(cand.payload, correct.payload)))
    return tried


def _payload_matcher(key: SigningKey, effective: str) -> Callable[[str], bool] | None:
    """A fast test 'does signing this payload give the sent signature', or None if it can't."""
    if key.algorithm is Algorithm.HMAC:
        target = effective.strip().lower()
        if len(target) != 64 or signing.looks_like(target) != "hex":
            return None
        secret = key.material
        return lambda p: hmac.new(secret, p.encode(), hashlib.sha256).hexdigest() == target
    raw = _b64(effective)
    if raw is None or len(raw) not in _SIG_BYTES[key.algorithm]:
        return None
    if key.algorithm is Algorithm.ED25519:
        # Ed25519 is deterministic and signing is about 3x cheaper than verifying.
        private = key.material
        return lambda p: private.sign(p.encode()) == raw
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    public = key.material.public_key()

    def check(p: str) -> bool:
        # RSA verifying with the public key is far cheaper than signing.
        try:
            public.verify(raw, p.encode(), padding.PKCS1v15(), hashes.SHA256())
            return True
        except InvalidSignature:
            return False

    return check


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _candidates(request: SentRequest, key: SigningKey, api_key: str | None, correct: Signed,
                effective: str) -> Iterator[_Candidate]:
    q, b = correct.query, correct.body
    qp, bp = split_pairs(q), split_pairs(b)
    yield from _encoding(q, b)
    yield from _parts(request, q, b)
    yield from _signature_param(request, q, b)
    yield from _orders(qp, bp)
    yield from _param_set(qp, bp)
    yield from _changed(qp, bp)
    yield from _numbers(qp, bp)
    if key.algorithm is Algorithm.HMAC:
        yield from _secrets(key.material, api_key, correct.payload)
    yield from _algorithms(key, correct.payload, effective)


def _split(pairs: list[tuple[str, str]], at: int) -> str:
    """Pairs as a payload, the first `at` of them being the query (joined with no separator)."""
    return join_pairs(pairs[:at]) + join_pairs(pairs[at:])


def _encoding(q: str, b: str) -> Iterator[_Candidate]:
    payload = q + b
    if "%" in payload:
        yield _Candidate(Kind.UNENCODED_PAYLOAD, "the raw (decoded) text was signed, e.g. "
                         "non-ASCII characters instead of their %XX escapes",
                         unquote(q) + unquote(b))
        yield _Candidate(Kind.UNENCODED_PAYLOAD, "the form-decoded text was signed ('+' as "
                         "space, %XX decoded)", unquote_plus(q) + unquote_plus(b))
    twice = quote(q, safe="&=") + quote(b, safe="&=")
    if twice != payload:
        yield _Candidate(Kind.DOUBLE_ENCODED, "each %XX escape was encoded again (%25XX)", twice)


def _parts(request: SentRequest, q: str, b: str) -> Iterator[_Candidate]:
    if q and b:
        yield _Candidate(Kind.JOINED_WITH_AMPERSAND, "an '&' was put between the query "
                         "string and the body", f"{q}&{b}")
        yield _Candidate(Kind.BODY_LEFT_OUT, "the body was not included in the signed "
                         "string", q)
        yield _Candidate(Kind.QUERY_LEFT_OUT, "the query string was not included in the "
                         "signed string", b)
        yield _Candidate(Kind.ORDER, "the body was signed before the query string", b + q)
    if request.json_body is not None:
        text = request.body.strip()
        yield _Candidate(Kind.JSON_BODY, "the JSON text was signed as the body", q + text)
        yield _Candidate(Kind.JSON_BODY, "the JSON text was signed, percent-encoded",
                         q + signing.percent_encode(text))


def _signature_param(request: SentRequest, q: str, b: str) -> Iterator[_Candidate]:
    payload = q + b
    for signed in (f"{payload}&signature=", f"{payload}signature=", f"signature=&{payload}",
                   f"{payload}&signature"):
        yield _Candidate(Kind.SIGNATURE_SIGNED, "an empty signature parameter was in the "
                         "string when it was signed", signed)
    if not request.signature_last:
        raw_q = signing.percent_encode(request.query)
        raw_b = "" if request.json_body is not None else signing.percent_encode(request.body)
        pairs = split_pairs(raw_q) + split_pairs(raw_b)
        cut = max(i for i, (k, _) in enumerate(pairs) if k == signing.SIGNATURE_PARAM)
        after = [k for k, _ in pairs[cut + 1:] if k != signing.SIGNATURE_PARAM]
        before = [p for p in pairs[:cut] if p[0] != signing.SIGNATURE_PARAM]
        at = min(len(split_pairs(raw_q)), len(before))
        yield _Candidate(Kind.SIGNATURE_NOT_LAST,
                         f"{', '.join(after)} came after the signature and were not signed",
                         _split(before, at))


def _orders(qp: list[tuple[str, str]], bp: list[tuple[str, str]]) -> Iterator[_Candidate]:
    pairs, at = qp + bp, len(qp)
    n = len(pairs)
    if n < 2:
        return
    sent_names = [k for k, _ in pairs]
    yield _Candidate(Kind.ORDER, "the parameters were signed sorted by name",
                     _split(sorted(pairs, key=lambda p: p[0]), at))
    yield _Candidate(Kind.ORDER, "the parameters were signed in reverse order",
                     _split(pairs[::-1], at))
    if n <= _ORDER_ALL_UP_TO:
        for perm in itertools.permutations(pairs):
            names = [k for k, _ in perm]
            if names != sent_names:
                yield _Candidate(Kind.ORDER, "signed in the order " + ", ".join(names),
                                 _split(list(perm), at))
        return
    if n > _MOVES_UP_TO:
        return
    for i in range(n):
        for j in range(n):
            if i != j:
                moved = pairs[:i] + pairs[i + 1:]
                moved.insert(j, pairs[i])
                yield _Candidate(Kind.ORDER, f"{pairs[i][0]} was signed at position {j + 1} "
                                 f"but sent at position {i + 1}", _split(moved, at))


def _param_set(qp: list[tuple[str, str]], bp: list[tuple[str, str]]) -> Iterator[_Candidate]:
    pairs, at = qp + bp, len(qp)
    for i, (name, value) in enumerate(pairs):
        rest = pairs[:i] + pairs[i + 1:]
        extra = " (a wrapper that appends recvWindow does this)" if name == "recvWindow" else ""
        yield _Candidate(Kind.PARAM_ADDED, f"{name}={value} was not in the signed string"
                         f"{extra}", _split(rest, at if i >= at else at - 1))
    names = {k for k, _ in pairs}
    stamp = next((i for i, (k, _) in enumerate(pairs) if k == "timestamp"), None)
    for name, values in _ADDED_CANDIDATES:
        if name in names:
            continue
        for value in values:
            spots = {len(pairs), 0} | ({stamp} if stamp is not None else set())
            for spot in sorted(spots):
                added = pairs[:spot] + [(name, value)] + pairs[spot:]
                yield _Candidate(Kind.PARAM_NOT_SENT, f"{name}={value} was signed but not "
                                 "sent", _split(added, at + (1 if spot <= at and at else 0)))


def _changed(qp: list[tuple[str, str]], bp: list[tuple[str, str]]) -> Iterator[_Candidate]:
    pairs, at = qp + bp, len(qp)
    for i, (name, value) in enumerate(pairs):
        if name == "timestamp" and value.isdigit():
            sent = int(value)
            deltas = itertools.chain(range(1, _TIMESTAMP_BACK_MS + 1),
                                     range(-1, -_TIMESTAMP_AHEAD_MS - 1, -1))
            for d in deltas:
                changed = list(pairs)
                changed[i] = (name, str(sent - d))
                when = f"{d} ms earlier" if d > 0 else f"{-d} ms later"
                yield _Candidate(Kind.PARAM_CHANGED, f"timestamp was {sent - d} when signed, "
                                 f"{when} than the {sent} that was sent (refreshed after "
                                 "signing, e.g. on a retry)", _split(changed, at))
        elif name == "recvWindow":
            for other in _RECV_WINDOWS:
                if other != value:
                    changed = list(pairs)
                    changed[i] = (name, other)
                    yield _Candidate(Kind.PARAM_CHANGED, f"recvWindow was {other} when "
                                     f"signed but {value} when sent", _split(changed, at))


def _renderings(value: str) -> list[tuple[str, str]]:
    """Other ways a program may have written the number `value`, with a name for each."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return []
    if not number.is_finite() or not any(c.isdigit() for c in value):
        return []
    out = []
    as_float = float(number)
    plain = format(number.normalize(), "f")
    out.append((repr(as_float), "Python float repr"))
    out.append((plain, "plain decimal"))
    out.append((f"{as_float:.8f}", "8 decimals"))
    out.append((str(number.normalize()), "Decimal str"))
    out.append((repr(as_float).replace("e-0", "e-").replace("e+0", "e+"), "JavaScript style"))
    out.append((repr(as_float).upper(), "upper-case exponent"))
    if "." not in value and "e" not in value.lower():
        out.append((value + ".0", "float with .0"))
    seen, unique = {value}, []
    for text, how in out:
        if text not in seen:
            seen.add(text)
            unique.append((text, how))
    return unique


def _numbers(qp: list[tuple[str, str]], bp: list[tuple[str, str]]) -> Iterator[_Candidate]:
    pairs, at = qp + bp, len(qp)
    numeric = [(i, k, v) for i, (k, v) in enumerate(pairs) if _renderings(v)]
    for i, name, value in numeric:
        for text, how in _renderings(value):
            changed = list(pairs)
            changed[i] = (name, signing.percent_encode(text))
            yield _Candidate(Kind.FLOAT_FORMAT, f"{name} was signed as {text} ({how}) but "
                             f"sent as {value}", _split(changed, at))
    decimals = [(i, k, v) for i, k, v in numeric if not v.isdigit()]
    for how in ("Python float repr", "8 decimals", "plain decimal"):
        changed, changes = list(pairs), []
        for i, name, value in decimals:
            text = dict((h, t) for t, h in _renderings(value)).get(how)
            if text is not None:
                changed[i] = (name, signing.percent_encode(text))
                changes.append(f"{name}={text}")
        if len(changes) > 1:
            yield _Candidate(Kind.FLOAT_FORMAT, f"every decimal was signed as {how}: "
                             + ", ".join(changes), _split(changed, at))
    for quote_mark, shown in (("%22", '"'), ('"', '"')):
        everything = list(pairs)
        for i, name, value in numeric:
            single = list(pairs)
            single[i] = (name, f"{quote_mark}{value}{quote_mark}")
            everything[i] = single[i]
            yield _Candidate(Kind.NUMBER_QUOTED, f"{name} was signed as {shown}{value}{shown}",
                             _split(single, at))
        if len(numeric) > 1:
            yield _Candidate(Kind.NUMBER_QUOTED, "every number was signed in quotes",
                             _split(everything, at))


def _secrets(secret: bytes, api_key: str | None, payload: str) -> Iterator[_Candidate]:
    text = secret.decode("utf-8", "replace")
    for after, before, how in _WHITESPACE:
        yield _Candidate(Kind.SECRET_WHITESPACE, f"the secret had {how}", payload,
                         (before + text + after).encode())
    for size in range(len(text) - 1, 0, -1):
        yield _Candidate(Kind.SECRET_TRUNCATED, f"only the first {size} of the secret's "
                         f"{len(text)} characters were used", payload, text[:size].encode())
    for changed, how in ((text.upper(), "upper case"), (text.lower(), "lower case"),
                         (text.swapcase(), "swapped case")):
        if changed != text:
            yield _Candidate(Kind.SECRET_CASE, f"the secret was turned to {how}", payload,
                             changed.encode())
    if api_key:
        yield _Candidate(Kind.API_KEY_AS_SECRET, "the X-MBX-APIKEY value reproduces the "
                         "signature when used as the HMAC secret", payload, api_key.encode())


def _algorithms(key: SigningKey, payload: str, effective: str) -> Iterator[_Candidate]:
    shape = signing.looks_like(effective)
    raw = _b64(effective) if shape == "base64" else None
    data = payload.encode()
    if key.algorithm is Algorithm.HMAC:
        digest = hmac.new(key.material, data, hashlib.sha256).digest()
        yield _Candidate(Kind.WRONG_ALGORITHM, "the HMAC-SHA256 digest was base64-encoded "
                         "instead of hex", payload,
                         check=lambda: effective == base64.b64encode(digest).decode())
        for name in ("sha512", "sha384", "sha1"):
            yield _Candidate(Kind.WRONG_ALGORITHM, f"HMAC-{name.upper()} was used instead of "
                             "HMAC-SHA256", payload, check=lambda n=name: effective.lower()
                             == hmac.new(key.material, data, n).hexdigest())
        if raw is not None and len(raw) in (64, 128, 256, 384, 512) and shape != "hex":
            kind = "an Ed25519" if len(raw) == 64 else "an RSA"
            yield _Candidate(Kind.WRONG_ALGORITHM, f"the sent signature has the shape of {kind} "
                             "signature (base64), but the key given is an HMAC secret",
                             payload, check=lambda: True)
        return
    pem_text = _pem_of(key)
    yield _Candidate(Kind.WRONG_ALGORITHM, "HMAC-SHA256 was computed with the private key "
                     "file as the secret", payload,
                     check=lambda: effective.lower() == hmac.new(pem_text, data,
                                                                 hashlib.sha256).hexdigest())
    if key.algorithm is Algorithm.RSA and raw is not None:
        yield from _rsa_variants(key, payload, raw)
    other = None
    if shape == "hex" and len(effective) == 64:
        other = "an HMAC-SHA256 signature (hex)"
    elif raw is not None and len(raw) not in _SIG_BYTES[key.algorithm]:
        other = ("an Ed25519 signature" if len(raw) == 64 else
                 "an RSA signature" if len(raw) in (128, 256, 384, 512) else None)
    if other:
        yield _Candidate(Kind.WRONG_ALGORITHM, f"the sent signature has the shape of {other}, "
                         f"but the key given is {key.algorithm.label}", payload,
                         check=lambda: True)


def _pem_of(key: SigningKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.material.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def _rsa_variants(key: SigningKey, payload: str, raw: bytes) -> Iterator[_Candidate]:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    public = key.material.public_key()

    def verifies(pad, algorithm) -> bool:
        try:
            public.verify(raw, payload.encode(), pad, algorithm)
            return True
        except (InvalidSignature, ValueError):
            return False

    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    yield _Candidate(Kind.WRONG_ALGORITHM, "RSA-PSS padding was used instead of PKCS#1 v1.5",
                     payload, check=lambda: verifies(pss, hashes.SHA256()))
    for algorithm in (hashes.SHA1(), hashes.SHA512(), hashes.SHA384()):
        yield _Candidate(Kind.WRONG_ALGORITHM, f"RSA with {algorithm.name.upper()} was used "
                         "instead of SHA-256", payload,
                         check=lambda a=algorithm: verifies(padding.PKCS1v15(), a))


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
