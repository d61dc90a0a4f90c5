"""The bundled error catalog: every documented Binance error, per product.

Owns the frozen records made from `data/catalog.json` (package data, read
through `bundle`), and the lookups on them: by code, by HTTP status and by
message text.
Official codes, names and message templates are facts copied from Binance's
documentation; the explanations are binance-doctor's own words.
"""

from __future__ import annotations

import marshal
import re
from collections import namedtuple
from enum import Enum
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from binance_doctor.pattern import Pattern, compiled
from binance_doctor.product import Product
from binance_doctor.record import frozen

if TYPE_CHECKING:
    from binance_doctor.errors.bundle import Region

SCHEMA = 1


class Kind(str, Enum):
    CODE = "code"          # a numeric error code on one product
    MESSAGE = "message"    # a matching-engine message sent with -1010/-2010/-2011/-2038
    FILTER = "filter"      # a "Filter failure: X" message
    HTTP = "http"          # an HTTP status, with or without a JSON body
    CLIENT = "client"      # a client library's own pseudo-code (python-binance's 0), not Binance's


class Category(str, Enum):
    SERVER = "server"
    RATE_LIMIT = "rate_limit"
    AUTH = "auth"
    SIGNATURE = "signature"
    TIMING = "timing"
    REQUEST = "request"
    SYMBOL = "symbol"
    ORDER = "order"
    FILTER = "filter"
    BALANCE = "balance"
    POSITION = "position"
    ACCOUNT = "account"
    WALLET = "wallet"
    PRODUCT = "product"
    STREAM = "stream"
    OPTIONS_MMP = "options_mmp"


class RetryPolicy(str, Enum):
    FIX_FIRST = "fix_first"      # resending unchanged fails again
    NOW = "now"                  # it did not execute; retry with a small backoff
    WAIT = "wait"                # back off first
    CHECK_FIRST = "check_first"  # execution status unknown: query before resending


@frozen
class Retry:
    """When and how a failed request may be sent again."""

    policy: RetryPolicy
    seconds: int | None = None

    @property
    def advice(self) -> str:
        """One sentence a user can act on; the wording lives here and nowhere else."""
        if self.policy is RetryPolicy.CHECK_FIRST:
            return ("Execution status is UNKNOWN: the request may have been carried out. "
                    "Never resend blindly, that can duplicate an order (or a transfer). "
                    "Query it first (an order by its clientOrderId or orderId) and resend "
                    "only if it does not exist.")
        if self.policy is RetryPolicy.WAIT:
            if self.seconds:
                return f"Wait at least {self.seconds} s before retrying, and slow down."
            return ("Wait before retrying: for as long as the Retry-After header or the "
                    "message says, and slow down.")
        if self.policy is RetryPolicy.NOW:
            return "Safe to retry now with a short backoff: the request was not carried out."
        return "Do not retry unchanged: fix the request first, it will fail the same way."


@frozen
class Explanation:
    """What an error means, why it happens, how to fix it and whether to retry."""

    key: str
    meaning: str
    causes: tuple[str, ...]
    fixes: tuple[str, ...]
    category: Category
    retry: Retry
    dig: str | None

    @property
    def one_line_fix(self) -> str:
        return self.fixes[0]


