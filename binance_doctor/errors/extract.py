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
from dataclasses import dataclass, field, replace

from binance_doctor.product import Product

# Headers worth carrying along with an error (lower-cased names).
_HEADER = re.compile(
    r"""(?ix)
    (?P<name>retry-after|x-mbx-used-weight(?:-\d+[smhd])?|x-mbx-order-count-\d+[smhd])
    \\*['"]?\s*[:=]\s*\\*['"]?\s*(?P<value>\d+)""")

# A JSON-ish object with a negative "code" (JSON, a Python repr, JSON escaped inside a
# JSON string, node's util.inspect) and, usually, a "msg" next to it.
_Q = r"""(?:\\*["'])?"""
_VALUE = r"""(?P<vq>\\*["'])(?P<msg>.{0,2000}?)(?P=vq)(?=\s*(?:[,}\])]|$))"""
_CODE = r"(?P<code>0|-\d{4,5})"
_CODE_FIRST = re.compile(
    r"(?<![\w-])" + _Q + r"code" + _Q + r"\s*:\s*" + _CODE + r"\s*"
    r"(?:,\s*" + _Q + r"msg" + _Q + r"\s*:\s*" + _VALUE + r"|(?=\s*[,}]))")
_MSG_FIRST = re.compile(
    r"(?<![\w-])" + _Q + r"msg" + _Q + r"\s*:\s*" + _VALUE
    + r"\s*,\s*" + _Q + r"code" + _Q + r"\s*:\s*" + _CODE)

_FORMATS: dict[str, re.Pattern[str]] = dict((
    # python-binance: APIError(code=-1021): msg / BinanceOrderException(code=-1013): msg
    ("python-binance", re.compile(
        r"(?:APIError|BinanceOrderException)\(code=(?P<code>-?\d{1,6})\):\s*(?P<msg>.*)")),
    # go-binance: <APIError> code=-1021, msg=...
    ("go-binance", re.compile(r"<APIError> code=(?P<code>-?\d{1,6}), msg=(?P<msg>.*)")),
    # binance-connector (python) ClientError: (400, -1021, 'msg', {headers}, data)
    ("binance-connector", re.compile(
        r"\((?P<status>\d{3}), (?P<code>-?\d{1,6}|None), (?P<vq>['\"])(?P<msg>.{0,2000}?)"
        r"(?P=vq), \{")),
    # binance_common (binance-sdk-*) errors: BadRequestError: (-1021, 'msg')
    ("binance-sdk", re.compile(
        r"(?:(?P<cls>\w+Error)(?:: )?)?\((?P<code>-\d{4,5}), (?P<vq>['\"])(?P<msg>.{0,2000}?)"
        r"(?P=vq)\)")),
    # ccxt turns some documented messages into its own classes and drops the code:
    # InsufficientFunds: binance Account has insufficient balance for requested action.
    ("ccxt-message", re.compile(
        r"\bbinance(?:usdm|coinm)? (?!(?:GET|POST|PUT|DELETE) )(?P<msg>[A-Z][\w'-]*(?: [^{}\s]+)"
        r"{2,60}?)(?:['\"]\)?)?$")),
    # Binance.Net / CryptoExchange.Net: [ServerError] -1021: msg
    ("binance.net", re.compile(r"\[(?:\w*Error)(?:\.\w+)?\] (?P<code>-\d{1,6}): (?P<msg>.*)")),
))
# Which formats are worth trying on a line, by a substring each needs.
_NEEDS = (("code", ("python-binance", "go-binance")),
          ("(", ("binance-connector", "binance-sdk")),
          ("binance", ("ccxt-message",)),
          ("] -", ("binance.net",)))

# Statuses that are errors worth reporting even with no JSON body.
_ALONE = frozenset({403, 408, 418, 429, 451}) | frozenset(range(500, 600))
_STATUS = re.compile(
    r"""(?ix)
    (?:^|[\s<(\[])HTTP/[\d.]+\s+(?P<a>[45]\d\d)\b           # status line (curl, http dumps)
    | <Response\ \[(?P<b>[45]\d\d)\]>                       # requests' repr
    | (?:status(?:[\ _]?code)?|HTTP\ status\ is|statusCode)\\*['"]?\s*[:=]?\s*(?P<c>[45]\d\d)\b
    | \b(?P<d>403|418|429|451|50[0-4])\ (?:Forbidden|I'm\ a\ Teapot|Too\ Many\ Requests
        |Unavailable\ For\ Legal\ Reasons|Internal\ Server\ Error|Bad\ Gateway
        |Service\ Unavailable|Gateway\ Time-?out)\b
    | <H1>(?P<e>403)\ ERROR</H1>                              # CloudFront's block page
    | \bHTTP\ (?P<f>4\d\d|5\d\d)\b
    | \((?P<g>[45]\d\d),\ None,                               # connector ClientError, no body
    """)

