"""The index of documented wordings that `recall` looks messages up in.

Owns how a template becomes a pattern that finds it inside any line: every
placeholder form, case, whitespace, a missing final period, identifier spelling
variants (listenKey, listen-key, listen key, listen_key), a dropped leading
determiner, a cut-off tail, and a template's distinctive head when the rest of
the sentence differs ("Too much request weight used; ..." spliced with another
wording's tail). Built once per catalog; pure.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from binance_doctor.errors.catalog import PLACEHOLDER, Catalog, Entry, Kind
from binance_doctor.pattern import compiled

SHORT = 24             # templates shorter than this need an error-like line or quotes
_TRUNCATED = 16        # a cut-off message must keep at least this much of its head
_CUT_AT_END = 32       # ... or this much when the text just ends
_HEAD = 25             # a head that stands for its template is at least this long
# Heads that open with these set the scene for the error the rest of the sentence states.
_CIRCUMSTANCE = ("for ", "within ", "as ", "when ", "if ", "after ", "before ", "since ",
                 "because ", "in ", "on ", "at ", "while ")
WORD = compiled(r"[a-z0-9_]{3,}")
# An identifier written in camelCase in a template: people and clients write it
# listen-key, listen key, listen_key or LISTENKEY.
_CAMEL = compiled(r"\b[a-z]+(?:[A-Z][a-z0-9]+)+\b")
DETERMINERS = ("this ", "the ", "your ")
_HAS_UPPER = compiled(r"[a-z][A-Z]")


class Wording(NamedTuple):
    pattern: str              # compiled on first use: most wordings never meet a line
    head: str                 # the literal text before the first value, lower case
    short: bool
    template: str
    entry: Entry
    replaced: str | None


class Index(NamedTuple):
    by_word: dict[str, tuple[Wording, ...]]
    # Wordings whose anchor word can be cut off with their tail, under the first word
    # of their head: looked up only in a line that looks cut (see `looks_cut`).
    by_lead: dict[str, tuple[Wording, ...]]
    # Distinctive heads ("too much request weight used;") under their rarest word:
    # (head, the wordings that start with it, all of one code).
    heads: dict[str, tuple[tuple[str, tuple[Wording, ...]], ...]]


@lru_cache(maxsize=None)
def literal_size(template: str) -> int:
    """How much of a template is its own text, not placeholders (a wording that fills
    fewer blanks says more)."""
    return len(PLACEHOLDER.sub("", template))


def norm(text: str) -> str:
    return " ".join(text.split()).rstrip(". ").lower()


_COMPILED: dict[str, re.Pattern[str]] = {}


def find(wording: Wording, low: str, plain: str) -> tuple[int, int, str] | None:
    """Where the wording is in the line (lower-cased `low`; `plain` as printed):
    (start, end, the text as printed, "…" where it was cut), or None."""
    if not all(w in low for w in _needed(wording.template)):
        return find_cut(wording, low, plain)      # the whole wording cannot be there
    rx = _COMPILED.get(wording.pattern)
    if rx is None:
        rx = _COMPILED[wording.pattern] = compiled(wording.pattern, re.DOTALL)
    m = rx.search(low)
    if m:
        end = m.end()
        if plain[end:end + 1] == ".":
            end += 1
        return m.start(), end, plain[m.start():end]
    return find_cut(wording, low, plain)


@lru_cache(maxsize=None)
def _needed(template: str) -> tuple[str, ...]:
    """Two words the wording's pattern (see `_pattern`) matches only as they are, the
    longest: a line without both holds no whole match, and needs no regex run. Words
    with a camelCase identifier (spelled several ways) and a leading determiner (it
    may be dropped) are not among them."""
    low = norm(template)
    camel = _spelled(template) if _HAS_UPPER.search(template) else {}
    words = [w for piece in PLACEHOLDER.split(low) for w in piece.split(" ")
             if w and not any(ident in w for ident in camel)]
    if low.startswith(DETERMINERS) and words and f"{words[0]} " in DETERMINERS:
        words = words[1:]
    return tuple(sorted(words, key=len, reverse=True)[:2])


def find_cut(wording: Wording, low: str, plain: str) -> tuple[int, int, str] | None:
    """The wording's head cut off where the text says so ("…") or where the text ends."""
    head = wording.head
    if len(head) < _TRUNCATED:
        return None
    at = low.find(head[:_TRUNCATED])
    while at >= 0:
        if at == 0 or not low[at - 1].isalnum():
            n = _TRUNCATED
            while n < len(head) and at + n < len(low) and low[at + n] == head[n]:
                n += 1
            rest = low[at + n:].lstrip()
            # Cut where the text says so, or at the end of the text once long enough to
            # be no mere phrase ("Too Many Requests" is also a status's reason).
            if rest.startswith(("…", "...")) or (n >= _CUT_AT_END and not rest.strip(" \"'`)}]")):
                return at, at + n, plain[at:at + n].rstrip() + "…"
        at = low.find(head[:_TRUNCATED], at + 1)
    return None


