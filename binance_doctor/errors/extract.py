"""Finding Binance errors in whatever people paste: tracebacks, log lines, transcripts.

Owns the formats client libraries print errors in (raw JSON bodies, Python
reprs, python-binance, the official connectors and SDKs, ccxt, go-binance,
Binance.Net, hummingbot/freqtrade/jesse log lines, `curl -v` transcripts,
bare 4xx pages) and the rules that tell which product an error came from
(hosts, paths, client class names). Pure and streaming: a `Reader` is fed
lines and hands back `Found` errors; `find_all` runs one over a whole text.
It never raises on any input: unknown shapes simply yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from binance_doctor.errors.origin import CLIENT, Hint, product_hint, product_hints  # noqa: F401 - product_hint is extract's API too
from binance_doctor.pattern import compiled
from binance_doctor.product import Product

# Headers worth carrying along with an error (lower-cased names).
_HEADER = compiled(
    r"""(?ix)
    (?P<name>retry-after|x-mbx-used-weight(?:-\d+[smhd])?|x-mbx-order-count-\d+[smhd])
    \\*['"]?\s*[:=]\s*\\*['"]?\s*(?P<value>\d+)""")

# A JSON-ish object with a negative "code" (JSON, a Python repr, JSON escaped inside a
# JSON string, node's util.inspect) and, usually, a "msg" next to it.
_Q = r"""(?:\\*["'])?"""
_VALUE = r"""(?P<vq>\\*["'])(?P<msg>.{0,2000}?)(?P=vq)(?=\s*(?:[,}\])]|$))"""
_CODE = r"(?P<code>0|-\d{4,5})"
_CODE_FIRST = compiled(
    r"(?<![\w-])" + _Q + r"code" + _Q + r"\s*:\s*" + _CODE + r"\s*"
    r"(?:,\s*" + _Q + r"msg" + _Q + r"\s*:\s*" + _VALUE + r"|(?=\s*[,}]))")
_MSG_FIRST = compiled(
    r"(?<![\w-])" + _Q + r"msg" + _Q + r"\s*:\s*" + _VALUE
    + r"\s*,\s*" + _Q + r"code" + _Q + r"\s*:\s*" + _CODE)

_FORMATS: dict[str, re.Pattern[str]] = dict((
    # python-binance: APIError(code=-1021): msg / BinanceOrderException(code=-1013): msg
    ("python-binance", compiled(
        r"(?:APIError|BinanceOrderException)\(code=(?P<code>-?\d{1,6})\):\s*(?P<msg>.*)")),
    # go-binance: <APIError> code=-1021, msg=...
    ("go-binance", compiled(r"<APIError> code=(?P<code>-?\d{1,6}), msg=(?P<msg>.*)")),
    # binance-connector (python) ClientError: (400, -1021, 'msg', {headers}, data)
    ("binance-connector", compiled(
        r"\((?P<status>\d{3}), (?P<code>-?\d{1,6}|None), (?P<vq>['\"])(?P<msg>.{0,2000}?)"
        r"(?P=vq), \{")),
    # binance_common (binance-sdk-*) errors: BadRequestError: (-1021, 'msg'). The class
    # name starts a word and is bounded: an unbounded \w+ retried from every place in a
    # long run of word characters took minutes on one 1.5 MB line.
    ("binance-sdk", compiled(
        r"(?:\b(?P<cls>\w{1,60}Error)(?:: )?)?\((?P<code>-\d{4,5}), (?P<vq>['\"])"
        r"(?P<msg>.{0,2000}?)"
        r"(?P=vq)\)")),
    # ccxt turns some documented messages into its own classes and drops the code:
    # InsufficientFunds: binance Account has insufficient balance for requested action.
    ("ccxt-message", compiled(
        r"\bbinance(?:usdm|coinm)? (?!(?:GET|POST|PUT|DELETE) )(?P<msg>[A-Z][\w'-]*(?: [^{}\s]+)"
        r"{2,60}?)(?:['\"]\)?)?$")),
    # Binance.Net / CryptoExchange.Net: [ServerError] -1021: msg
    ("binance.net", compiled(r"\[(?:\w*Error)(?:\.\w+)?\] (?P<code>-\d{1,6}): (?P<msg>.*)")),
))
# Which formats are worth trying on a line, by a substring each needs.
_NEEDS = (("code", ("python-binance", "go-binance")),
          ("(", ("binance-connector", "binance-sdk")),
          ("binance", ("ccxt-message",)),
          ("] -", ("binance.net",)))

