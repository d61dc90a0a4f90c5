"""Recall: the Binance errors a line can hold, however it is printed.

Owns the generic half of reading pasted text, which needs no client format:
codes printed in any error-like context (after `code`, `Error`, `[code] =>`,
in brackets, before a documented message, mangled as `code=2010` or
`- 1022`), documented messages (today's wordings and the older ones Binance
used) anywhere inside a line, and HTTP statuses in every common phrasing.
The catalog decides what is a Binance code and what is a Binance message:
JSON-RPC codes, errno values and other negative numbers are not.

`extract` runs the known client formats first and merges what this finds.
Pure; the index is built once per process from the catalog.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from binance_doctor.errors import wording
from binance_doctor.errors.catalog import Catalog, Entry, Kind, load
from binance_doctor.pattern import compiled

# A line that says it is about an error. A bare signed number counts as a code
# only in such a line, or right before or after its documented message.
_ERRORISH = compiled(r"(?i)err|exception|fail|code|msg|message|invalid|reject|warn|binance"
                     r"|\bapi\b|denied|refused|respon|returned|problem|illegal|报错|错误")

# -1021 standing alone: not inside a word, a date, a version, a path or a decimal.
_SIGNED = compiled(r"(?<![\w.\-/+])-(\d{4,5})(?![\d\-/]|[.:]\d)")
# "error - 1022: ..." (a code whose sign lost its place)
_SPACED = compiled(r"(?<![\w\-])-\s(\d{4,5})(?=\s*[:,])")
# After a word that names a code: Code = -2010, code=2010, Error Code:3045,
# [code] => -1104, error code -2014, ERROR: -1013, №1013. Never errno.
_NAMED = compiled(
    r"(?i)(?<![a-z])(?:error[ _]?code|err(?:or)?(?!no)|code|№)\]?\s*(?:[:=]>?|=>|is\b)?\s*"
    r"[\"'\[(]?\s*(?P<sign>-\s?)?(?P<n>\d{4,9})(?![\d\-/]|[.:]\d)")
# A code printed right before or after its message: "4014: Price ...", "... (-1116)".
_BEFORE = compiled(r"(?:^|[\s\[({\"'=:])(?P<sign>-\s?)?(?P<n>\d{4,5})\s*[\]):,=\-]*\s*[\"'{]?\s*$")
_AFTER = compiled(r"^[\s\"'.]*[(\[]\s*(?P<sign>-)?(?P<n>\d{4,5})\s*[)\]]")
# "1001 error" at the start of a line: a code whose minus sign was dropped, read only in
# this tight form (one word "error" right after it), never a date, a count or a port.
# What follows "error" says whether the number is a code ("1021 error: Timestamp ...",
# "2015 error when placing orders") or counts or dates something ("1000 error responses",
# "2021 error report"): the line's end, punctuation, or a word that starts a clause.
_BARE = compiled(r"^[\s>*`\"'-]{0,3}(\d{4,5}) [Ee]rror(?![\w-])(?=\s*(?:$|[:,;.!?()\[\]\-–—]"
                 r"|(?:when|while|on|in|from|with|for|after|at|during|again|is|was|"
                 r"calling|placing|trying|code|message|msg)\b))")
_RPC = range(-32768, -31999)      # JSON-RPC's reserved codes
# A signed number that is an amount (an asset or a unit follows it) or a request
# parameter's value (after "?name=" or "&name=") is not a code.
_AMOUNT = compiled(r"\s?(?:%|(?:USDT|USDC|FDUSD|BUSD|TUSD|USD|BTC|ETH|BNB|EUR|TRY|ms|sec|seconds?)\b)")
_QUERY_VALUE = compiled(r"[?&][\w.\[\]]+=\s*$")
# Other software's numbers in the codes' range, printed unsigned after "code" or
# "error" or before "error": WebSocket close codes (RFC 6455 registers 1000-1015;
# "code = 1006 (connection closed abnormally)", and -1000..-1015 are Binance codes
# too) and database errors (MySQL's "ERROR 1130 (HY000)", "(2013, 'Lost connection
# ...')"). Such a line's unsigned number is not read as a code; a signed one still is.
_WS_CLOSE = compiled(r"(?i)(?:web-?\s?socket\S*|\bwss?)\s+(?:is\s+)?(?:closed?|disconnect|error)"
                     r"|connection ?closed|close (?:code|frame|status|reason)"
                     r"|closed? with (?:code|status)|going away|abnormal")
_DATABASE = compiled(r"(?i)mysql|mariadb|sqlstate|\bsql\b|sqlalchemy|psycopg|sqlite|postgres"
                     r"|\((?:HY|\d\d)[0-9A-Z]{3}\)")

# The reason phrases a status is printed with ("429 Too Many Requests"), and Java's
# HttpStatus names: scan keys a status-like number by value when one follows it.
REASONS = (r"Forbidden|I'm\ a\ Teapot|Too\ Many\ Requests|Unauthorized|Bad\ Request"
           r"|Unavailable\ For\ Legal\ Reasons|Internal\ Server\ Error|Bad\ Gateway"
           r"|Service\ Unavailable|Gateway\ Time-?out|Client\ Error|Server\ Error")
JAVA_REASONS = ("FORBIDDEN|UNAUTHORIZED|BAD_REQUEST|TOO_MANY_REQUESTS|I_AM_A_TEAPOT"
                "|UNAVAILABLE_FOR_LEGAL_REASONS|INTERNAL_SERVER_ERROR|BAD_GATEWAY"
                "|SERVICE_UNAVAILABLE|GATEWAY_TIMEOUT")

# Statuses, in every common phrasing.
_STATUS = compiled(
    r"""(?ix)
    (?:^|[\s<(\[])HTTP/[\d.]+\s+(?P<a>[45]\d\d)\b           # status line (curl, http dumps)
    | <Response\ \[(?P<b>[45]\d\d)\]>                       # requests' repr
    | (?:status(?:[\ _-]?code)?|statusCode|HTTP\ status\ is|http[\ _-]?code|response[\ _-]?code
        |server\ response|returned\ code|does\ not\ indicate\ success)\\*['"]?\s*[:=]?\s*
        [^\w\s]{0,2}\s*(?:\D{0,3})(?P<c>[45]\d\d)\b
    | \b(?P<d>[45]\d\d)\ (?:""" + REASONS + r""")\b
    | \b(?P<e>[45]\d\d)\ \((?:Forbidden|Unauthorized|Bad\ Request|Too\ Many\ Requests)\)
    | \b(?P<m>[45]\d\d)\ (?-i:""" + JAVA_REASONS + r""")\b   # Java's HttpStatus: 429 TOO_MANY_REQUESTS
    | <title>\s*(?P<l>[45]\d\d)\b                           # an error page's title
    | <H1>(?P<f>[45]\d\d)\ ERROR</H1> | ^[\s>"'*`]*(?P<g>[45]\d\d)\ ERROR\W*$   # CloudFront's page
    | \bHTTP\ (?P<h>[45]\d\d)\b
    | \((?P<i>[45]\d\d)\)\ ?(?=[A-Za-z])                       # (403) Not allowed, GET (400) url
    | \((?P<j>[45]\d\d),\ None,                               # connector ClientError, no body
    | \[(?P<k>GatewayTimeout|ServiceUnavailable|BadGateway|InternalServerError|TooManyRequests
        |Forbidden|Unauthorized|BadRequest)\]                 # .NET HttpStatusCode names
    """)
# What scan looks for in bulk, before reading a line of a big log (see `anchors`).
# A status reportable with no body after one of these, not followed by a digit:
# `403 Forbidden`, `(429, None,`, `[503]`, `status=418`, `"451"`, `<H1>403`.
STATUS_BEFORE = b" [(>:=\"'"
# Words (lower case) that make a line say it is about an error: a message without its
# code, or a code printed unsigned after them, is looked for in such lines.
ERROR_WORDS = (b"error",)
# ccxt prints documented messages without their code after the exchange's id.
CCXT = rb"binance(?:usdm|coinm)? [A-Z]"


class Anchors(NamedTuple):
    """What a line of a big log must hold for scan to read it (scan finds these over
    whole buffers): a signed code that is a Binance code, a status that is an error
    alone in one of its phrasings, an error word, or ccxt's form."""

    codes: frozenset[int]        # n for each Binance code -n of 4 or 5 digits
    statuses: frozenset[int]     # statuses reportable with no body
    status_before: bytes         # a status is read after one of these bytes
    words: tuple[bytes, ...]     # lower case
    ccxt: bytes                  # a regex over the line's bytes


@lru_cache(maxsize=4)
def anchors(catalog: Catalog) -> Anchors:
    """The anchors, from the catalog's own codes and the reader's own statuses."""
    from binance_doctor.errors.extract import _ALONE

    codes = frozenset(-c for c in catalog.codes if -100_000 < c <= -1000)
    codes |= frozenset(-int(c) for c in catalog._unofficial if c.startswith("-")
                       and 5 <= len(c) <= 6)
    return Anchors(codes, frozenset(_ALONE), STATUS_BEFORE, ERROR_WORDS, CCXT)


_NAMED_STATUS = {"gatewaytimeout": 504, "serviceunavailable": 503, "badgateway": 502,
                 "internalservererror": 500, "toomanyrequests": 429, "forbidden": 403,
                 "unauthorized": 401, "badrequest": 400}
STATUS_WORDS = ("HTTP", "tatus", "<Response", "(4", "(5", " 4", " 5", "<H1>", "<title>", "ode", "4", "5",
                "]")

# HTTP reason phrases: a few documented messages read the same, but in a paste they
# are what every HTTP stack prints next to a status.
_REASONS = frozenset(("bad request", "unauthorized", "forbidden", "not found",
                      "too many requests", "internal server error", "internal error",
                      "bad gateway", "service unavailable", "gateway timeout",
                      "request timeout", "method not allowed", "conflict"))


class Code(NamedTuple):
    start: int
    end: int
    code: int
    how: str                  # "signed", "named", "next to its message"


class Message(NamedTuple):
    start: int
    end: int
    text: str                 # as printed (unescaped), "…" where it was cut
    wordings: tuple[tuple[str, Entry, str | None], ...]   # (template, entry, replaced)


def is_binance_code(catalog: Catalog, code: int, message: str | None = None) -> bool:
    """The catalog decides: documented codes and those Binance is observed to send.
    A code in JSON-RPC's reserved range counts only with the message Binance sends."""
    if code in _RPC:
        known = catalog.undocumented(code)
        return bool(known and message and _norm(known["message"]) in _norm(message))
    return catalog.is_code(code)


def codes(text: str, catalog: Catalog | None = None) -> list[Code]:
    """Codes printed in the line in any error-like context, left to right."""
    catalog = catalog or load()
    found: dict[int, Code] = {}
    for m in _NAMED.finditer(text):
        n = int(m.group("n"))
        if not m.group("sign") and _foreign(text, n):
            continue
        for code in ((-n,) if m.group("sign") else (-n, n)):
            if abs(code) >= 100_000 and code < 0:
                continue
            if is_binance_code(catalog, code):
                found.setdefault(m.start("n"), Code(m.start(), m.end(), code, "named"))
                break
    bare = _BARE.match(text)
    if bare and is_binance_code(catalog, -int(bare.group(1))) and bare.start(1) not in found \
            and not _foreign(text, int(bare.group(1))):
        found[bare.start(1)] = Code(bare.start(1), bare.end(1), -int(bare.group(1)), "bare")
    errorish = None
    for rx in (_SIGNED, _SPACED):
        for m in rx.finditer(text):
            if m.start(1) in found or not is_binance_code(catalog, -int(m.group(1))):
                continue
            if _AMOUNT.match(text, m.end()) or _QUERY_VALUE.search(text, 0, m.start()):
                continue        # "pnl -2015 USDT", "?startTime=-1021&...": a value
            if errorish is None:
                errorish = bool(_ERRORISH.search(text))
            if errorish:
                found[m.start(1)] = Code(m.start(), m.end(), -int(m.group(1)), "signed")
    if "_" in text:
        found.update(_by_name(text, catalog, {c.code for c in found.values()}))
    return sorted(found.values())


def _foreign(text: str, n: int) -> bool:
    """An unsigned number that the line says is another program's (see _WS_CLOSE)."""
    return bool(1000 <= n <= 1015 and _WS_CLOSE.search(text) or _DATABASE.search(text))


# A documented code name as a whole token: NEW_ORDER_REJECTED, INVALID_TIMESTAMP.
_NAME = compiled(r"(?<![\w-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])")


def _by_name(text: str, catalog: Catalog, seen: set[int]) -> dict[int, Code]:
    """Codes whose documented name the line prints as a token, in an error-like line;
    a name on several codes gives the one it names on the most products. Never a
    filter's name (MIN_NOTIONAL is a filter too), nor a code the line prints."""
    names = code_names(catalog)
    out: dict[int, Code] = {}
    tokens = [m for m in _NAME.finditer(text) if m.group() in names or m.group() in _STATUS_NAMES]
    if len({m.group() for m in tokens}) > 1:
        return out          # several names on one line: a list of them (a config, docs)
    tokens = [m for m in tokens if m.group() in names]
    for m in tokens:
        codes = names[m.group()]
        # The context must say "error" by itself: every name says INVALID or REJECTED.
        if not _ERRORISH.search(f"{text[:m.start()]} {text[m.end():]}"):
            continue
        code = _named_code(text, codes)
        if code not in seen:
            seen.add(code)
            out[m.start()] = Code(m.start(), m.end(), code, "name")
    return out


def _named_code(text: str, codes: dict[int, tuple[str, ...]]) -> int:
    """The code a name stands for: where it names several (TOO_MANY_REQUESTS is -1003,
    but -1008 on options), the one of the product the line names; else the one it
    names on the most products."""
    if len(codes) > 1:
        from binance_doctor.errors.origin import product_hints

        for hint in sorted(product_hints(text), key=lambda h: h.tier):
            on = [c for c, products in codes.items() if hint.product.value in products]
            if len(on) == 1:
                return on[0]
    return max(codes, key=lambda c: (len(codes[c]), c))


# HTTP and gRPC status constants (HttpStatus.NOT_FOUND, "429 TOO_MANY_REQUESTS",
# StatusCode.NOT_FOUND) that are also code names: in a paste they are the status an
# HTTP stack printed, not Binance's code.
_STATUS_NAMES = frozenset(r.upper().replace(" ", "_") for r in _REASONS)


@lru_cache(maxsize=4)
def code_names(catalog: Catalog) -> dict[str, dict[int, tuple[str, ...]]]:
    """Each documented code name of two words or more: {code: products that use it}."""
    filters = {e.filter for e in catalog.of_kind(Kind.FILTER)}
    out: dict[str, dict[int, tuple[str, ...]]] = {}
    for e in catalog.of_kind(Kind.CODE):
        name = e.name or ""
        if "_" in name and name.isupper() and name not in filters and name not in _STATUS_NAMES:
            by_code = out.setdefault(name, {})
            by_code[e.code] = by_code.get(e.code, ()) + tuple(p.value for p in e.products)
    return out


def code_next_to(text: str, message: Message, catalog: Catalog | None = None) -> Code | None:
    """A code printed right before or after a message that it is documented with."""
    catalog = catalog or load()
    before = _BEFORE.search(text[max(0, message.start - 24):message.start])
    after = _AFTER.match(text[message.end:message.end + 16])
    for m, at in ((before, max(0, message.start - 24)), (after, message.end)):
        if m is None:
            continue
        n = int(m.group("n"))
        for code in ((-n,) if m.group("sign") else (-n, n)):
            # Its own code, or any Binance code printed with its sign beside it.
            if any(code in _codes_of(e) for _, e, _ in message.wordings) or (
                    m.group("sign") and is_binance_code(catalog, code)):
                return Code(at + m.start(), at + m.end(), code, "next to its message")
    return None


def messages(text: str, catalog: Catalog | None = None) -> list[Message]:
    """Documented messages (and older wordings) inside the line, longest first where
    they overlap, left to right."""
    index = wording.index(catalog or load())
    plain = unescape(text)
    low = plain.lower()
    if len(low) != len(plain):                  # lower() moved offsets: read the lower
        plain = low
    # In the line's order, not a set's: a set's order changes from run to run (hash
    # seeds), and which of two wordings of one span is read first must not.
    words = dict.fromkeys(wording.WORD.findall(low))
    hits: list[tuple[int, int, str, wording.Wording]] = []
    errorish = None
    for w in words:
        for one in index.by_word.get(w, ()):
            got = wording.find(one, low, plain)
            if got is None:
                continue
            start, end, shown = got
            if _norm(shown) in _REASONS:
                continue            # an HTTP status's reason phrase, said by any server
            if one.short or _lost_determiner(one.template, shown):
                if errorish is None:
                    errorish = bool(_ERRORISH.search(low))
                # A short wording ("User not found", "Invalid symbol") is Binance's only
                # as a whole clause of an error line, not inside a longer sentence
                # ("user not found in table accounts").
                if not ((errorish and _clause(low, start, end)) or _alone(low, start, end)
                        or _beside_code(low, start, end)):
                    continue
            hits.append((start, end, shown, one))
    if wording.looks_cut(low):
        for w in words:
            for one in index.by_lead.get(w, ()):
                got = wording.find_cut(one, low, plain)
                if got is not None:
                    hits.append((*got, one))
    for w in words:
        for head, members in index.heads.get(w, ()):
            got = wording.find_head(head, low, plain)
            if got is not None and not any(h[0] <= got[0] < h[1] for h in hits):
                hits += [(*got, one) for one in members]
    # Of wordings that cover one span, the one with more literal text first: "Quantity
    # less than zero." is -4003's own wording, and only fills in -4026's "%s less than
    # zero.", so the message implies -4003.
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), -wording.literal_size(h[3].template)))
    out: list[Message] = []
    for start, end, shown, one in hits:
        if out and start < out[-1].end:
            last = out[-1]
            if (start, end) == (last.start, last.end) and all(
                    w[1] is not one.entry for w in last.wordings):
                out[-1] = last._replace(wordings=last.wordings + (
                    (one.template, one.entry, one.replaced),))
            continue
        out.append(Message(start, end, shown, ((one.template, one.entry, one.replaced),)))
    return out


def implied_code(message: Message) -> int | None:
    """The code a message comes with when none is printed: a code's own message gives
    it; a matching-engine message gives the code a source saw it sent with, else -2011
    when it is about a cancel, -2038 about an amend, -2010 (a new order) otherwise; a
    filter failure gives its first code. The other codes it can come with stay in its
    entry's `codes`."""
    for _, entry, _ in message.wordings:
        if entry.kind in (Kind.CODE, Kind.CLIENT):
            return entry.code
    for template, entry, _ in message.wordings:
        if entry.kind is Kind.MESSAGE:
            if entry.observed is not None:
                return entry.observed[0]
            low = template.lower()
            want = -2011 if "cancel" in low or "unknown order" in low else (
                -2038 if "amend" in low else -2010)
            return want if want in entry.codes else (entry.codes[0] if entry.codes else None)
        if entry.kind is Kind.FILTER and entry.codes:
            return entry.codes[0]
    return None


def possible_codes(message: Message) -> tuple[int, ...]:
    """Every code the message can be sent with."""
    return tuple(dict.fromkeys(c for _, e, _ in message.wordings for c in _codes_of(e)))


def implied_status(message: Message) -> int | None:
    for _, entry, _ in message.wordings:
        if entry.kind is Kind.HTTP and entry.status and entry.status.isdigit():
            return int(entry.status)
    return None


# In every phrasing of _STATUS but the .NET names (in brackets), the status is a run of
# exactly three digits: a line without one, and without a '[', needs no search (~30 us
# a line: no branch starts with a literal the regex engine could skip to).
_THREE = compiled(r"(?<!\d)[45]\d\d(?!\d)")


def status(text: str) -> int | None:
    """The HTTP status a line states, in any common phrasing."""
    if not any(w in text for w in STATUS_WORDS):
        return None
    if "[" not in text and not _THREE.search(text):
        return None
    m = _STATUS.search(text)
    if not m:
        return None
    value = next(g for g in m.groups() if g)
    return _NAMED_STATUS[value.lower()] if value.isalpha() else int(value)


def unescape(text: str) -> str:
    """One level of JSON/Python string escaping undone, lengths kept where possible."""
    if "\\" not in text:
        return text
    return (text.replace('\\\\"', '"').replace('\\"', '"').replace("\\'", "'")
            .replace("\\n", " \n"[1:] + " ").replace("\\t", "  "))


def _codes_of(entry: Entry) -> tuple[int, ...]:
    return (entry.code,) if entry.code is not None else entry.codes


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(". ").lower()


def _alone(low: str, start: int, end: int) -> bool:
    """A short message that is all its line says, or stands in quotes."""
    before, after = low[:start].strip(" \t>*`-:"), low[end:].strip(" \t.*`!")
    if not before and not after:
        return True
    return low[start - 1:start] in ("\"", "'", "“") or low[end:end + 1] in ("\"", "'", "”")


_CLAUSE_AFTER = frozenset(".\"')]},;:!?|*`”\\")


def _clause(low: str, start: int, end: int) -> bool:
    """The text ends a clause: the line's end or punctuation follows it, not more words
    of the same sentence ("user not found in table accounts")."""
    after = low[end:].lstrip()
    return not after or after[0] in _CLAUSE_AFTER or low[end - 1:end] in (".", "…")


def _lost_determiner(template: str, shown: str) -> bool:
    """Found without the determiner its template starts with ("operation is not
    supported" for "This operation is not supported."): a phrase that short is as
    common as a short wording."""
    lead = template.split(" ", 1)[0].lower()
    return f"{lead} " in wording.DETERMINERS and not shown.lower().startswith(lead)


def _beside_code(low: str, start: int, end: int) -> bool:
    """A number right before or after the message, as codes are printed next to theirs."""
    return bool(_BEFORE.search(low[max(0, start - 24):start]) or _AFTER.match(low[end:end + 16]))