@frozen
class Entry:
    """One catalog record: a code on one product, a message, a filter or an HTTP status."""

    kind: Kind
    products: tuple[Product, ...]
    explanation: Explanation
    messages: tuple[str, ...] = ()
    code: int | None = None
    name: str | None = None
    codes: tuple[int, ...] = ()       # for messages and filters: the codes they come with
    status: str | None = None         # for HTTP entries: "418", "5xx", "503"
    filter: str | None = None
    section: str | None = None
    # Message templates whose meaning is another explanation's: (template, key).
    # -1008 "Server is currently overloaded..." means on USDⓈ-M what it means on spot.
    message_explanations: tuple[tuple[str, str], ...] = ()
    # A matching-engine message that a source saw Binance send with one code of its
    # several (ccxt's map: "Market is closed." with -1013): (code, source key).
    observed: tuple[int, str] | None = None
    # Wordings in `messages` that Binance has been seen sending but does not document,
    # each with where it was recorded: (message, source).
    observed_messages: tuple[tuple[str, str], ...] = ()

    # Wordings only some of the entry's products document: (message, products).
    # "Request occur unknown error." is the futures pages' 5XX text, not spot's.
    message_products: tuple[tuple[str, tuple[Product, ...]], ...] = ()

    def products_for(self, template: str | None) -> tuple[Product, ...]:
        """The products whose docs (or observations) give this wording of the entry."""
        return dict(self.message_products).get(template, self.products)

    def observed_source(self, template: str | None) -> str | None:
        """Where a wording of this entry was seen, if it is observed and not documented."""
        return dict(self.observed_messages).get(template) if template else None

    @property
    def title(self) -> str:
        if self.kind is Kind.CODE:
            return f"{self.code} {self.name}" if self.name else str(self.code)
        if self.kind is Kind.HTTP:
            head = f"HTTP {self.status.upper()}"
            # A wording only some of its products give (the futures pages' 5XX text) does
            # not name the status for the others.
            shown = self.messages and set(self.products_for(self.messages[0])) == set(self.products)
            return f"{head}: {self.messages[0]}" if shown else head
        if self.kind is Kind.FILTER:
            return f"Filter failure: {self.filter}"
        if self.kind is Kind.CLIENT:
            return f"{self.code} ({self.name})"
        return self.messages[0]


# A message text recognised as one of an entry's templates: entry (Entry), template
# (str), values (tuple[str, ...]), exact (bool: the whole text matched; False when the
# text only starts with it), replaced (str | None: an older wording, the date Binance's
# docs replaced it). Internal, so a plain named tuple: cheapest to define at start-up.
MessageMatch = namedtuple("MessageMatch", "entry template values exact replaced",
                          defaults=(None,))


# Where a template takes a value: printf (%s, %d), positional or named braces ({0},
# {param}) and the docs' <SCHEMA_ID>:<VERSION> markers (FIX's Logon<A> and Logout<5>
# are literal message types, HTML tags literal markup).
# Compiled on first use: a bare code matches no template (start-up).
PLACEHOLDER = Pattern(r"%[sdb]|\{\w+\}|<[A-Za-z]+_[A-Za-z_]+>|<(?:VERSION|version)>")


def same_error(entries: Iterable[Entry]) -> bool:
    """Whether entries of one code on several products are one error.

    They are when Binance gives the code the very same name on all of them, however
    our texts are worded per product, or when their meanings read the same. A code
    without a name on some product, or named otherwise (even INVALID_SYMBOLSTATUS
    against INVALID_SYMBOL_STATUS), is one error only if its meanings are the same text.
    """
    entries = list(entries)
    names = {e.name for e in entries}
    if len(names) == 1 and None not in names:
        return True
    return len({e.explanation.meaning for e in entries}) <= 1


def _normalise(text: str) -> str:
    return " ".join(text.split()).rstrip(". ").casefold()


@lru_cache(maxsize=None)
def template_regex(template: str) -> re.Pattern[str]:
    """Regex for a message template; `%s` and `{0}` capture the values filled in."""
    parts = PLACEHOLDER.split(_normalise(template))
    body = "(.+?)".join(re.escape(p) for p in parts)
    return compiled(body, re.DOTALL)


def _from_entries(build: Callable[[Catalog], Any]) -> cached_property:
    """A cached_property built from the entries. The snapshot may bring it with them
    (see `snapshot`), and then that copy is the one: what is built from the entries
    must refer to the very same ones."""
    def get(catalog: Catalog) -> Any:
        catalog.entries
        kept = catalog.__dict__.get(build.__name__)
        return kept if kept is not None else build(catalog)
    get.__doc__ = build.__doc__
    return cached_property(get)