# Statuses that are errors worth reporting even with no JSON body.
# 400 and 401 too: with no body in sight, the status is all there is to explain.
_ALONE = frozenset({400, 401, 403, 408, 418, 429, 451}) | frozenset(range(500, 600))
# Class names of errors that imply a status (binance_common, node connectors).
_CLASS_STATUS = {"BadRequestError": 400, "UnauthorizedError": 401, "ForbiddenError": 403,
                 "NotFoundError": 404, "RateLimitBanError": 418, "TooManyRequestsError": 429}

# Lines longer than this are only searched in their first part: 10 MB lines of noise
# must not cost a regex run each over all of it.
MAX_LINE = 256 * 1024
# A status line, headers or a host stay attached to errors for this many lines.
WINDOW = 40
_CLIP = 400
_MAX_HINTS = 16
_TRANSCRIPT = ("<", ">", "* ", "{ [")      # curl -v line prefixes


@dataclass(frozen=True)
class Found:
    """One Binance error found in text, with what the text says about it."""

    line: int                               # 1-based line of the text
    code: int | None = None                 # None for a bare HTTP status
    message: str | None = None
    status: int | None = None               # HTTP status, when the text shows it
    product: Product | None = None          # None when the text cannot tell
    product_from: str | None = None         # what told the product ("path /fapi/")
    form: str = "json"                      # which format it was recognised in
    headers: tuple[tuple[str, str], ...] = ()
    waf: bool = False                       # an HTML block page (WAF/CDN), not Binance's JSON
    code_from: str | None = None            # "message": no code printed, its message gives it
    # Every product the text points at near the error, strongest evidence first.
    hints: tuple[Hint, ...] = ()
    # Where the raw message sits in its line (before unescaping and clipping): lets a
    # caller that has seen the same line shape before read the message of a new one.
    message_at: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple:
        """Identity for telling repeats of the same error apart from new ones."""
        return (self.code, self.message, self.status, self.product)


def _with(found: Found, **changes: object) -> Found:
    """`dataclasses.replace` for a Found, without its per-call field walk (scan calls
    this for every error line read in context: about 7x faster)."""
    new = object.__new__(Found)
    new.__dict__.update(found.__dict__, **changes)
    return new


class Line(NamedTuple):
    """What one line says on its own (`analyse`), before the lines around it count."""

    transcript: bool                          # a curl -v line, or blank
    hints: tuple[Hint, ...]
    headers: tuple[tuple[str, str], ...]      # (lower-case name, value)
    # (code, msg, form, status, where msg is, code_from) for each error, left to right
    codes: tuple[tuple, ...]
    status: int | None
    waf: bool
    status_form: str


def analyse(text: str) -> Line:
    """Read one line on its own: a pure function of its text. Never raises."""
    text = text[:MAX_LINE]
    headers: tuple[tuple[str, str], ...] = ()
    if "etry" in text or "mbx" in text or "MBX" in text:
        headers = tuple((m.group("name").lower(), m.group("value"))
                        for m in _HEADER.finditer(text))
    try:
        codes = tuple(_codes(text))
    except RecursionError:  # pragma: no cover - regexes here do not recurse
        codes = ()
    return Line(text.startswith(_TRANSCRIPT) or not text.strip(), tuple(product_hints(text)),
                headers, codes, _status(text), _is_waf(text), _status_form(text))


@dataclass
class _Context:
    """What recent lines said: bounded, so memory stays flat on any input."""

    hints: list[tuple[int, Hint]] = field(default_factory=list)   # (line, hint), bounded
    headers: dict[str, tuple[int, str]] = field(default_factory=dict)
    pending: Found | None = None            # a status seen, waiting for its body
    held: Found | None = None               # a code that ended its line, waiting one line
    chain_end: int = 0                      # last line of the status's own transcript


