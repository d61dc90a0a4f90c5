"""Characters written differently when signed than when sent: the encoding family.

Owns the character classes a -1022 search varies (space, '+', '@', JSON
punctuation, other punctuation, non-ASCII) and the ways programs write each
(percent-encoded, '+', raw, lower-case hex). `encodings` tries every
combination of ways over the classes present in a request, in both directions
(signed raw and sent encoded, or the reverse), so a library that re-encodes
after signing is named whatever it changed.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterator
from urllib.parse import quote, unquote_plus

from binance_doctor.signature.kinds import Kind
from binance_doctor.signature.variants import UNRESERVED, Shape, Variant, name_of, value_of

# Character classes, each with the ways a program writes them. The first form is
# the percent-encoded one; "raw" leaves the character as it is.
_CLASSES = (
    ("space", " ", ("%20", "+", "raw")),
    ("'+'", "+", ("%2B", "raw")),
    ("'@'", "@", ("%40", "raw")),
    ("JSON punctuation [ ] { } \"", '[]{}"', ("%XX", "raw")),
    ("punctuation , : ; / ? ! $ ' ( ) * < > | \\ ^ ` #", ",:;/?!$'()*<>|\\^`#", ("%XX", "raw")),
    ("non-ASCII characters", None, ("%XX", "raw")),
)


_ASCII_CLASS = {ch: index for index, (_, members, _) in enumerate(_CLASSES[:5])
                for ch in members}
_PLAIN = re.compile(r"[A-Za-z0-9\-_.~=&]*")


def _class_of(char: str) -> int | None:
    return _ASCII_CLASS.get(char) if char.isascii() else 5


def _render(text: str, forms: dict[int, str], lower: bool) -> str:
    out = []
    for char in text:
        if char in UNRESERVED:
            out.append(char)
            continue
        cls = _class_of(char)
        form = forms.get(cls, "%XX") if cls is not None else "%XX"
        if form == "raw":
            out.append(char)
        elif form == "+":
            out.append("+")
        else:
            escaped = quote(char, safe="")
            out.append(escaped.lower() if lower else escaped)
    return "".join(out)


def _sent_form(cls: int, chars: list[str], wire: str) -> str:
    """How the request as sent wrote a character class: '%XX', '+', '%20' or 'raw'."""
    if cls == 0:
        return "%20" if "%20" in wire else "+" if "+" in wire else "raw"
    return "raw" if any(ch in wire for ch in chars) else "%XX"


def _shown(form: str) -> str:
    return {"%XX": "percent-encoded", "raw": "raw", "+": "'+'"}.get(form, form)


def _encoding_detail(forms: dict[int, str], sent: dict[int, str], lower: bool) -> str:
    changes = [f"{_CLASSES[c][0]} signed {_shown(f)} but sent {_shown(sent[c])}"
               for c, f in forms.items() if f != sent[c]]
    if lower:
        changes.append("escapes signed with lower-case hex digits (%2c, not %2C)")
    return "; ".join(changes) or "the characters were encoded differently"


def encodings(shape: Shape) -> Iterator[Variant]:
    """Every character class written every way (encoded, '+', raw, lower-case hex), combined."""
    if _PLAIN.fullmatch("".join(shape.pieces)):
        return                            # nothing but unreserved characters: one way to write it
    decoded = [(unquote_plus(name_of(p)), unquote_plus(value_of(p)), "=" in p) if p else None
               for p in shape.pieces]
    present = sorted({c for d in decoded if d for c in (_class_of(ch) for ch in d[0] + d[1])
                      if c is not None})
    if not present:
        return
    options = [_CLASSES[c][2] for c in present]
    wire = "&".join(shape.pieces)
    chars = {c: [ch for d in decoded if d for ch in d[0] + d[1] if _class_of(ch) == c]
             for c in present}
    sent_forms = {c: _sent_form(c, chars[c], wire) for c in present}
    has_escape = any("%" in p for p in shape.pieces) or present
    for lower in (False, True) if has_escape else (False,):
        for combo in itertools.product(*options):
            forms = dict(zip(present, combo))
            pieces = []
            for d in decoded:
                if d is None:
                    pieces.append("")
                    continue
                name = _render(d[0], forms, lower)
                pieces.append(f"{name}={_render(d[1], forms, lower)}" if d[2] else name)
            how = _encoding_detail(forms, sent_forms, lower)
            raw_non_ascii = forms.get(5) == "raw"
            kind = Kind.UNENCODED_PAYLOAD if raw_non_ascii else Kind.ENCODING
            yield Variant(kind, how, shape.with_pieces(pieces))


def double_encoded(shape: Shape) -> Iterator[Variant]:
    twice = [quote(p, safe="&=") for p in shape.pieces]
    if twice != list(shape.pieces):
        yield Variant(Kind.DOUBLE_ENCODED, "each %XX escape was encoded again (%25XX)",
                      shape.with_pieces(twice))
