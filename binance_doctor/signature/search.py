"""The -1022 search: sign candidate payloads quickly and keep the ones that reproduce the signature.

Owns the cost side of the search. A `Matcher` answers "does this payload give
the sent signature" (HMAC with its inner and outer hash states computed once,
RSA by verifying, Ed25519 by signing). `run` tries every family in
`SINGLE` alone, the timestamp window (±60 s for HMAC, a few seconds
for the slow key types), and, when nothing alone explains the signature,
pairs of the cheap families ranked by how common each mistake is, within a
budget. It reports what it covered, so the verdict never blames the secret
for a shape it did not search.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from typing import Callable, Iterator

from binance_doctor.signature import characters, keyvariants, variants
from binance_doctor.signature.keyvariants import Candidate
from binance_doctor.signature.signing import Algorithm, SigningKey
from binance_doctor.signature.variants import Shape, Variant

try:                                # CPython's own SHA-256: its copy() is cheaper than OpenSSL's
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found]  # Python 3.12+
except ImportError:                 # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]  # 3.11
    except ImportError:
        _sha256 = hashlib.sha256

TIMESTAMP_WINDOW_MS = 60_000        # HMAC: every timestamp this far either side of the sent one
SLOW_TIMESTAMP_MS = (5_000, 1_000)  # RSA/Ed25519: back and ahead (each try costs ~30-60 µs)
PAIR_BUDGET = 8_000                 # candidates for combinations of two mistakes
SLOW_BUDGET = 2_000                 # payload variants for RSA/Ed25519 keys, timestamps aside


# The families, most common mistakes first; `search` tries each alone, then pairs
# of the cheap ones in this order (two mistakes, ranked by how common each is).
SINGLE: tuple[tuple[str, variants.Family], ...] = (
    ("parameter order", variants.orders), ("parameter set", variants.added),
    ("recvWindow", variants.recv_window_changed), ("encoding", characters.encodings),
    ("double encoding", characters.double_encoded), ("numbers", variants.numbers),
    ("quoting", variants.quoted), ("booleans", variants.booleans),
    ("parameters signed not sent", variants.not_sent),
    ("empty pieces", variants.empty_pieces), ("query and body", variants.parts),
    ("signature parameter", variants.signature_signed),
)
PAIRABLE: tuple[tuple[str, variants.Family], ...] = (
    ("parameter order", variants.light_orders), ("parameter set", variants.added_one),
    ("encoding", characters.encodings), ("numbers", variants.light_numbers),
    ("quoting", variants.light_quoted), ("recvWindow", variants.recv_window_changed),
    ("parameters signed not sent", variants.not_sent),
    ("empty pieces", variants.empty_pieces), ("query and body", variants.parts),
)


@dataclass(frozen=True)
class Coverage:
    """One mistake class and whether the search tried all of it for this request."""

    label: str
    complete: bool
    note: str = ""


@dataclass(frozen=True)
class Hit:
    variants: tuple[Variant, ...]    # one mistake, or two in combination
    payload: str


@dataclass
class Outcome:
    hits: list[Hit] = field(default_factory=list)
    key_hits: list[Candidate] = field(default_factory=list)
    tried: int = 0
    coverage: list[Coverage] = field(default_factory=list)


class Matcher:
    """Does signing a payload with the key give the sent signature?"""

    def __init__(self, key: SigningKey, effective: str) -> None:
        self.key = key
        self.fast = key.algorithm is Algorithm.HMAC
        self.test: Callable[[str], bool] | None = None
        if self.fast:
            target = effective.strip().lower()
            if len(target) == 64 and all(c in "0123456789abcdef" for c in target):
                self.target = bytes.fromhex(target)
                material = key.material
                if len(material) > 64:
                    material = hashlib.sha256(material).digest()
                material = material.ljust(64, b"\0")
                self.inner = _sha256(bytes(b ^ 0x36 for b in material))
                self.outer = _sha256(bytes(b ^ 0x5C for b in material))
                self.test = self._hmac
        else:
            self.test = _slow_matcher(key, effective)

    def _hmac(self, payload: str) -> bool:
        inner = self.inner.copy()
        inner.update(payload.encode())
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest() == self.target

    def timestamps(self, prefix: str, suffix: str, low: int, high: int) -> list[int]:
        """Every value v in [low, high] for which prefix + v + suffix gives the signature."""
        found = []
        start = self.inner.copy()
        start.update(prefix.encode())
        tails = [b"%03d" % lo + suffix.encode() for lo in range(1000)]
        outer, target = self.outer, self.target
        for hi in range(low // 1000, high // 1000 + 1):
            head = start.copy()
            head.update(str(hi).encode() if hi else b"")
            first = max(low - hi * 1000, 0)
            last = min(high - hi * 1000, 999)
            for lo in range(first, last + 1):
                inner = head.copy()
                inner.update(tails[lo])
                o = outer.copy()
                o.update(inner.digest())
                if o.digest() == target:
                    found.append(hi * 1000 + lo)
        return found


def _slow_matcher(key: SigningKey, effective: str) -> Callable[[str], bool] | None:
    raw = keyvariants.b64(effective)
    if raw is None or len(raw) not in keyvariants.SIG_BYTES[key.algorithm]:
        return None
    if key.algorithm is Algorithm.ED25519:
        private = key.material     # deterministic, and signing is cheaper than verifying
        return lambda p: private.sign(p.encode()) == raw
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    public = key.material.public_key()

    def check(p: str) -> bool:
        try:                       # verifying with the public key is far cheaper than signing
            public.verify(raw, p.encode(), padding.PKCS1v15(), hashes.SHA256())
            return True
        except InvalidSignature:
            return False

    return check


def run(base: Shape, matcher: Matcher, skip: set[str], explained: bool = False) -> Outcome:
    """Try the payload families on `base` (the request as sent); `skip` holds payloads done.

    Cheap families first; the timestamp window and the pairs only while nothing
    explains the signature (`explained` says the key side already did).
    """
    out = Outcome()
    if matcher.test is None:
        out.coverage.append(Coverage("payload variants", False, "the sent signature does not "
                                     f"have the shape of a {matcher.key.algorithm.label} "
                                     "signature, so no payload could reproduce it"))
        return out
    seen = set(skip)
    budget = None if matcher.fast else SLOW_BUDGET
    cut = []

    def attempt(found: Iterator[tuple[Variant, ...]]) -> bool:
        """Try each candidate; False when the budget ran out."""
        nonlocal budget
        for chain in found:
            payload = chain[-1].shape.payload()
            if payload in seen:
                continue
            seen.add(payload)
            if budget is not None:
                if budget <= 0:
                    return False
                budget -= 1
            out.tried += 1
            if matcher.test(payload):
                out.hits.append(Hit(chain, payload))
        return True

    for label, family in SINGLE:
        if not attempt((v,) for v in family(base)):
            cut.append(label)
    n = len([p for p in base.pieces if p])
    out.coverage.append(_order_coverage(n, "parameter order" in cut))
    for label, _ in SINGLE[1:]:
        out.coverage.append(Coverage(label, label not in cut,
                                     "" if label not in cut else "cut short by the time budget "
                                     "for this key type"))
    if out.hits or explained:
        return out
    _timestamps(base, matcher, out)
    if not out.hits:
        pairs_done = attempt(_pairs(base))
        out.coverage.append(Coverage("two mistakes combined", pairs_done and budget is None,
                                     "" if pairs_done and budget is None else
                                     "only the most common pairs were tried within the budget"))
    return out


def _pairs(base: Shape) -> Iterator[tuple[Variant, ...]]:
    """Two mistakes in a row, the most common pairs first, up to PAIR_BUDGET candidates."""
    families = PAIRABLE
    ranked = sorted(itertools.combinations(range(len(families)), 2),
                    key=lambda ij: (ij[0] + ij[1], ij[0]))
    left = PAIR_BUDGET
    for i, j in ranked:
        # One direction: these families commute (moving then dropping a parameter gives
        # the same strings as dropping then moving), so the other would only repeat.
        for first in families[i][1](base):
            for second in families[j][1](first.shape):
                left -= 1
                if left < 0:
                    return
                yield first, second


def _timestamps(base: Shape, matcher: Matcher, out: Outcome) -> None:
    """The timestamp refreshed after signing: every value in the window, nearest first."""
    index = next((i for i, p in enumerate(base.pieces)
                  if p.partition("=")[0] == "timestamp" and p.partition("=")[2].isdigit()), None)
    if index is None:
        return
    sent = int(base.pieces[index].partition("=")[2])
    back, ahead = (TIMESTAMP_WINDOW_MS, TIMESTAMP_WINDOW_MS) if matcher.fast else SLOW_TIMESTAMP_MS
    micro = len(str(sent)) >= 16
    if micro:
        back, ahead = back * 1000, ahead * 1000
    pieces = list(base.pieces)
    if matcher.fast and not micro:
        pieces[index] = "timestamp=\0"
        prefix, _, suffix = base.with_pieces(pieces).payload().partition("\0")
        values: list[int] = []
        # Nearest first: a retry a few seconds later is the usual case.
        for low, high in ((sent - 5_000, sent + 1_000), (sent - back, sent - 5_001),
                          (sent + 1_001, sent + ahead)):
            if low <= high and not values:
                values = [v for v in matcher.timestamps(prefix, suffix, low, high) if v != sent]
                out.tried += high - low + 1
        for value in values:
            if value != sent:
                pieces[index] = f"timestamp={value}"
                variant = Variant(variants.Kind.PARAM_CHANGED,
                                  variants.timestamp_detail(sent, value),
                                  base.with_pieces(pieces))
                out.hits.append(Hit((variant,), variant.shape.payload()))
        out.coverage.append(Coverage("timestamp changed after signing", True,
                                     f"every timestamp from {back // 1000} s before to "
                                     f"{ahead // 1000} s after the sent one"))
        return
    if micro:          # microseconds: as many values as the millisecond window would be
        tries = 2 * TIMESTAMP_WINDOW_MS if matcher.fast else sum(SLOW_TIMESTAMP_MS)
        back, ahead = tries * 5 // 6, tries // 6
    for variant in variants.timestamp_deltas(base, back, ahead):
        out.tried += 1
        payload = variant.shape.payload()
        if matcher.test(payload):
            out.hits.append(Hit((variant,), payload))
            break
    unit = "µs" if micro else "ms"
    out.coverage.append(Coverage(
        "timestamp changed after signing", False,
        f"only timestamps from {back:,} {unit} before to {ahead:,} {unit} after the sent one "
        f"were tried (±{TIMESTAMP_WINDOW_MS // 1000} s is searched for millisecond HMAC "
        "timestamps only)"))


def _order_coverage(n: int, cut: bool) -> Coverage:
    if n <= variants.ORDER_ALL_UP_TO and not cut:
        return Coverage("parameter order", True, f"every order of the {n} parameters")
    return Coverage("parameter order", False,
                    f"not every order of {n} parameters ({_factorial(n):,}) was tried: sorted, "
                    "reversed, Binance's table order, timestamp/recvWindow first or last, "
                    "every single parameter moved to every position and every two "
                    "parameters swapped were")


def _factorial(n: int) -> int:
    result = 1
    for i in range(2, n + 1):
        result *= i
    return result


def key_side(key: SigningKey, api_key: str | None, payload: str,
             effective: str) -> tuple[list[Candidate], int]:
    """The secret and algorithm mistakes, checked on the canonical payload."""
    hits, tried = [], 0
    found = []
    if key.algorithm is Algorithm.HMAC:
        found = list(keyvariants.secrets(key.material, api_key, payload))
    found += list(keyvariants.algorithms(key, payload, effective))
    target = effective.strip().lower()
    for cand in found:
        tried += 1
        if cand.check is not None:
            hit = cand.check()
        else:
            hit = hmac.new(cand.secret, cand.payload.encode(), hashlib.sha256).hexdigest() \
                == target
        if hit:
            hits.append(cand)
    return hits, tried