class Reader:
    """Feed lines in order; get back the errors each completes.

    A status line and its headers are held for a few lines so the JSON body
    that follows is reported once, with them; a status with no body is
    reported when the window passes or at `close()`.
    """

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self._ctx = _Context()

    def feed(self, line_no: int, text: str) -> list[Found]:
        return self.apply(line_no, analyse(text))

    def apply(self, line_no: int, line: Line) -> list[Found]:
        """Feed a line already read (`analyse`): what it says joins what came before."""
        out = self.expire(line_no)
        self._line(line_no, line, out)
        return self._hold(line_no, out, line.transcript and not line.codes and line.status is None)

    def expire(self, line_no: int) -> list[Found]:
        """The status whose wait for a body ends before `line_no`, reported."""
        ctx = self._ctx
        if ctx.pending is None or line_no - ctx.pending.line <= self.window:
            return []
        pending, ctx.pending = ctx.pending, None
        return [self._finish(pending)]

    def close(self) -> list[Found]:
        held, self._ctx.held = self._ctx.held, None
        pending, self._ctx.pending = self._ctx.pending, None
        return ([held] if held is not None else []) + (
            [self._finish(pending)] if pending is not None else [])

    def _hold(self, line_no: int, out: list[Found], quiet: bool) -> list[Found]:
        """A code printed last on its line ("... Code = -1013", a pretty-printed body's
        "code" line) is held for its next line, blank lines skipped: when that line is a
        message it can be sent with ("Market is closed."), the message is its own, not a
        second error with a code of its own."""
        ctx = self._ctx
        held, ctx.held = ctx.held, None
        if held is not None and not out and quiet and line_no - held.line < _HOLD:
            ctx.held = held           # a blank line between a code and its message
            return out
        if held is not None:
            first = out[0] if out else None
            if first is not None and first.line == line_no and line_no - held.line <= _HOLD \
                    and first.code_from == "message" and first.message \
                    and held.code in _sent_with(first.message):
                out[0] = _with(held, message=first.message,
                                 hints=tuple(dict.fromkeys(held.hints + first.hints)))
            else:
                out.insert(0, held)
        last = out[-1] if out else None
        if last is not None and last.line == line_no and last.form in ("text", "json") \
                and last.code is not None and last.code_from is None and last.message is None:
            ctx.held = out.pop()
        return out

    def idle(self, line_no: int, waiting: bool = False) -> bool:
        """True when nothing fed so far can change what `line_no` yields: no status
        waits for its body, and no host or header seen is near enough to attach.
        A line fed in this state yields what its text alone says; if the reader is
        idle again on the next line, the line left nothing behind either.

        With `waiting`, for a line with a code of its own or with no status at all: a
        status may wait for its body when this line can neither be that body (it is
        past the status's transcript) nor end the wait (it is inside the window).
        Such a line leaves the status as it is and yields what its text alone says."""
        ctx = self._ctx
        pending = ctx.pending
        if pending is not None and not (waiting and ctx.chain_end + 1 < line_no
                                        and line_no - pending.line <= self.window):
            return False
        if ctx.held is not None:
            return False
        if ctx.hints and line_no - ctx.hints[-1][0] <= self.window:
            return False
        # No header near enough to attach to this line, nor to the waiting status: a
        # coded line's own _finish clears them all, so skipping it must find none.
        near = line_no if pending is None else pending.line
        return all(near - at > self.window for at, _ in ctx.headers.values())

    def empty(self) -> bool:
        """Nothing fed so far is kept: no status waits, no code is held, no host or
        header is remembered. Then `idle` holds for any line, and nothing expires."""
        ctx = self._ctx
        return ctx.pending is None and ctx.held is None and not ctx.hints and not ctx.headers

    def waits(self, line_no: int, pending: Found) -> None:
        """Feed an idle reader a line that states a status and nothing else (no code,
        no header): `pending` is what a line of the same text left waiting (see
        `waiting`), here taken to this line."""
        ctx = self._ctx
        ctx.hints.clear()                 # the status took the hints near it
        ctx.pending = _with(pending, line=line_no)
        ctx.chain_end = line_no

    def lines_held(self) -> tuple[int, ...]:
        """The lines of what is still to be reported: a status waiting for its body,
        a code held for its message."""
        ctx = self._ctx
        return tuple(f.line for f in (ctx.pending, ctx.held) if f is not None)

    @property
    def held(self) -> Found | None:
        """A code held for its message on the next line, if any."""
        return self._ctx.held

    @property
    def waiting(self) -> Found | None:
        """The status waiting for its body, if any."""
        return self._ctx.pending

    # -- one line ------------------------------------------------------------

    def _line(self, line_no: int, line: Line, out: list[Found]) -> None:
        ctx = self._ctx
        if ctx.pending is not None and line_no == ctx.chain_end + 1 and line.transcript:
            ctx.chain_end = line_no         # still the headers of the pending response
        for hint in line.hints:
            ctx.hints.append((line_no, hint))
        del ctx.hints[:-_MAX_HINTS]
        for name, value in line.headers:
            ctx.headers[name] = (line_no, value)
        codes, status, waf = line.codes, line.status, line.waf
        if codes:
            for code, msg, form, own_status, at, code_from in codes:
                found = Found(line_no, code, msg, own_status or status, form=form,
                              message_at=at, code_from=code_from)
                out.append(self._finish(self._absorb(found, line_no)))
            return
        if status is None and waf:
            status = 403
        if status is None and ctx.pending is not None and waf:
            ctx.pending = _with(ctx.pending, waf=True)
            return
        if status is None:
            return
        found = self._product(Found(line_no, None, None, status, form=line.status_form,
                                    waf=waf))
        if ctx.pending is not None:
            if ctx.pending.status == status:
                ctx.pending = _with(ctx.pending, waf=ctx.pending.waf or waf)
                return
            out.append(self._finish(ctx.pending))
        ctx.pending = found
        ctx.chain_end = line_no

    def _absorb(self, found: Found, line_no: int) -> Found:
        """A body after a status line: one error, with the status and its headers."""
        ctx = self._ctx
        pending = ctx.pending
        if pending is None or line_no > ctx.chain_end + 1:
            return found                # not the body of that response: it stays pending
        ctx.pending = None
        if found.status is None:
            found = _with(found, status=pending.status, waf=pending.waf)
        if found.product is None and pending.product is not None:
            found = _with(found, product=pending.product, product_from=pending.product_from)
        return found

    def _finish(self, found: Found) -> Found:
        """Attach the headers and product of nearby lines; headers go to one error only."""
        ctx = self._ctx
        if not ctx.headers and not found.headers:
            return self._product(found)         # most errors: no header to attach
        near = {k: v for k, (at, v) in ctx.headers.items()
                if abs(found.line - at) <= self.window}
        ctx.headers.clear()
        return self._product(_with(found, headers=tuple(sorted(near.items()))))

    def _product(self, found: Found) -> Found:
        """The product named on or just before the error's line; a request's host and
        path belong to the one error that answers it."""
        ctx = self._ctx
        if not ctx.hints:
            return found                        # nothing named near it
        # A host, path or client class holds for the lines around it; a method name,
        # symbol or word only for its own line (the paste as a whole is explain's call).
        near = sorted((h for at, h in ctx.hints if abs(found.line - at) <= self.window
                       and (h.tier <= CLIENT or at == found.line)), key=lambda h: h.tier)
        ctx.hints.clear()
        if near:
            hints = tuple(dict.fromkeys(found.hints + tuple(near)))
            found = _with(found, hints=hints)
            top = {h.product for h in hints if h.tier == hints[0].tier}
            if found.product is None and len(top) == 1:   # one product named, not several
                found = _with(found, product=hints[0].product, product_from=hints[0].what)
        return found


