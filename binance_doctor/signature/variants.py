"""The ways a signed string can differ from what was sent, generated from the request's structure.

Owns the payload families the -1022 search tries. A request is a `Shape`: its
`name=value` pieces as on the wire, how many of them were the query, and what
joined query and body. Each family turns one Shape into the Shapes a program
may have signed instead (another order, a number written another way, a
character encoded another way, a parameter more or less, ...), so two families
chain into a combination of two mistakes. Families are built from the pieces,
not from a list of known requests: every parameter is moved to every position,
every numeric value gets every rendering (`characters` does the same for every
character class and its encodings).

Pure and cheap: no signing here (see `search`).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterator
from urllib.parse import quote

from binance_doctor.signature.kinds import Kind

ORDER_ALL_UP_TO = 7             # every permutation up to this many parameters (5,040)
QUOTE_SUBSETS_UP_TO = 10        # every subset of numbers quoted up to this many numbers
RECV_WINDOWS = ("5000", "10000", "60000", "1000", "3000", "6000", "20000", "30000", "50000")
_ADDED_CANDIDATES = (("recvWindow", RECV_WINDOWS), ("newOrderRespType", ("ACK", "RESULT", "FULL")),
                     ("timeInForce", ("GTC",)))
# The order of Binance's new-order parameter tables (spot, then USDⓈ-M futures):
# programs that build a dict field by field from the docs sign in this order.
_DOCS_ORDER = ("symbol", "side", "positionSide", "type", "timeInForce", "quantity",
               "quoteOrderQty", "reduceOnly", "price", "newClientOrderId", "strategyId",
               "strategyType", "stopPrice", "closePosition", "activationPrice", "callbackRate",
               "trailingDelta", "icebergQty", "workingType", "priceProtect",
               "newOrderRespType", "priceMatch", "selfTradePreventionMode", "goodTillDate",
               "recvWindow", "timestamp")
_RANK = {name: i for i, name in enumerate(_DOCS_ORDER)}
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


@dataclass(frozen=True)
class Shape:
    """What was signed (or sent): pieces as text, the first `at` of them the query."""

    pieces: tuple[str, ...]
    at: int
    sep: str = ""

    def payload(self) -> str:
        query, body = "&".join(self.pieces[:self.at]), "&".join(self.pieces[self.at:])
        return query + (self.sep if query and body else "") + body

    def with_pieces(self, pieces: list[str] | tuple[str, ...], at: int | None = None) -> Shape:
        return Shape(tuple(pieces), self.at if at is None else at, self.sep)

    @property
    def names(self) -> list[str]:
        return [p.partition("=")[0] for p in self.pieces]


@dataclass(frozen=True)
class Variant:
    kind: Kind
    detail: str
    shape: Shape


Family = Callable[[Shape], Iterator[Variant]]


def shape_of(query: str, body: str) -> Shape:
    """The Shape of a query and body as sent (empty `&&` pieces kept)."""
    qp = query.split("&") if query else []
    bp = body.split("&") if body else []
    return Shape(tuple(qp + bp), len(qp))


def name_of(piece: str) -> str:
    return piece.partition("=")[0]


def value_of(piece: str) -> str:
    return piece.partition("=")[2]


# -- order -----------------------------------------------------------------------

def _ranked(pieces: tuple[str, ...]) -> list[str]:
    """The pieces in the docs' table order; unknown names stay behind their predecessor."""
    keyed, last = [], -1.0
    for i, piece in enumerate(pieces):
        rank = _RANK.get(name_of(piece))
        last = float(rank) if rank is not None else last + 0.001
        keyed.append((last, i, piece))
    return [p for _, _, p in sorted(keyed)]


def _to_end(pieces: list[str], name: str, first: bool = False) -> list[str]:
    moved = [p for p in pieces if name_of(p) == name]
    rest = [p for p in pieces if name_of(p) != name]
    return moved + rest if first else rest + moved