class Catalog:
    """Read-only lookups over the entries; build one with `load()` or `parse()`.

    Entries are built from their records on first use, and a record is unpacked
    only then (see `pack`): `explain -2010` needs a handful of the thousand, and
    building or even unpacking them all would dominate its start-up.
    """

    def __init__(self, packed: dict) -> None:
        self.sources = packed["sources"]
        self._records = _Records(packed["entries"], packed["entry_ends"])
        self._raw_explanations = _Records(packed["explanations"], packed["explanation_ends"])
        self._explanation_keys: bytes | Region = packed["explanation_keys"]
        self._codes = memoryview(packed["codes"]).cast("i")              # ascending
        self._code_ends = memoryview(packed["code_ends"]).cast("I")
        self._code_entries = memoryview(packed["code_entries"]).cast("I")
        self._by_status: dict[str, list[int]] = packed["by_status"]
        self._built: dict[int, Entry] = {}
        self._explanations: dict[str, Explanation] = {}
        self._matched: dict[str, tuple[MessageMatch, ...]] = {}
        self.match_calls = self.match_misses = 0      # match_message's memory, measured
        self.bundled = False                           # load() sets it: data/catalog.json

    def _with_code(self, code: int) -> Sequence[int]:
        """The indexes of the entries for a code: a binary search of the code column."""
        low, high = 0, len(self._codes)
        while low < high:
            mid = (low + high) // 2
            if self._codes[mid] < code:
                low = mid + 1
            else:
                high = mid
        if low == len(self._codes) or self._codes[low] != code:
            return ()
        return self._code_entries[self._code_ends[low - 1] if low else 0:self._code_ends[low]]

    def _entry(self, i: int) -> Entry:
        entry = self._built.get(i)
        if entry is None:
            r = self._records[i]
            entry = self._built[i] = Entry(
                kind=Kind(r["kind"]),
                products=tuple(Product(p) for p in r["products"]),
                explanation=self._explanation(r["explanation"], r["explanation_at"]),
                messages=tuple(r.get("messages", ())),
                code=r.get("code"),
                name=r.get("name"),
                codes=tuple(r.get("codes", ())),
                status=r.get("status"),
                filter=r.get("filter"),
                section=r.get("section"),
                message_explanations=tuple(r.get("message_explanations", {}).items()),
                observed=(r["observed_code"], r["observed_from"]) if "observed_code" in r
                else None,
                observed_messages=tuple(r.get("observed_messages", {}).items()),
                message_products=tuple((m, tuple(Product(p) for p in ps))
                                       for m, ps in r.get("message_products", {}).items()),
            )
        return entry

    def for_message(self, entry: Entry, template: str) -> Entry:
        """The entry as the matched message template means it (see message_explanations)."""
        key = dict(entry.message_explanations).get(template)
        if key is None or key == entry.explanation.key:
            return entry
        from dataclasses import replace      # a bare code never needs it (start-up)

        return replace(entry, explanation=self._explanation(key))

    def _explanation(self, key: str, at: int | None = None) -> Explanation:
        ex = self._explanations.get(key)
        if ex is None:
            raw = self._raw_explanations[self._explanation_at[key] if at is None else at]
            ex = self._explanations[key] = _explanation(key, raw)
        return ex

    @cached_property
    def _explanation_at(self) -> dict[str, int]:
        """Where each explanation is, by key (entries carry their own's place)."""
        return {k: i for i, k in enumerate(marshal.loads(bytes(self._explanation_keys)))}

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        from binance_doctor.errors import snapshot     # reading text wants them all

        return snapshot.entries(self, lambda: tuple(self._entry(i)
                                                    for i in range(len(self._records))))

    def by_code(self, code: int, product: Product | None = None) -> list[Entry]:
        found = (self._entry(i) for i in self._with_code(code))
        return [e for e in found if product is None or product in e.products]

    def by_status(self, status: int | str, product: Product | None = None) -> list[Entry]:
        """Entries for an HTTP status, for one product when given.

        A 5xx status without an entry of its own for the product falls back to the
        generic 5XX entry: the 503 variants documented for futures and options say
        "safe to retry" in places, which is never true of another product's 5xx.
        Other statuses documented for one product only (409 on spot) are still
        shown for the rest, whose entries name the product they come from. Without a
        product, a 5xx that only some products document (503: futures and options)
        also gets the generic entry: it may come from spot or margin, whose 5xx may
        have been executed.
        """
        key = str(status).lower()
        every = [self._entry(i) for i in self._by_status.get(key, [])]
        found = [e for e in every if product is None or product in e.products]
        if key.isdigit() and key.startswith("5"):
            covered = {p for e in found for p in e.products}
            found += [e for e in (self._entry(i) for i in self._by_status.get("5xx", []))
                      if (product is None and not covered.issuperset(e.products))
                      or (not found and product in e.products)]
        elif not found:
            found = every
        return found

    @property
    def codes(self) -> list[int]:
        return self._codes.tolist()[::-1]

    @property
    def statuses(self) -> list[str]:
        return sorted(self._by_status)

    def of_kind(self, kind: Kind, product: Product | None = None) -> list[Entry]:
        return [e for e in self.entries
                if e.kind is kind and (product is None or product in e.products)]

    @_from_entries
    def _templates(self) -> list[tuple[str, str, Entry]]:
        return [(_normalise(t), t, e) for e in self.entries for t in e.messages]

    @_from_entries
    def _heads(self) -> list[tuple[str, str, str, Entry, str | None]]:
        """(normalised, literal head, template, entry, replaced): the head is what a
        text must start with for the template to match it."""
        current = [(n, t, e, None) for n, t, e in self._templates]
        return [(n, PLACEHOLDER.split(n, 1)[0], t, e, r)
                for n, t, e, r in current + self._old_templates]

    @cached_property
    def _history_file(self) -> dict:
        from binance_doctor.errors import bundle

        return bundle.load("history.json")

    @cached_property
    def _history(self) -> dict[str, list[dict]]:
        return self._history_file["codes"]

    def history(self, code: int) -> list[dict]:
        """Older wordings Binance's docs gave for a code, each with the products, the
        date it was replaced and the revision that says so (data/history.json)."""
        return self._history.get(str(code), [])

    @_from_entries
    def _old_templates(self) -> list[tuple[str, str, Entry, str]]:
        # Older wordings of a code, and of an order message (keyed by today's wording:
        # the swapped "This action disabled is on this account." until 2022-04-12).
        owners = [(r, self.by_code(int(code))) for code, records in self._history.items()
                  for r in records]
        owners += [(r, [e for e in self.entries if e.kind is Kind.MESSAGE and now in e.messages])
                   for now, records in self._history_file.get("messages", {}).items()
                   for r in records]
        return [(_normalise(r["message"]), r["message"], e, r["replaced"])
                for r, entries in owners for e in entries
                if any(p.value in r["products"] for p in e.products)]

    def wordings(self) -> list[tuple[str, Entry, str | None]]:
        """Every message template with its entry: today's, then the older wordings
        (with the date each was replaced)."""
        return [(t, e, None) for _, t, e in self._templates] + [
            (t, e, replaced) for _, t, e, replaced in self._old_templates]

    def client_entry(self, message: str | None) -> Entry | None:
        """The client pseudo-code entry whose message this is, if any."""
        if not message:
            return None
        return next((m.entry for m in self.match_message(message)
                     if m.entry.kind is Kind.CLIENT), None)

    def is_code(self, code: int) -> bool:
        """Whether Binance sends this code: documented, or observed (data/unofficial.json)."""
        return bool(self._with_code(code)) or str(code) in self._unofficial

    @cached_property
    def code_set(self) -> frozenset[int]:
        """Every code `is_code` holds, for a reader asking of many numbers at once."""
        # A key is a code as str() writes it ("-1021", never "-01021"), as is_code asks.
        return frozenset(self._codes.tolist()) | frozenset(
            int(k) for k in self._unofficial if k.lstrip("-").isdigit() and str(int(k)) == k)

    @cached_property
    def _unofficial(self) -> dict[str, dict]:
        from binance_doctor.errors import bundle

        return bundle.load("unofficial.json")["codes"]

    def match_message(self, text: str) -> list[MessageMatch]:
        """Entries whose template matches `text`: whole matches if any, else prefix ones.

        A prefix match covers servers appending detail to a documented message,
        e.g. "..., request ip: 203.0.113.7" after the -2015 text.
        """
        wanted = _normalise(text)
        if not wanted:
            return []
        # Remembered per text: a log repeats its messages, and each costs a regex per
        # template whose head it starts with.
        self.match_calls += 1
        memo = self._matched.get(text)      # values are taken from the text as given
        if memo is None:
            self.match_misses += 1
            if len(self._matched) >= 4096:
                self._matched.clear()
            memo = self._matched[text] = self._match(text, wanted)
        return list(memo)

    @cached_property
    def _heads_by_first(self) -> dict[str, list[int]]:
        """Where in `_heads` the heads that start with each character are ("": the
        heads that are empty, a template that starts with a value)."""
        out: dict[str, list[int]] = {}
        for i, h in enumerate(self._heads):
            out.setdefault(h[1][:1], []).append(i)
        return out

    def _heads_for(self, wanted: str) -> list[tuple]:
        """The heads `wanted` can start with, in `_heads`' order (it decides ties)."""
        first = self._heads_by_first
        heads = self._heads
        at = first.get(wanted[:1], [])
        empty = first.get("", [])
        return [heads[i] for i in (sorted(at + empty) if empty and at else at or empty)]

    def _match(self, text: str, wanted: str) -> tuple[MessageMatch, ...]:
        whole: list[MessageMatch] = []
        prefix: list[MessageMatch] = []
        for norm, head, template, entry, replaced in self._heads_for(wanted):
            if not wanted.startswith(head):
                continue
            if head == norm:
                # A template without values (most are) is its head: compare, where a
                # regex would first have to be compiled (~0.5 ms each, once a run).
                if wanted == norm:
                    whole.append(MessageMatch(entry, template, (), True, replaced))
                elif len(norm) >= 12 and not wanted[len(norm):len(norm) + 1].isalnum():
                    prefix.append(MessageMatch(entry, template, (), False, replaced))
                continue
            rx = template_regex(template)
            m = rx.fullmatch(wanted)
            if m:
                whole.append(MessageMatch(entry, template, _original_values(text, m), True,
                                          replaced))
                continue
            m = rx.match(wanted)
            if m and len(norm) >= 12 and not wanted[m.end():m.end() + 1].isalnum():
                prefix.append(MessageMatch(entry, template, _original_values(text, m), False,
                                           replaced))
        if whole:
            # A literal template ("...no smaller than 5.0...") and its %s twin both
            # match; keep the one that explains the most, per entry.
            return tuple(_best_per_entry(whole))
        return tuple(_best_per_entry(prefix))

    def messages_like(self, text: str, limit: int = 5) -> list[str]:
        """Documented messages that look like `text`, closest first."""
        import difflib

        wanted = _normalise(text)
        pool = {norm: t for norm, t, _ in self._templates}
        close = difflib.get_close_matches(wanted, list(pool), n=limit, cutoff=0.6)
        if len(close) < limit:
            # Fall back to shared distinctive words ("recvWindow", "notional", ...).
            words = _keywords(wanted)
            scored = sorted(((len(words & _keywords(n)), n) for n in pool
                             if n not in close), reverse=True)
            close += [n for score, n in scored[:limit - len(close)] if score >= 2]
        return [pool[n] for n in close]

    def undocumented(self, code: int) -> dict | None:
        """What ccxt's mapping says of a code Binance does not document, if anything."""
        return self._unofficial.get(str(code))

    def codes_near(self, code: int, limit: int = 6) -> list[int]:
        """Catalogued codes numerically close to `code`, nearest first."""
        return sorted(self._codes.tolist(), key=lambda c: (abs(c - code), c))[:limit]