def find_all(text: str | bytes) -> tuple[Found, ...]:
    """Every Binance error in a text, in order. Never raises."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    reader = Reader()
    found: list[Found] = []
    for i, line in enumerate(text.splitlines(), 1):
        found += reader.feed(i, line)
    found += reader.close()
    return tuple(f for f in found if reportable(f))


def reportable(found: Found) -> bool:
    """A code, or a status that is an error on its own (not a 400 whose body was lost)."""
    return found.code is not None or (found.status is not None and found.status in _ALONE) \
        or (found.code is None and found.message is not None)


def _sent_with(message: str) -> set[int]:
    """Every code a documented message can be sent with."""
    from binance_doctor.errors.catalog import load

    return {c for m in load().match_message(message)
            for c in ((m.entry.code,) if m.entry.code is not None else m.entry.codes)}


def headers_of(text: str) -> dict[str, str]:
    return {m.group("name").lower(): m.group("value") for m in _HEADER.finditer(text)}


# -- the formats ---------------------------------------------------------------

def _codes(text: str) -> list[tuple[int | None, str | None, str, int | None,
                                   tuple[int, int] | None, str | None]]:
    """(code, msg, form, status, where msg is, code_from) for each error on a line,
    left to right: the known formats first, then what recall finds around them."""
    from binance_doctor.errors import recall
    from binance_doctor.errors.catalog import load

    catalog = load()
    hits: list[tuple] = []
    if "code" in text:
        for rx in (_CODE_FIRST, _MSG_FIRST):
            for m in rx.finditer(text):
                hits.append((m.start(), m.end(), _int(m.group("code")), _msg(m.group("msg")),
                             "json", None, _span(m)))
    for needed, forms in _NEEDS:
        if needed in text:
            _formats(text, forms, hits)
    hits.sort(key=lambda h: h[:6])   # the span never decides the order
    del hits[_MAX_PER_LINE:]
    out: list[list] = []
    end = -1
    for start, stop, code, msg, form, status, at in hits:
        if start < end:          # inside an error already taken (a body in a repr)
            continue
        client = catalog.client_entry(msg) if form == "python-binance" and (
            code == 0 or code in _ALONE) else None
        if client is not None and (code == 0 or code in _ALONE):
            # The client's own code for a body that was not JSON; some versions print
            # the HTTP status in its place.
            status, code = status or (code if code else None), client.code
        elif code is None or code == 0:
            if msg is not None and "restricted location" in msg:
                status = status or 451
            elif form != "ccxt-message":
                continue
            code = None
        elif code > 0:
            # A code that lost its sign (APIError(code=2010)), or one sent positive.
            if recall.is_binance_code(catalog, -code):
                code = -code
            elif not recall.is_binance_code(catalog, code):
                continue
        elif form == "json" and not recall.is_binance_code(catalog, code, msg) and not (
                code not in recall._RPC and "jsonrpc" not in text and "inance" in text):
            continue             # not Binance's: JSON-RPC, errno, any other negative number
        end = stop
        out.append([start, stop, code, msg, form, status, at, None])
    taken = [(h[0], h[1]) for h in out]
    for c in recall.codes(text, catalog):
        if not any(a <= c.start < b or a < c.end <= b for a, b in taken):
            out.append([c.start, c.end, c.code, None, "text", None, None,
                        "name" if c.how == "name" else None])
    plain = recall.unescape(text)
    exact = plain is text             # message offsets are offsets in the line itself
    # A line whose known formats gave every error its code and message holds no more.
    found = [] if out and all(h[2] is not None and h[3] for h in out) else recall.messages(
        text, catalog)
    for m in found:
        inside = next((h for h in out if h[0] <= m.start < h[1]
                       and (h[4] != "text" or h[7] == "name")), None)
        if inside is not None:
            code = recall.implied_code(m) if inside[2] is None else None
            if code is not None:
                inside[2], inside[7] = code, "message"
            continue
        near = max((h for h in out if h[3] is None and h[2] is not None and h[1] <= m.start
                    and not any(h[1] <= o[0] < m.start for o in out if o is not h)),
                   key=lambda h: h[1], default=None) or next(
            (h for h in out if h[3] is None and h[2] is not None and 0 <= h[0] - m.end <= 8),
            None)
        at = (m.start, m.end) if exact and not m.text.endswith("…") else None
        if near is not None:
            near[3], near[6] = _clip(m.text), at
            continue
        c = recall.code_next_to(plain, m, catalog)
        if c is not None:
            out.append([min(c.start, m.start), max(c.end, m.end), c.code, _clip(m.text), "text",
                        None, at, None])
            continue
        code, status = recall.implied_code(m), recall.implied_status(m)
        if code is None and status is None:
            continue
        out.append([m.start, m.end, code, _clip(m.text), "message", status, at,
                    "message" if code is not None else None])
    for h in out:
        if h[4] == "text" and h[3] is None:
            # After a code, what follows; a code's name is itself part of what is said.
            h[3], h[6] = _tail(text, h[0] if h[7] == "name" else h[1])
        if h[4] == "text" and h[7] is None and _IN_MSG.search(text[max(0, h[0] - 24):h[0]]):
            # {"msg":"-4009=...": the code opens a response's own msg, so what follows it
            # is Binance's wording, not someone's words about the error.
            h[4] = "json"
    out.sort(key=lambda h: h[0])
    del out[_MAX_PER_LINE:]
    return [(code, msg, form, status, at, code_from)
            for _, _, code, msg, form, status, at, code_from in out]


_IN_MSG = compiled(r"""msg\\*["']?\s*[:=]\s*\\*["']\s*$""")
_TAIL_END = compiled(r"\\*[\"']\s*[,}\]]")
_TAIL_START = compiled(r"^[\s:,=\-\])}>\"']*")


def _tail(text: str, end: int) -> tuple[str | None, tuple[int, int] | None]:
    """What a line says after a code with no documented message (its message, mostly),
    and where that sits in the line."""
    raw = text[end:end + 2 * _CLIP]
    start = end + _TAIL_START.match(raw).end()
    close = _TAIL_END.search(raw, start - end)     # the end of a quoted JSON value
    stop = end + (close.start() if close else len(raw.rstrip()))
    if stop - start < 3:
        return None, None
    return _msg(text[start:stop]), (start, stop)


def _clip(value: str) -> str:
    return value if len(value) <= _CLIP else value[:_CLIP] + "…"


def _formats(text: str, forms: tuple[str, ...], hits: list) -> None:
    for form in forms:
        for m in _FORMATS[form].finditer(text):
            groups = m.groupdict()
            status = _int(groups.get("status"))
            cls = groups.get("cls")
            if status is None and cls:
                status = _CLASS_STATUS.get(cls)
            hits.append((m.start(), m.end(), _int(groups.get("code")),
                         _msg(groups.get("msg")), form, status, _span(m)))


def _span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span("msg") if m.group("msg") is not None else None


def message_at(text: str, at: tuple[int, int]) -> str | None:
    """The message whose raw text sits at `at` in a line (see `Found.message_at`)."""
    return _msg(text[at[0]:at[1]])


def _status(text: str) -> int | None:
    from binance_doctor.errors import recall

    return recall.status(text)


def _status_form(text: str) -> str:
    if "HTTP/" in text:
        return "http"
    if "<Response [" in text:
        return "python-binance"
    return "status"


_WAF_WORDS = ("atisfied", "403 ERROR", "loudfront", "loudFront", "ccess Denied", "ccess denied")


def _is_waf(text: str) -> bool:
    if not any(w in text for w in _WAF_WORDS):
        return False
    low = text[:4096].lower()
    return ("request could not be satisfied" in low or "<h1>403 error</h1>" in low
            or "access denied" in low and "<html" in low or "cloudfront" in low)


def _int(value: str | None) -> int | None:
    if value is None or value == "None":
        return None
    try:
        return int(value)
    except ValueError:
        return None


_REPR_END = compiled(r"""['"]\)+$""")   # the end of Error('...') around a message
_MAX_PER_LINE = 64
_HOLD = 3            # lines a code that ended its line waits for its message


def _msg(value: str | None) -> str | None:
    if value is None:
        return None
    # Undo one level of JSON/Python escaping and trailing punctuation of a log line.
    value = value.replace('\\\\"', '"').replace('\\"', '"').replace("\\'", "'")
    value = _REPR_END.sub("", value.strip()).rstrip("'\"")
    if len(value) > _CLIP:
        value = value[:_CLIP] + "…"
    return value or None