def common_orders(shape: Shape) -> Iterator[Variant]:
    """Orders programs really sign in: sorted, reversed, the docs' table, timestamp last/first."""
    pieces = [p for p in shape.pieces if p]
    if len(pieces) < 2:
        return
    names = set(shape.names)
    bases = [("sorted by name", sorted(pieces, key=name_of)), ("in reverse order", pieces[::-1]),
             ("in the order of Binance's parameter tables (a dict built from the docs)",
              _ranked(tuple(pieces)))]
    for label, base in list(bases):
        for name in ("timestamp", "recvWindow", "signature"):
            if name in names:
                bases.append((f"{label}, {name} last", _to_end(base, name)))
    if "timestamp" in names:
        bases.append(("with timestamp first (ccxt puts it first)",
                      _to_end(pieces, "timestamp", first=True)))
        if "recvWindow" in names:
            bases.append(("with timestamp first and recvWindow last (ccxt's order)",
                          _to_end(_to_end(pieces, "timestamp", first=True), "recvWindow")))
        bases.append(("with timestamp last (added just before signing)",
                      _to_end(pieces, "timestamp")))
    for label, order in bases:
        yield Variant(Kind.ORDER, f"the parameters were signed {label}",
                      shape.with_pieces(_reslot(shape.pieces, order)))


def _reslot(original: tuple[str, ...], order: list[str] | tuple[str, ...]) -> list[str]:
    """`order` (non-empty pieces) put back into the slots of the original's non-empty pieces,
    so empty `&&` pieces stay where they were and are never taken for an order change."""
    if "" not in original:
        return list(order)
    it = iter(order)
    return [next(it) if p else "" for p in original]


def moves(shape: Shape) -> Iterator[Variant]:
    """Every parameter moved to every other position."""
    pieces = list(shape.pieces)
    n = len(pieces)
    for i in range(n):
        for j in range(n):
            if i != j and pieces[i]:
                moved = pieces[:i] + pieces[i + 1:]
                moved.insert(j, pieces[i])
                yield Variant(Kind.ORDER, f"{name_of(pieces[i])} was signed at position {j + 1} "
                              f"but sent at position {i + 1}", shape.with_pieces(moved))


def swaps(shape: Shape) -> Iterator[Variant]:
    """Every two parameters exchanged (two fields swapped in a request builder)."""
    pieces = list(shape.pieces)
    for i, j in itertools.combinations(range(len(pieces)), 2):
        if pieces[i] and pieces[j] and j - i > 1:      # neighbours are single moves already
            swapped = list(pieces)
            swapped[i], swapped[j] = pieces[j], pieces[i]
            yield Variant(Kind.ORDER, f"{name_of(pieces[i])} and {name_of(pieces[j])} were "
                          "signed in each other's places", shape.with_pieces(swapped))


def permutations(shape: Shape) -> Iterator[Variant]:
    """Every order, for requests of up to ORDER_ALL_UP_TO parameters."""
    pieces = [p for p in shape.pieces if p]
    if not 2 < len(pieces) <= ORDER_ALL_UP_TO:
        return
    for perm in itertools.permutations(pieces):
        yield Variant(Kind.ORDER, "signed in the order " + ", ".join(name_of(p) for p in perm),
                      shape.with_pieces(_reslot(shape.pieces, perm)))


def orders(shape: Shape) -> Iterator[Variant]:
    yield from common_orders(shape)
    yield from moves(shape)
    yield from swaps(shape)
    yield from permutations(shape)


def light_orders(shape: Shape) -> Iterator[Variant]:
    yield from common_orders(shape)
    yield from moves(shape)


# -- the parameter set -----------------------------------------------------------------