def looks_cut(low: str) -> bool:
    """A line whose text may stop inside a message: it says so, or ends in a word."""
    return "…" in low or "..." in low or low.rstrip(" \"'`)}]")[-1:].isalnum()


_SENTENCE_END = compiled(r"[\"'`}\]\n]|$")


def find_head(head: str, low: str, plain: str) -> tuple[int, int, str] | None:
    """A distinctive head at a word start; the message runs on to the end of its
    sentence (a closing quote, bracket or the line's end)."""
    at = low.find(head)
    while at >= 0:
        if at == 0 or not low[at - 1].isalnum():
            end = _SENTENCE_END.search(low, at + len(head)).start()
            end = min(end, at + 240)
            return at, end, plain[at:end].rstrip()
        at = low.find(head, at + 1)
    return None


def _spelled(template: str) -> dict[str, str]:
    """camelCase identifiers of a template (lower case) and the pattern that accepts
    their usual spellings."""
    return {w.lower(): r"[-_\s]?".join(re.escape(p.lower()) for p in
                                       re.findall(r"[A-Z]?[a-z0-9]+", w))
            for w in _CAMEL.findall(template)}


def _pattern(template: str, low: str, camel: dict[str, str]) -> str:
    pieces = PLACEHOLDER.split(low)
    parts = []
    for i, piece in enumerate(pieces):
        words = []
        for w in piece.split(" "):
            word = re.escape(w)
            for ident, rx in camel.items():
                if ident in w:
                    word = word.replace(ident, rx)
            words.append(word)
        parts.append(r"\s+".join(words))
        if i < len(pieces) - 1:
            # A value at either end of the template is one token: prose around the
            # message must not be taken for it.
            edge = (i == len(pieces) - 2 and not pieces[-1].strip()) or (
                i == 0 and not piece.strip())
            parts.append(r"([^\s\"'}\]]+)" if edge else "(.+?)")
    body = "".join(parts)
    # "This listenKey does not exist." is also said without its determiner.
    lead_word = next((d for d in DETERMINERS if low.startswith(d)), None)
    if lead_word and len(low) - len(lead_word) >= SHORT:
        body = f"(?:{re.escape(lead_word.strip())}\\s+)?" + body[len(re.escape(lead_word.strip())) + 3:]
    lead = r"(?<![\w])" if low[0].isalnum() else ""
    tail = r"(?![\w])" if low[-1].isalnum() else ""
    return lead + body + tail


@lru_cache(maxsize=4)
def index(catalog: Catalog) -> Index:
    """Each wording under its rarest word near the start (so a cut-off tail still
    finds it), for a dictionary look-up per word of a line; and the distinctive
    heads that stand for a code on their own. The bundled catalog's comes from the
    snapshot in the cache folder when there is one (see `snapshot`)."""
    from binance_doctor.errors import snapshot

    return snapshot.index(catalog, _index)


