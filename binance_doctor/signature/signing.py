"""How Binance signs a request: the canonical payload, and the three signature kinds.

Owns the rule every SIGNED REST request follows, stated once here (`RULE`) with
its sources quoted. HMAC-SHA256 gives a hex digest, compared without regard to
case; RSA (PKCS#1 v1.5, SHA-256) and Ed25519 give base64, compared exactly and
percent-encoded when sent.

`cryptography` is imported only when an RSA or Ed25519 key is loaded or used,
so HMAC work and the rest of the CLI never pay for it. Key material lives in
`SigningKey`, whose repr never shows it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote, unquote

from binance_doctor.failure import DoctorError, ExitCode

SIGNATURE_PARAM = "signature"

# -- the encoding rule ----------------------------------------------------------
# Sources (read from binance/binance-spot-api-docs, mirror of 2026-07-21):
#   rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order" (HMAC, RSA and
#   Ed25519 alike): "The signature payload of your request is the query string
#   concatenated without separator to the HTTP body. Any non-ASCII character must
#   be percent-encoded before signing." Steps: "1. Format parameters as
#   parameter=value pairs separated by &. 2. Percent-encode the string."
#   CHANGELOG.md, 2025-12-17: "The following change to REST API will occur at
#   approximately 2026-01-15 07:00 UTC: When calling endpoints that require
#   signatures, percent-encode payloads before computing signatures. Requests that
#   do not follow this order will be rejected with -1022 INVALID_SIGNATURE."
#   The same page's Python example builds the payload with urllib.parse.urlencode
#   (space as '+', every other character outside A-Z a-z 0-9 - _ . ~ as %XX).
#   USDⓈ-M and COIN-M futures general info: "totalParams is defined as the query
#   string concatenated with the request body" (no encoding rule of their own).
# What that settles: the payload is the query then the body as sent, no separator,
# without `signature`; a raw non-ASCII character in it is rejected (-1022); %XX
# escapes and '+' for a space are encodings, so they are signed as sent.
# What it does not settle: an ASCII character outside the unreserved set sent
# *raw* and signed raw (a space, " [ ] { } @ , : / ...; ccxt sends raw JSON in
# batchOrders). The docs neither list them as needing encoding nor show one raw,
# so `unsettled()` names them and verify calls such a request "uncertain".
RULE = ("payload = query string + body as sent (no separator, without signature), "
        "percent-encoded before signing; non-ASCII must be %XX (rest-api.md, request "
        "security; CHANGELOG 2025-12-17, in force since 2026-01-15)")
# Kept as they are when a payload is made canonical: the unreserved set, the
# separators that give a form its structure, `%` (escapes already made) and '+'
# (a form's space). Everything else is percent-encoded as UTF-8, as the docs'
# own urlencode example does.
_WIRE_SAFE = "-_.~&=%+"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
# Percent-encoding of one name or value: only the unreserved set stays.
_VALUE_SAFE = "-_.~"


class Algorithm(str, Enum):
    """The three key types Binance accepts, with what their signatures look like."""

    HMAC = "hmac"
    RSA = "rsa"
    ED25519 = "ed25519"

    @property
    def label(self) -> str:
        return {"hmac": "HMAC-SHA256", "rsa": "RSA PKCS#1 v1.5 SHA-256",
                "ed25519": "Ed25519"}[self.value]

    @property
    def case_sensitive(self) -> bool:
        return self is not Algorithm.HMAC


class BadKey(DoctorError):
    """A private key that cannot be used: unreadable, not a key, or of an unknown type."""

    exit_code = ExitCode.BAD_INPUT


class PassphraseNeeded(DoctorError):
    """The PEM is encrypted and no passphrase was given."""

    exit_code = ExitCode.SECRET_MISSING


@dataclass(frozen=True)
class SigningKey:
    """What signs: an HMAC secret or a loaded private key. The material never prints."""

    algorithm: Algorithm
    material: Any = field(repr=False, compare=False)   # bytes (HMAC) or a cryptography key
    description: str = ""

    def __str__(self) -> str:
        return f"{self.algorithm.label} key{f' ({self.description})' if self.description else ''}"

    def sign(self, payload: str) -> str:
        return sign(self, payload)


# -- the payload --------------------------------------------------------------

def encode_value(text: str) -> str:
    """Percent-encode one parameter name or value (UTF-8, only unreserved characters kept)."""
    return quote(text, safe=_VALUE_SAFE)


def encode_params(params: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """`name=value` pairs joined with `&`, each side percent-encoded."""
    return "&".join(f"{encode_value(k)}={encode_value(v)}" for k, v in params)


def percent_encode(wire: str) -> str:
    """Make a query or body string canonical: encode what is not already encoded.

    Existing `%XX` escapes, '+' and the `&`/`=` structure are kept, so an already
    encoded string comes back unchanged; raw non-ASCII characters, spaces, quotes,
    brackets, '@' and the like are encoded as UTF-8, as `RULE` asks.
    """
    return quote(wire, safe=_WIRE_SAFE)


def encode_non_ascii(wire: str) -> str:
    """Only what the docs require: raw non-ASCII characters as %XX, the rest as sent."""
    if wire.isascii():
        return wire
    return "".join(c if c.isascii() else quote(c, safe="") for c in wire)


def unsettled(wire: str) -> tuple[str, ...]:
    """The raw ASCII characters in `wire` whose treatment the docs do not settle."""
    found = {c for c in wire if c.isascii() and c not in _UNRESERVED and c not in "&=%+"}
    return tuple(sorted(found))


def split_pairs(wire: str) -> list[tuple[str, str]]:
    """`a=1&b=2` as raw (still encoded) pairs; empty pieces are dropped."""
    pairs = []
    for piece in wire.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((name, value))
    return pairs


def join_pairs(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def without_signature(wire: str) -> tuple[str, str | None]:
    """The string with every `signature=` piece removed (other pieces, empty ones
    included, kept as sent), and the (last) value removed."""
    kept, found = [], None
    for piece in wire.split("&") if wire else ():
        if piece.partition("=")[0] == SIGNATURE_PARAM:
            found = piece.partition("=")[2]
        else:
            kept.append(piece)
    return "&".join(kept), found


def payload(query: str, body: str) -> str:
    """The canonical signed payload of a request: query then body, no separator, encoded."""
    q, _ = without_signature(query)
    b, _ = without_signature(body)
    return percent_encode(q) + percent_encode(b)


# -- signing ------------------------------------------------------------------

def hmac_key(secret: str | bytes, description: str = "") -> SigningKey:
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return SigningKey(Algorithm.HMAC, material, description)


def sign(key: SigningKey, message: str) -> str:
    """The signature of `message` (already canonical) as Binance expects it, unencoded."""
    data = message.encode("utf-8")
    if key.algorithm is Algorithm.HMAC:
        return hmac.new(key.material, data, hashlib.sha256).hexdigest()
    if key.algorithm is Algorithm.RSA:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        raw = key.material.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raw = key.material.sign(data)
    return base64.b64encode(raw).decode("ascii")


def signed_query(key: SigningKey, params: list[tuple[str, str]]) -> str:
    """The query string of a SIGNED request sent with no body: the encoded parameters
    (timestamp and recvWindow included by the caller), then `signature=` as it travels."""
    query = encode_params(params)
    signature = encode_for_wire(key.algorithm, sign(key, payload(query, "")))
    return f"{query}&{SIGNATURE_PARAM}={signature}"


def encode_for_wire(algorithm: Algorithm, signature: str) -> str:
    """How the signature travels: base64 must be percent-encoded (`+`, `/`, `=`)."""
    return signature if algorithm is Algorithm.HMAC else quote(signature, safe="")


def decode_from_wire(signature: str) -> str:
    """The signature value as the server reads it from the form: `%XX` decoded, `+` a space."""
    return unquote(signature.replace("+", " "))


def same_signature(algorithm: Algorithm, expected: str, received: str) -> bool:
    """Equal as Binance compares them: hex without case, base64 exactly."""
    if algorithm is Algorithm.HMAC:
        return hmac.compare_digest(expected.lower(), received.strip().lower())
    return hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace"))


def looks_like(signature: str) -> str:
    """A rough shape of a signature value: 'hex', 'base64' or 'other'."""
    s = signature.strip()
    if s and all(c in "0123456789abcdefABCDEF" for c in s):
        return "hex"
    try:
        base64.b64decode(s, validate=True)
        return "base64" if s else "other"
    except (binascii.Error, ValueError):
        return "other"


# -- private keys -------------------------------------------------------------

def load_private_key(pem: bytes, passphrase: bytes | None = None,
                     description: str = "") -> SigningKey:
    """An RSA or Ed25519 private key from PEM (PKCS#8 or traditional, maybe encrypted)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if b"-----BEGIN" not in pem:
        raise BadKey("the private key file is not PEM (no -----BEGIN line)",
                        hint="Binance RSA and Ed25519 keys are PEM files, PKCS#8")
    if b"PUBLIC KEY-----" in pem and b"PRIVATE KEY-----" not in pem:
        raise BadKey("that is a public key; signing needs the private key",
                        hint="give the file you generated the public key from")
    encrypted = b"ENCRYPTED" in pem
    if encrypted and not passphrase:
        raise PassphraseNeeded("the private key is encrypted and no passphrase was given",
                               hint="set BINANCE_PRIVATE_KEY_PASSPHRASE or run in a terminal "
                                    "to be asked for it")
    try:
        key = load_pem_private_key(pem, password=passphrase if encrypted else None)
    except TypeError:
        raise PassphraseNeeded("the private key is encrypted and no passphrase was given",
                               hint="set BINANCE_PRIVATE_KEY_PASSPHRASE") from None
    except ValueError:
        if encrypted:
            raise BadKey("the passphrase does not open the private key",
                            hint="check the passphrase; nothing was signed") from None
        raise BadKey("the private key could not be read",
                        hint="expected an RSA or Ed25519 private key in PEM") from None
    except Exception:  # noqa: BLE001 - cryptography raises several types for bad PEM
        raise BadKey("the private key could not be read",
                        hint="expected an RSA or Ed25519 private key in PEM") from None
    if isinstance(key, rsa.RSAPrivateKey):
        return SigningKey(Algorithm.RSA, key, description or f"RSA {key.key_size}-bit")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return SigningKey(Algorithm.ED25519, key, description or "Ed25519")
    raise BadKey(f"{type(key).__name__.replace('_', '')} keys are not accepted by Binance",
                    hint="Binance accepts HMAC secrets, RSA and Ed25519 keys")