def added(shape: Shape, two: bool = True) -> Iterator[Variant]:
    """One (or two) sent parameters that were not signed (appended after signing)."""
    pieces = shape.pieces
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        rest = pieces[:i] + pieces[i + 1:]
        extra = " (a wrapper that appends recvWindow does this)" if name_of(piece) == "recvWindow" \
            else ""
        yield Variant(Kind.PARAM_ADDED, f"{piece} was not in the signed string{extra}",
                      shape.with_pieces(rest, shape.at - (i < shape.at)))
    for i, j in itertools.combinations(range(len(pieces)), 2) if two else ():
        if pieces[i] and pieces[j]:
            rest = [p for k, p in enumerate(pieces) if k not in (i, j)]
            at = shape.at - (i < shape.at) - (j < shape.at)
            yield Variant(Kind.PARAM_ADDED, f"{pieces[i]} and {pieces[j]} were not in the "
                          "signed string", shape.with_pieces(rest, at))


def added_one(shape: Shape) -> Iterator[Variant]:
    return added(shape, two=False)


def not_sent(shape: Shape) -> Iterator[Variant]:
    """A parameter signed but dropped before sending (recvWindow and friends)."""
    names = set(shape.names)
    pieces = list(shape.pieces)
    stamp = next((i for i, n in enumerate(shape.names) if n == "timestamp"), None)
    for name, values in _ADDED_CANDIDATES:
        if name in names:
            continue
        for value in values:
            for spot in sorted({len(pieces), 0} | ({stamp} if stamp is not None else set())):
                grown = pieces[:spot] + [f"{name}={value}"] + pieces[spot:]
                yield Variant(Kind.PARAM_NOT_SENT, f"{name}={value} was signed but not sent",
                              shape.with_pieces(grown, shape.at + (spot <= shape.at and
                                                                   shape.at > 0)))


def recv_window_changed(shape: Shape) -> Iterator[Variant]:
    for i, piece in enumerate(shape.pieces):
        if name_of(piece) == "recvWindow":
            for other in RECV_WINDOWS:
                if other != value_of(piece):
                    changed = list(shape.pieces)
                    changed[i] = f"recvWindow={other}"
                    yield Variant(Kind.PARAM_CHANGED, f"recvWindow was {other} when signed but "
                                  f"{value_of(piece)} when sent", shape.with_pieces(changed))


def timestamp_deltas(shape: Shape, back_ms: int, ahead_ms: int) -> Iterator[Variant]:
    """The timestamp signed `back_ms` before to `ahead_ms` after the one sent, nearest first."""
    for i, piece in enumerate(shape.pieces):
        value = value_of(piece)
        if name_of(piece) != "timestamp" or not value.isdigit():
            continue
        sent = int(value)
        for d in interleave(back_ms, ahead_ms):
            changed = list(shape.pieces)
            changed[i] = f"timestamp={sent - d}"
            yield Variant(Kind.PARAM_CHANGED, timestamp_detail(sent, sent - d),
                          shape.with_pieces(changed))


def interleave(back_ms: int, ahead_ms: int) -> Iterator[int]:
    """1, -1, 2, -2, ... : deltas (sent minus signed) nearest first, within the bounds."""
    for d in range(1, max(back_ms, ahead_ms) + 1):
        if d <= back_ms:
            yield d
        if d <= ahead_ms:
            yield -d


def timestamp_detail(sent: int, signed: int) -> str:
    d = sent - signed
    unit = "µs" if len(str(sent)) >= 16 else "ms"      # Binance takes either
    when = f"{d} {unit} earlier" if d > 0 else f"{-d} {unit} later"
    return (f"timestamp was {signed} when signed, {when} than the {sent} that was sent "
            "(refreshed after signing, e.g. on a retry)")


def empty_pieces(shape: Shape) -> Iterator[Variant]:
    """Empty `&&` pieces (or a trailing '&') that were not in the signed string."""
    if "" in shape.pieces:
        kept = [p for p in shape.pieces if p]
        at = len([p for p in shape.pieces[:shape.at] if p])
        yield Variant(Kind.EMPTY_PIECE, f"{shape.pieces.count('')} empty piece(s) ('&&' or a "
                      "'&' at an end) were sent but not signed", shape.with_pieces(kept, at))
    elif shape.pieces:
        for spot, label in ((len(shape.pieces), "a trailing '&'"), (0, "a leading '&'")):
            grown = list(shape.pieces)
            grown.insert(spot, "")
            yield Variant(Kind.EMPTY_PIECE, f"{label} was in the signed string but not sent",
                          shape.with_pieces(grown, shape.at + (spot == 0)))