# Class names of errors that imply a status (binance_common, node connectors).
_CLASS_STATUS = {"BadRequestError": 400, "UnauthorizedError": 401, "ForbiddenError": 403,
                 "NotFoundError": 404, "RateLimitBanError": 418, "TooManyRequestsError": 429}

# Where an error came from: host, path or client class, most specific first.
# Each hint has a literal (lower case) that must be in the line before its regex runs.
_PRODUCT_HINTS: tuple[tuple[str, re.Pattern[str], Product, str], ...] = tuple(
    (gate, re.compile(rx, re.I), product, what) for gate, rx, product, what in (
        ("/fapi/", r"/fapi/v\d", Product.USDM, "path /fapi/"),
        ("/dapi/", r"/dapi/v\d", Product.COINM, "path /dapi/"),
        ("/eapi/", r"/eapi/v\d", Product.OPTIONS, "path /eapi/"),
        ("/papi/", r"/papi/v\d", Product.PAPI, "path /papi/"),
        ("/sapi/", r"/sapi/v\d", Product.SAPI, "path /sapi/"),
        ("/api/", r"/api/v\d", Product.SPOT, "path /api/v3"),
        ("fapi.binance", r"\b(?:demo-)?fapi\.binance\.com\b", Product.USDM,
         "host fapi.binance.com"),
        ("dapi.binance", r"\b(?:demo-)?dapi\.binance\.com\b", Product.COINM,
         "host dapi.binance.com"),
        ("eapi.binance", r"\beapi\.binance\.com\b", Product.OPTIONS, "host eapi.binance.com"),
        ("papi.binance", r"\bpapi\.binance\.com\b", Product.PAPI, "host papi.binance.com"),
        ("binancefuture", r"\btestnet\.binancefuture\.com\b", Product.USDM,
         "host testnet.binancefuture.com"),
        ("binance.vision", r"\btestnet\.binance\.vision\b", Product.SPOT,
         "host testnet.binance.vision"),
        ("api", r"\b(?:demo-)?api\d?\.binance\.(?:com|us)\b", Product.SPOT,
         "host api.binance.com"),
        ("binanceusdm", r"\bbinanceusdm\b", Product.USDM, "ccxt binanceusdm"),
        ("binancecoinm", r"\bbinancecoinm\b", Product.COINM, "ccxt binancecoinm"),
        ("futures", r"\bUMFutures\b|\bum_futures\b|DerivativesTradingUsdsFutures"
         r"|usds_futures|UsdFuturesApi", Product.USDM, "USDⓈ-M futures client"),
        ("futures", r"\bCMFutures\b|\bcm_futures\b|DerivativesTradingCoinFutures"
         r"|coin_futures|CoinFuturesApi", Product.COINM, "COIN-M futures client"),
        ("options", r"DerivativesTradingOptions|derivatives_trading_options", Product.OPTIONS,
         "options client"),
        ("portfolio", r"DerivativesTradingPortfolioMargin|portfolio_margin", Product.PAPI,
         "portfolio margin client"),
        ("spot", r"binance_sdk_spot|\bSpotApi\b", Product.SPOT, "spot client"),
    ))

# Lines longer than this are only searched in their first part: 10 MB lines of noise
# must not cost a regex run each over all of it.
MAX_LINE = 256 * 1024
# A status line, headers or a host stay attached to errors for this many lines.
WINDOW = 40
_CLIP = 400
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
    # Where the raw message sits in its line (before unescaping and clipping): lets a
    # caller that has seen the same line shape before read the message of a new one.
    message_at: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple:
        """Identity for telling repeats of the same error apart from new ones."""
        return (self.code, self.message, self.status, self.product)