def _index(catalog: Catalog) -> Index:
    wordings = []
    for template, entry, replaced in catalog.wordings():
        low = norm(template)
        if len(low) < 6:
            continue
        camel = _spelled(template) if _HAS_UPPER.search(template) else {}
        wordings.append((low, Wording(_pattern(template, low, camel),
                                      PLACEHOLDER.split(low)[0].strip(), len(low) < SHORT,
                                      template, entry, replaced), camel))
    freq: dict[str, int] = {}
    for low, _, _ in wordings:
        for w in set(WORD.findall(low)):
            freq[w] = freq.get(w, 0) + 1
    by_word: dict[str, list[Wording]] = {}
    by_lead: dict[str, list[Wording]] = {}
    for low, wording, camel in wordings:
        literal = " ".join(PLACEHOLDER.split(low))
        words = [m.group() for m in WORD.finditer(literal) if m.start() < 48]
        if literal.startswith(DETERMINERS):
            words = words[1:] or words
        # A camelCase identifier is not one word in every spelling: anchor elsewhere.
        plain_words = [w for w in words if w not in camel]
        if not (plain_words or words):
            continue
        anchor = min(plain_words or words, key=lambda w: (freq[w], -len(w)))
        by_word.setdefault(anchor, []).append(wording)
        head = wording.head
        if len(head) >= _TRUNCATED and anchor not in WORD.findall(head[:_TRUNCATED]):
            lead = WORD.findall(head[:_TRUNCATED])
            lead = [w for w in lead if f"{w} " not in DETERMINERS] or lead
            if lead:
                by_lead.setdefault(lead[0], []).append(wording)
    return Index({w: tuple(v) for w, v in by_word.items()},
                 {w: tuple(v) for w, v in by_lead.items()},
                 _heads([(low, one) for low, one, _ in wordings], freq))


def _heads(wordings: list[tuple[str, Wording]], freq: dict[str, int]
           ) -> dict[str, tuple[tuple[str, tuple[Wording, ...]], ...]]:
    """Heads of at least _HEAD characters that end at a clause boundary (';' or ',')
    before any value, kept when the wordings that start with one give each product
    one code (options sends the spot rate-limit wordings with -1008, the others with
    -1003): the code documented on the most products first."""
    groups: dict[str, list[Wording]] = {}
    for low, _ in wordings:
        literal = PLACEHOLDER.split(low)[0]
        cut = min((i for i in (literal.find(";", _HEAD - 1), literal.find(",", _HEAD - 1))
                   if i >= 0), default=-1)
        if cut >= 0:
            groups.setdefault(literal[:cut + 1], [])
    for low, one in wordings:
        for head in groups:
            if low.startswith(head):
                groups[head].append(one)
    out: dict[str, list[tuple[str, tuple[Wording, ...]]]] = {}
    for head, members in groups.items():
        if any(m.entry.kind is not Kind.CODE for m in members):
            continue
        if head.startswith(_CIRCUMSTANCE):
            # "Within 24 hours after password modification," says when, not what went
            # wrong: the rest of the sentence does (withdrawal is prohibited).
            continue
        per_product: dict[object, set[int | None]] = {}
        for m in members:
            for p in m.entry.products:
                per_product.setdefault(p, set()).add(m.entry.code)
        if any(len(codes) > 1 for codes in per_product.values()):
            continue
        support = {code: sum(code in c for c in per_product.values())
                   for m in members for code in (m.entry.code,)}
        members.sort(key=lambda m: -support[m.entry.code])
        words = WORD.findall(head)
        anchor = min(words, key=lambda w: (freq.get(w, 0), -len(w)))
        out.setdefault(anchor, []).append((head, tuple(members)))
    return {w: tuple(v) for w, v in out.items()}