def parts(shape: Shape) -> Iterator[Variant]:
    """Query and body joined the wrong way, or one of them left out."""
    if 0 < shape.at < len(shape.pieces):
        query, body = shape.pieces[:shape.at], shape.pieces[shape.at:]
        yield Variant(Kind.JOINED_WITH_AMPERSAND, "an '&' was put between the query string "
                      "and the body", Shape(shape.pieces, shape.at, "&"))
        yield Variant(Kind.BODY_LEFT_OUT, "the body was not included in the signed string",
                      Shape(query, len(query)))
        yield Variant(Kind.QUERY_LEFT_OUT, "the query string was not included in the signed "
                      "string", Shape(body, 0))
        yield Variant(Kind.ORDER, "the body was signed before the query string",
                      Shape(body + query, len(body)))


def signature_signed(shape: Shape) -> Iterator[Variant]:
    payload = shape.payload()
    for text in (f"{payload}&signature=", f"{payload}signature=", f"signature=&{payload}",
                 f"{payload}&signature"):
        yield Variant(Kind.SIGNATURE_SIGNED, "an empty signature parameter was in the string "
                      "when it was signed", Shape((text,), 1))


# -- numbers ----------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def renderings(value: str, light: bool = False) -> tuple[tuple[str, str], ...]:
    """Other texts a program may have written for the number `value`, each with a name."""
    if not value or len(value) > 40 or value[0] not in "-0123456789." or "%" in value:
        return ()
    try:
        number = Decimal(value)
    except InvalidOperation:
        return ()
    if not number.is_finite():
        return ()
    x = float(number)
    out = [(repr(x), "Python float repr"), (format(number.normalize(), "f"), "plain decimal"),
           (f"{x:.8f}", "8 decimals")]
    if "." not in value and "e" not in value.lower():
        out.append((value + ".0", "float with .0"))
    for steps in (1, -1):
        out.append((repr(_ulp_step(x, steps)), "float noise (e.g. 0.1+0.2)"))
    if not light:
        out += [(str(number.normalize()), "Decimal str"), (f"{x:g}", "%g"),
                (repr(x).replace("e-0", "e-").replace("e+0", "e+"), "JavaScript style"),
                (repr(x).upper(), "upper-case exponent"), (f"{x:e}", "exponent form"),
                (str(Decimal(x)), "the float's exact decimal expansion")]
        out += [(repr(_ulp_step(x, s)), "float noise (e.g. 0.1+0.2)") for s in (2, -2, 3, -3)]
        out += [(f"{x:.{k}f}", f"{k} decimals (trailing zeros)") for k in range(1, 11)]
        out += [(repr(round(x, k)), f"rounded to {k} decimals") for k in range(0, 11)]
    seen, unique = {value}, []
    for text, how in out:
        if text not in seen:
            seen.add(text)
            unique.append((text, how))
    return tuple(unique)


def _ulp_step(x: float, steps: int) -> float:
    for _ in range(abs(steps)):
        x = math.nextafter(x, math.inf if steps > 0 else -math.inf)
    return x


def _numeric(shape: Shape) -> list[int]:
    return [i for i, p in enumerate(shape.pieces)
            if p and name_of(p) != "timestamp" and renderings(value_of(p), light=True)]