def _keywords(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9_]{3,}", text) if w not in _COMMON}


_COMMON = frozenset("this that with your have does from for the not are was were been "
                    "please request order orders".split())


def _original_values(text: str, m: re.Match[str]) -> tuple[str, ...]:
    # Values come from the normalised (case-folded) text; take them back from
    # the original so "BTCUSDT" is not shown as "btcusdt".
    original = " ".join(text.split())
    if len(original.casefold()) != len(original):   # folding moved the offsets
        return m.groups()
    return tuple(original[m.start(i):m.end(i)] for i in range(1, len(m.groups()) + 1))


def _best_per_entry(matches: list[MessageMatch]) -> list[MessageMatch]:
    best: dict[int, MessageMatch] = {}
    for m in matches:
        prior = best.get(id(m.entry))
        # Prefer today's wording, the literal (fewest captured values), the longest.
        if prior is None or (m.replaced is not None, len(m.values), -len(m.template)) < (
                prior.replaced is not None, len(prior.values), -len(prior.template)):
            best[id(m.entry)] = m
    return list(best.values())


def _explanation(key: str, raw: dict) -> Explanation:
    retry = raw["retry"]
    return Explanation(
        key=key,
        meaning=raw["meaning"],
        causes=tuple(raw["causes"]),
        fixes=tuple(raw["fixes"]),
        category=Category(raw["category"]),
        retry=Retry(RetryPolicy(retry["policy"]), retry.get("seconds")),
        dig=raw.get("dig"),
    )


