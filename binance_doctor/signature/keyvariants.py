"""Mistakes in the key rather than the payload: a changed secret or the wrong algorithm.

Owns the key-side candidates of the -1022 search: an HMAC secret with
whitespace, quotes, truncated or re-cased, the API key used as the secret,
and a signature made with another hash, encoding or key type. Each candidate
carries its own check; no secret text ever goes into a detail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Callable, Iterator

from binance_doctor.signature import signing
from binance_doctor.signature.kinds import Kind
from binance_doctor.signature.signing import Algorithm, SigningKey

SIG_BYTES = {Algorithm.ED25519: (64,), Algorithm.RSA: (128, 256, 384, 512)}
_WHITESPACE = (("\n", "", "a trailing newline"), ("\r\n", "", "a trailing CR LF"),
               (" ", "", "a trailing space"), ("\t", "", "a trailing tab"),
               ("", " ", "a leading space"), ("\n", " ", "spaces/newlines around it"),
               ('"', '"', "double quotes around it"), ("'", "'", "single quotes around it"))


@dataclass(frozen=True)
class Candidate:
    kind: Kind
    detail: str
    payload: str
    secret: bytes | None = None                   # HMAC with another secret
    check: Callable[[], bool] | None = None       # anything that is not "sign payload"


def b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None



def secrets(secret: bytes, api_key: str | None, payload: str) -> Iterator[Candidate]:
    text = secret.decode("utf-8", "replace")
    for after, before, how in _WHITESPACE:
        yield Candidate(Kind.SECRET_WHITESPACE, f"the secret had {how}", payload,
                         (before + text + after).encode())
    for size in range(len(text) - 1, 0, -1):
        yield Candidate(Kind.SECRET_TRUNCATED, f"only the first {size} of the secret's "
                         f"{len(text)} characters were used", payload, text[:size].encode())
    for changed, how in ((text.upper(), "upper case"), (text.lower(), "lower case"),
                         (text.swapcase(), "swapped case")):
        if changed != text:
            yield Candidate(Kind.SECRET_CASE, f"the secret was turned to {how}", payload,
                             changed.encode())
    for decoded, how in _decodings(text):
        yield Candidate(Kind.SECRET_DECODED, f"the secret was {how} before use", payload,
                        decoded)
    if api_key:
        yield Candidate(Kind.API_KEY_AS_SECRET, "the X-MBX-APIKEY value reproduces the "
                         "signature when used as the HMAC secret", payload, api_key.encode())


def _decodings(text: str) -> list[tuple[bytes, str]]:
    out = []
    for how, decode in (("base64-decoded", lambda t: base64.b64decode(t, validate=True)),
                        ("URL-safe base64-decoded", lambda t: base64.urlsafe_b64decode(t)),
                        ("hex-decoded", bytes.fromhex)):
        try:
            out.append((decode(text), how))
        except (binascii.Error, ValueError):
            pass
    return out


def algorithms(key: SigningKey, payload: str, effective: str) -> Iterator[Candidate]:
    shape = signing.looks_like(effective)
    raw = b64(effective) if shape == "base64" else None
    data = payload.encode()
    if key.algorithm is Algorithm.HMAC:
        digest = hmac.new(key.material, data, hashlib.sha256).digest()
        yield Candidate(Kind.WRONG_ALGORITHM, "the HMAC-SHA256 digest was base64-encoded "
                         "instead of hex", payload,
                         check=lambda: effective == base64.b64encode(digest).decode())
        for name in ("sha512", "sha384", "sha1"):
            yield Candidate(Kind.WRONG_ALGORITHM, f"HMAC-{name.upper()} was used instead of "
                             "HMAC-SHA256", payload, check=lambda n=name: effective.lower()
                             == hmac.new(key.material, data, n).hexdigest())
        secret = key.material
        for label, message in (("SHA-256 of the secret followed by the payload (no HMAC)",
                                secret + data),
                               ("SHA-256 of the payload followed by the secret (no HMAC)",
                                data + secret)):
            yield Candidate(Kind.WRONG_ALGORITHM, label, payload, check=lambda m=message:
                            effective.lower() == hashlib.sha256(m).hexdigest())
        yield Candidate(Kind.WRONG_ALGORITHM, "HMAC was called with the payload as the key "
                        "and the secret as the message (arguments swapped)", payload,
                        check=lambda: effective.lower()
                        == hmac.new(data, secret, hashlib.sha256).hexdigest())
        if raw is not None and len(raw) in (64, 128, 256, 384, 512) and shape != "hex":
            kind = "an Ed25519" if len(raw) == 64 else "an RSA"
            yield Candidate(Kind.WRONG_ALGORITHM, f"the sent signature has the shape of {kind} "
                             "signature (base64), but the key given is an HMAC secret",
                             payload, check=lambda: True)
        return
    pem_text = _pem_of(key)
    yield Candidate(Kind.WRONG_ALGORITHM, "HMAC-SHA256 was computed with the private key "
                     "file as the secret", payload,
                     check=lambda: effective.lower() == hmac.new(pem_text, data,
                                                                 hashlib.sha256).hexdigest())
    if key.algorithm is Algorithm.RSA and raw is not None:
        yield from _rsa_variants(key, payload, raw)
    other = None
    if shape == "hex" and len(effective) == 64:
        other = "an HMAC-SHA256 signature (hex)"
    elif raw is not None and len(raw) not in SIG_BYTES[key.algorithm]:
        other = ("an Ed25519 signature" if len(raw) == 64 else
                 "an RSA signature" if len(raw) in (128, 256, 384, 512) else None)
    if other:
        yield Candidate(Kind.WRONG_ALGORITHM, f"the sent signature has the shape of {other}, "
                         f"but the key given is {key.algorithm.label}", payload,
                         check=lambda: True)


def _pem_of(key: SigningKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.material.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def _rsa_variants(key: SigningKey, payload: str, raw: bytes) -> Iterator[Candidate]:
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
    yield Candidate(Kind.WRONG_ALGORITHM, "RSA-PSS padding was used instead of PKCS#1 v1.5",
                     payload, check=lambda: verifies(pss, hashes.SHA256()))
    for algorithm in (hashes.SHA1(), hashes.SHA512(), hashes.SHA384()):
        yield Candidate(Kind.WRONG_ALGORITHM, f"RSA with {algorithm.name.upper()} was used "
                         "instead of SHA-256", payload,
                         check=lambda a=algorithm: verifies(padding.PKCS1v15(), a))