def _numbers(shape: Shape, light: bool) -> Iterator[Variant]:
    for i in _numeric(shape):
        name, value = name_of(shape.pieces[i]), value_of(shape.pieces[i])
        for text, how in renderings(value, light):
            changed = list(shape.pieces)
            changed[i] = f"{name}={quote(text, safe='-_.~+')}"
            yield Variant(Kind.FLOAT_FORMAT, f"{name} was signed as {text} ({how}) but sent "
                          f"as {value}", shape.with_pieces(changed))
    decimals = [i for i in _numeric(shape) if not value_of(shape.pieces[i]).isdigit()]
    for how in ("Python float repr", "8 decimals", "plain decimal"):
        changed, changes = list(shape.pieces), []
        for i in decimals:
            name, value = name_of(shape.pieces[i]), value_of(shape.pieces[i])
            text = {h: t for t, h in renderings(value, light=True)}.get(how)
            if text is not None:
                changed[i] = f"{name}={text}"
                changes.append(f"{name}={text}")
        if len(changes) > 1:
            yield Variant(Kind.FLOAT_FORMAT, f"every decimal was signed as {how}: "
                          + ", ".join(changes), shape.with_pieces(changed))


def numbers(shape: Shape) -> Iterator[Variant]:
    return _numbers(shape, light=False)


def light_numbers(shape: Shape) -> Iterator[Variant]:
    return _numbers(shape, light=True)


_BOOLEANS = {"true": ("True", "TRUE", "1"), "false": ("False", "FALSE", "0"),
             "True": ("true",), "False": ("false",)}


def booleans(shape: Shape) -> Iterator[Variant]:
    """true/false signed as Python's True/False, upper case or 1/0 (one value, or all)."""
    spots = [i for i, p in enumerate(shape.pieces) if value_of(p) in _BOOLEANS]
    for i in spots:
        name, value = name_of(shape.pieces[i]), value_of(shape.pieces[i])
        for other in _BOOLEANS[value]:
            changed = list(shape.pieces)
            changed[i] = f"{name}={other}"
            yield Variant(Kind.BOOLEAN_FORMAT, f"{name} was signed as {other} but sent as "
                          f"{value}", shape.with_pieces(changed))
    if len(spots) > 1:
        changed = list(shape.pieces)
        for i in spots:
            changed[i] = f"{name_of(changed[i])}={_BOOLEANS[value_of(changed[i])][0]}"
        yield Variant(Kind.BOOLEAN_FORMAT, "every true/false was signed as Python writes "
                      "it (True/False)", shape.with_pieces(changed))


def quoted(shape: Shape, light: bool = False) -> Iterator[Variant]:
    """Values signed in quotes (json.dumps): any subset of the numbers, and the strings."""
    numeric = [i for i in _numeric(shape)]
    strings = [i for i, p in enumerate(shape.pieces)
               if p and i not in numeric and name_of(p) != "timestamp" and value_of(p)]
    if len(numeric) > QUOTE_SUBSETS_UP_TO or light:
        subsets = [()] + [(i,) for i in numeric] + [tuple(numeric)]
    else:
        subsets = [c for r in range(len(numeric) + 1) for c in itertools.combinations(numeric, r)]
    string_sets = [(), tuple(strings)] if strings else [()]
    if not light:
        string_sets += [(i,) for i in strings if len(strings) > 1]
    for mark, shown in (("%22", '"'), ('"', '"')):
        for nums in subsets:
            for strs in string_sets:
                chosen = set(nums) | set(strs)
                if not chosen:
                    continue
                changed = list(shape.pieces)
                for i in chosen:
                    changed[i] = f"{name_of(changed[i])}={mark}{value_of(changed[i])}{mark}"
                which = ", ".join(f"{name_of(shape.pieces[i])} as {shown}{value_of(shape.pieces[i])}"
                                  f"{shown}" for i in sorted(chosen))
                kind = Kind.NUMBER_QUOTED if nums else Kind.STRING_QUOTED
                yield Variant(kind, f"{which} {'was' if len(chosen) == 1 else 'were'} signed "
                              "in quotes (as json.dumps writes them)", shape.with_pieces(changed))


def light_quoted(shape: Shape) -> Iterator[Variant]:
    return quoted(shape, light=True)