# The layout `pack` writes; change it with the layout, so no cached copy in an older
# one is read (errors/bundle.py names copies after it).
PACKED = "packed3"
# What of it a run reads only where it needs it (bundle's regions): the records, and
# the explanations' keys, which only a message that changes its entry's meaning needs.
LAZY = ("entries", "explanations", "explanation_keys")


class _Records:
    """Records marshalled back to back, and where each ends: one is unpacked when asked
    for, and loading the lot costs two bytes objects, not a thousand."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, blob: bytes | Region, ends: bytes) -> None:
        # A Region (the cached copy) reads a record's bytes when it is sliced.
        self._blob = memoryview(blob) if isinstance(blob, bytes) else blob
        self._ends = memoryview(ends).cast("I")

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> dict:
        return marshal.loads(self._blob[self._ends[i - 1] if i else 0:self._ends[i]])


def pack(raw: dict) -> dict:
    """The catalog as its cached copy keeps it: every entry and explanation marshalled
    on its own (`_Records`), so a run unpacks only the ones it looks up, and the code
    index as three flat columns (codes ascending, where each code's run of entry
    numbers ends, the entry numbers), which load without building a dict."""
    from array import array

    if raw.get("schema") != SCHEMA:
        raise ValueError(f"catalog schema {raw.get('schema')!r}, expected {SCHEMA}")
    keys = list(raw["explanations"])
    at = {k: i for i, k in enumerate(keys)}
    by_code: dict[int, list[int]] = {}
    by_status: dict[str, list[int]] = {}
    for i, r in enumerate(raw["entries"]):
        if r["kind"] == "code":
            by_code.setdefault(r["code"], []).append(i)
        elif r["kind"] == "http":
            by_status.setdefault(r["status"], []).append(i)
    codes = sorted(by_code)
    entries, entry_ends = _back_to_back(
        [{**r, "explanation_at": at[r["explanation"]]} for r in raw["entries"]])
    explanations, explanation_ends = _back_to_back([raw["explanations"][k] for k in keys])
    return {"sources": raw.get("sources", {}),
            "entries": entries, "entry_ends": entry_ends,
            "explanations": explanations, "explanation_ends": explanation_ends,
            "explanation_keys": marshal.dumps(keys),
            "codes": array("i", codes).tobytes(),
            "code_ends": array("I", _ends(len(by_code[c]) for c in codes)).tobytes(),
            "code_entries": array("I", [i for c in codes for i in by_code[c]]).tobytes(),
            "by_status": by_status}


def _back_to_back(records: list[dict]) -> tuple[bytes, bytes]:
    from array import array

    parts = [marshal.dumps(r) for r in records]
    return b"".join(parts), array("I", _ends(len(p) for p in parts)).tobytes()


def _ends(sizes: Iterable[int]) -> list[int]:
    from itertools import accumulate

    return list(accumulate(sizes))


def parse(raw: dict) -> Catalog:
    """A catalog from the parsed JSON (the layout of data/catalog.json)."""
    return Catalog(pack(raw))


@lru_cache(maxsize=1)
def load() -> Catalog:
    """The bundled catalog, read once per process from package data."""
    from binance_doctor.errors import bundle

    catalog = Catalog(bundle.load("catalog.json", pack=pack, form=PACKED, lazy=LAZY))
    catalog.bundled = True          # the snapshot of its built entries may be used
    return catalog