@dataclass
class _Context:
    """What recent lines said: bounded, so memory stays flat on any input."""

    product: tuple[int, Product, str] | None = None
    headers: dict[str, tuple[int, str]] = field(default_factory=dict)
    pending: Found | None = None            # a status seen, waiting for its body
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
        out: list[Found] = []
        ctx = self._ctx
        if ctx.pending is not None and line_no - ctx.pending.line > self.window:
            out.append(self._finish(ctx.pending))
            ctx.pending = None
        try:
            self._line(line_no, text[:MAX_LINE], out)
        except RecursionError:  # pragma: no cover - regexes here do not recurse
            pass
        return out

    def close(self) -> list[Found]:
        pending, self._ctx.pending = self._ctx.pending, None
        return [self._finish(pending)] if pending is not None else []

    def idle(self, line_no: int) -> bool:
        """True when nothing fed so far can change what `line_no` yields: no status
        waits for its body, and no host or header seen is near enough to attach.
        A line fed in this state yields what its text alone says; if the reader is
        idle again on the next line, the line left nothing behind either."""
        ctx = self._ctx
        if ctx.pending is not None:
            return False
        if ctx.product is not None and line_no - ctx.product[0] <= self.window:
            return False
        return all(line_no - at > self.window for at, _ in ctx.headers.values())

    # -- one line ------------------------------------------------------------

    def _line(self, line_no: int, text: str, out: list[Found]) -> None:
        ctx = self._ctx
        if ctx.pending is not None and line_no == ctx.chain_end + 1 and (
                text.startswith(_TRANSCRIPT) or not text.strip()):
            ctx.chain_end = line_no         # still the headers of the pending response
        hint = product_hint(text)
        if hint:
            ctx.product = (line_no, hint[0], hint[1])
        if "etry" in text or "mbx" in text or "MBX" in text:
            for m in _HEADER.finditer(text):
                ctx.headers[m.group("name").lower()] = (line_no, m.group("value"))
        codes = _codes(text)
        status = _status(text)
        waf = _is_waf(text)
        if codes:
            for code, msg, form, own_status, at in codes:
                found = Found(line_no, code, msg, own_status or status, form=form,
                              message_at=at)
                out.append(self._finish(self._absorb(found, line_no)))
            return
        if status is None and waf:
            status = 403
        if status is None and ctx.pending is not None and waf:
            ctx.pending = replace(ctx.pending, waf=True)
            return
        if status is None:
            return
        found = self._product(Found(line_no, None, None, status, form=_status_form(text),
                                    waf=waf))
        if ctx.pending is not None:
            if ctx.pending.status == status:
                ctx.pending = replace(ctx.pending, waf=ctx.pending.waf or waf)
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
            found = replace(found, status=pending.status, waf=pending.waf)
        if found.product is None and pending.product is not None:
            found = replace(found, product=pending.product, product_from=pending.product_from)
        return found

    def _finish(self, found: Found) -> Found:
        """Attach the headers and product of nearby lines; headers go to one error only."""
        ctx = self._ctx
        near = {k: v for k, (at, v) in ctx.headers.items()
                if abs(found.line - at) <= self.window}
        ctx.headers.clear()
        return self._product(replace(found, headers=tuple(sorted(near.items()))))

    def _product(self, found: Found) -> Found:
        """The product named on or just before the error's line; a request's host and
        path belong to the one error that answers it."""
        ctx = self._ctx
        if found.product is None and ctx.product and \
                abs(found.line - ctx.product[0]) <= self.window:
            found = replace(found, product=ctx.product[1], product_from=ctx.product[2])
        ctx.product = None
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


_HINT_WORDS = ("api", "binance", "utures", "ortfolio", "ption", "pot")


def product_hint(text: str) -> tuple[Product, str] | None:
    """The product a piece of text points at, and what in it says so (the most
    specific hint wins: a path over a host over a client class)."""
    if not any(w in text for w in _HINT_WORDS):
        return None
    low = text.lower()
    for gate, rx, product, what in _PRODUCT_HINTS:
        if gate in low and rx.search(text):
            return product, what
    return None


def headers_of(text: str) -> dict[str, str]:
    return {m.group("name").lower(): m.group("value") for m in _HEADER.finditer(text)}


# -- the formats ---------------------------------------------------------------

def _codes(text: str) -> list[tuple[int | None, str | None, str, int | None,
                                   tuple[int, int] | None]]:
    """(code, msg, form, status, where msg is) for each coded error on a line, left
    to right."""
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
    out = []
    end = -1
    for start, stop, code, msg, form, status, at in hits:
        if start < end:          # inside an error already taken (a body in a repr)
            continue
        end = stop
        if code is None or code == 0:
            if msg is not None and "restricted location" in msg:
                status = status or 451
            elif form != "ccxt-message":
                continue
            code = None
        elif code > 0:
            continue
        out.append((code, msg, form, status, at))
    return out


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


_STATUS_WORDS = ("HTTP", "tatus", "<Response", "(4", "(5", " 4", " 5", "<H1>")


def _status(text: str) -> int | None:
    if not any(w in text for w in _STATUS_WORDS):
        return None
    m = _STATUS.search(text)
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


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


_REPR_END = re.compile(r"""['"]\)+$""")   # the end of Error('...') around a message
_MAX_PER_LINE = 64


def _msg(value: str | None) -> str | None:
    if value is None:
        return None
    # Undo one level of JSON/Python escaping and trailing punctuation of a log line.
    value = value.replace('\\\\"', '"').replace('\\"', '"').replace("\\'", "'")
    value = _REPR_END.sub("", value.strip()).rstrip("'\"")
    if len(value) > _CLIP:
        value = value[:_CLIP] + "…"
    return value or None
