"""check-key: why Binance rejects an API key, found without changing anything.

-2015 ("Invalid API-key, IP, or permissions for action") has several root
causes that look the same from the outside: an unknown or revoked key, an IP
that is not whitelisted, a permission that is off, a spot-only key on a
futures domain, a testnet key on mainnet or the reverse. This module tells
them apart in three steps:

1. offline: the shape of the key and the secret (length, charset, stray
   whitespace, quotes, a byte-order mark, a PEM where a secret belongs, key
   and secret swapped) and hints from the base URLs;
2. online, read-only and concurrent: the clock offset of every host first,
   so the timestamps are corrected and -1021 cannot hide the real problem,
   then the key's own permissions (/sapi/v1/account/apiRestrictions), the
   spot account and one signed read on USDⓈ-M and COIN-M futures;
3. only when the key is rejected as unknown: the same key on the other
   network (testnet or mainnet), to name a testnet/mainnet mix-up.

Every request goes through a guard that lets only GET requests to
`ALLOWED_PATHS` out and records their documented weight. Nothing is retried:
after a 418, 429 or 451 no further request is sent. Secrets and the API key
never reach the report; server messages are redacted before they are kept.

I/O (the HTTP client, the clocks) comes in as parameters.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from binance_doctor.clock import offset as clocks
from binance_doctor import credential
from binance_doctor.signature import signing
from binance_doctor.net import transport
from binance_doctor.output.document import Block, Field, Heading, Section, Table, Text, Tone
from binance_doctor.failure import BadInput, DoctorError, ExitCode
from binance_doctor.net.transport import NetworkFailure

if TYPE_CHECKING:
    import httpx

READ_ONLY_METHOD = "GET"
# Every path check-key may request, with its documented request weight. The
# guard in `RequestLog.guard` refuses anything else before it leaves.
ALLOWED_PATHS: dict[str, int] = {
    "/api/v3/time": 1,
    "/fapi/v1/time": 1,
    "/dapi/v1/time": 1,
    "/sapi/v1/account/apiRestrictions": 1,
    "/api/v3/account": 20,
    "/fapi/v3/balance": 5,
    "/dapi/v1/balance": 1,
}
PRODUCTS = ("spot", "usdm", "coinm")
RECV_WINDOW_MS = 10_000
CLOCK_SAMPLES = 3
_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{64}")
_REQUEST_IP = re.compile(r"request ip:\s*([0-9A-Fa-f:.]+)")
_BOM = "\ufeff"
_HALTING = (ExitCode.RESTRICTED, ExitCode.IP_BANNED, ExitCode.RATE_LIMITED)


class ReadOnlyViolation(DoctorError):
    """A request outside the allowlist was about to be sent: a bug, never sent."""

    exit_code = ExitCode.INTERNAL


# -- where to ask --------------------------------------------------------------

@dataclass(frozen=True)
class Network:
    """The three REST hosts of one Binance environment."""

    name: str          # "mainnet" or "testnet"
    spot: str          # /api and /sapi
    futures: str       # /fapi (USDⓈ-M)
    delivery: str      # /dapi (COIN-M)

    def url(self, host: str) -> str:
        return getattr(self, host)


MAINNET = Network("mainnet", "https://api.binance.com", "https://fapi.binance.com",
                  "https://dapi.binance.com")
TESTNET = Network("testnet", "https://testnet.binance.vision",
                  "https://testnet.binancefuture.com", "https://testnet.binancefuture.com")
_TIME_PATHS = {"spot": "/api/v3/time", "futures": "/fapi/v1/time", "delivery": "/dapi/v1/time"}


@dataclass(frozen=True)
class Call:
    """One signed read: what it shows and which of a network's hosts serves it."""

    id: str
    title: str
    path: str
    host: str                                  # "spot", "futures" or "delivery"
    product: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def endpoint(self) -> str:
        return f"{READ_ONLY_METHOD} {self.path}"


CALLS = {
    "restrictions": Call("restrictions", "Key permissions", "/sapi/v1/account/apiRestrictions",
                         "spot", "spot"),
    "spot": Call("spot", "Spot account", "/api/v3/account", "spot", "spot",
                 (("omitZeroBalances", "true"),)),
    "usdm": Call("usdm", "USDⓈ-M futures", "/fapi/v3/balance", "futures", "usdm"),
    "coinm": Call("coinm", "COIN-M futures", "/dapi/v1/balance", "delivery", "coinm"),
}


@dataclass(frozen=True)
class Settings:
    network: Network                          # where the key is checked
    other: Network                            # probed only if `network` rejects the key
    products: tuple[str, ...] = PRODUCTS
    timeout: float = 15.0
    recv_window: int = RECV_WINDOW_MS
    samples: int = CLOCK_SAMPLES


def settings_for(testnet: bool, mainnet: Network, testnet_urls: Network,
                 products: tuple[str, ...] = PRODUCTS, timeout: float = 15.0) -> Settings:
    """Check one network and keep the other for the mix-up probe; URLs are validated."""
    def checked(n: Network) -> Network:
        return Network(n.name, *(transport.check_base_url(u)
                                 for u in (n.spot, n.futures, n.delivery)))

    main, test = checked(mainnet), checked(testnet_urls)
    if timeout <= 0:
        raise BadInput(f"--timeout must be positive, not {timeout:g}")
    ordered = tuple(p for p in PRODUCTS if p in products) or PRODUCTS
    return Settings(test if testnet else main, main if testnet else test, ordered, timeout)


# -- results -------------------------------------------------------------------

class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    SKIP = "skip"
    INFO = "info"


_TONES = {Status.OK: Tone.OK, Status.WARN: Tone.WARN, Status.BAD: Tone.BAD,
          Status.SKIP: Tone.PLAIN, Status.INFO: Tone.INFO}


@dataclass(frozen=True)
class Check:
    """One line of the report: ✓ or ✗ with what was seen, and the cause that explains it."""

    id: str
    title: str
    status: Status
    detail: str
    fix: str | None = None
    endpoint: str | None = None
    http_status: int | None = None
    code: int | None = None
    cause: str | None = None            # id of the Cause behind a failure


@dataclass(frozen=True)
class Cause:
    """A root cause, in words, with the one fix."""

    id: str
    status: Status
    title: str
    why: str
    fix: str
    dig: str | None = None
    exit_code: ExitCode = ExitCode.KEY_PROBLEM


@dataclass(frozen=True)
class Sent:
    method: str
    host: str
    path: str
    weight: int


@dataclass(frozen=True)
class ClockLine:
    url: str
    offset_ms: float | None
    uncertainty_ms: float | None
    error: str | None = None


@dataclass(frozen=True)
class KeyReport:
    network: str
    algorithm: str
    source: str
    offline: tuple[Check, ...]
    online: tuple[Check, ...]
    probe_network: str | None
    probe: tuple[Check, ...]
    causes: tuple[Cause, ...]
    restrictions: tuple[tuple[str, Any], ...] | None
    account: tuple[tuple[str, Any], ...] | None
    clocks: tuple[ClockLine, ...]
    requests: tuple[Sent, ...]
    exit_code: ExitCode

    @property
    def weight(self) -> int:
        return sum(r.weight for r in self.requests)

    def weight_by_host(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.requests:
            out[r.host] = out.get(r.host, 0) + r.weight
        return out


# -- offline checks -------------------------------------------------------------

def _shape(text: str) -> str:
    """What a value is made of, without showing it."""
    kinds = []
    if any(c.isspace() for c in text):
        kinds.append("whitespace")
    if any(not c.isascii() for c in text):
        kinds.append("non-ASCII characters")
    if any(c.isascii() and not c.isalnum() and not c.isspace() for c in text):
        kinds.append("punctuation")
    return f"{len(text)} characters" + (f" including {', '.join(kinds)}" if kinds else "")


def inspect_api_key(raw: str) -> tuple[str, list[Check]]:
    """The key as it should be sent, and what was wrong with it as given."""
    checks: list[Check] = []
    value = raw
    if _BOM in value:
        value = value.replace(_BOM, "")
        checks.append(Check("api_key.bom", "API key", Status.WARN,
                            "starts with a byte-order mark (U+FEFF), left by an editor "
                            "that saved the file as \"UTF-8 with BOM\"; removed for this check",
                            "save the file as plain UTF-8, or strip the mark before use; sent "
                            "as is, Binance rejects the key with -2014"))
    stripped = value.strip()
    if stripped != value:
        what = ("a trailing newline" if value.rstrip(" \t") != value.rstrip()
                and value.endswith(("\n", "\r")) else "leading or trailing whitespace")
        checks.append(Check("api_key.whitespace", "API key", Status.WARN,
                            f"has {what}; removed for this check",
                            "strip the value where your program reads it (a newline from "
                            "`echo` or a file read is the usual culprit)"))
        value = stripped
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
        checks.append(Check("api_key.quotes", "API key", Status.WARN,
                            "is wrapped in quotes; removed for this check",
                            "drop the quotes: in a .env file or YAML they may become part "
                            "of the value"))
    if "-----BEGIN" in value or "PUBLIC KEY" in value:
        checks.append(Check("api_key.pem", "API key", Status.BAD,
                            "holds a PEM key, not an API key",
                            "the API key is the 64-character ID Binance shows for the key; the "
                            "PEM private key goes to --private-key FILE", cause="malformed_key"))
    elif _KEY_SHAPE.fullmatch(value):
        checks.append(Check("api_key.shape", "API key", Status.OK,
                            "64 letters and digits, the shape of a Binance API key"))
    else:
        checks.append(Check("api_key.shape", "API key", Status.BAD,
                            f"is {_shape(value)}; Binance API keys are exactly 64 letters "
                            "and digits", "copy the key again from API Management, whole",
                            cause="malformed_key"))
    return value, checks


def _hmac_text(creds: credential.Credentials) -> str:
    return bytes(creds.key.material).decode("utf-8", "replace")


def inspect_credentials(creds: credential.Credentials,
                        api_key: str) -> tuple[credential.Credentials, list[Check]]:
    """Checks on the secret's shape and on key/secret confusion; a BOM is removed."""
    checks = [Check("secret.note", "Secret", Status.WARN, note,
                    None if note == credential.HISTORY_WARNING else
                    "a program that does not clean the value this way signs with the "
                    "wrong secret and gets -1022")
              for note in creds.notes]
    if creds.algorithm is not signing.Algorithm.HMAC:
        checks.append(Check("secret.shape", "Private key", Status.OK,
                            f"{creds.key} from {creds.source}; the API key must be the one "
                            "Binance issued for its public key"))
        return creds, checks
    text = _hmac_text(creds)
    if _BOM in text:
        text = text.replace(_BOM, "").strip()
        creds = replace(creds, key=signing.hmac_key(text, creds.key.description),
                        secrets=(*creds.secrets, text))
        checks.append(Check("secret.bom", "Secret", Status.WARN,
                            "starts with a byte-order mark (U+FEFF); removed for this check",
                            "save the secret as plain UTF-8; with the mark every signature "
                            "is wrong (-1022)"))
    if "-----BEGIN" in text:
        checks.append(Check("secret.pem", "Secret", Status.BAD,
                            "holds a PEM key where an HMAC secret belongs",
                            "pass an RSA or Ed25519 private key with --private-key FILE",
                            cause="wrong_secret"))
    elif _KEY_SHAPE.fullmatch(text):
        checks.append(Check("secret.shape", "Secret", Status.OK,
                            f"64 letters and digits from {creds.source}: an HMAC-SHA256 secret"))
    else:
        bad = any(c.isspace() for c in text)
        checks.append(Check("secret.shape", "Secret", Status.BAD if bad else Status.WARN,
                            f"is {_shape(text)}; Binance HMAC secrets are 64 letters and digits",
                            "copy the secret again, whole (it is shown only once, when the "
                            "key is created)", cause="wrong_secret" if bad else None))
    if api_key and api_key == text:
        checks.append(Check("secret.same_as_key", "Key and secret", Status.BAD,
                            "the API key and the secret are the same value",
                            f"{credential.ENV_API_KEY} holds the API key and "
                            f"{credential.ENV_SECRET} the secret; API Management shows both",
                            cause="wrong_secret"))
    return creds, checks


def inspect_urls(settings: Settings) -> list[Check]:
    checks = []
    for url in {settings.network.spot, settings.network.futures, settings.network.delivery}:
        if _is_binance_us(url):
            checks.append(Check("url.binance_us", "Base URL", Status.INFO,
                                f"{urlsplit(url).hostname} is Binance.US, a separate exchange: "
                                "binance.com keys are unknown there (and the reverse), and it "
                                "has no USDⓈ-M or COIN-M futures",
                                "use a key created on binance.us, or https://api.binance.com "
                                "for a binance.com key"))
            break
    return checks


def _is_binance_us(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "binance.us" or host.endswith(".binance.us")


def read_credentials(*, api_key: str | None, secret: str | None, secret_file: str | None,
                     private_key: str | None) -> credential.Credentials:
    """credential.read, with a clearer error when the private-key file is an HMAC secret."""
    try:
        return credential.read(api_key=api_key, secret=secret, secret_file=secret_file,
                               private_key=private_key)
    except signing.BadKey:
        if private_key:
            data = credential.read_text_file(private_key, "private key file")
            if _KEY_SHAPE.fullmatch(data.decode("utf-8", "replace").strip(" \r\n\ufeff\"'")):
                raise BadInput("the --private-key file holds a 64-character HMAC secret, "
                               "not a PEM private key",
                               hint="pass it with --secret-file FILE or set "
                                    f"{credential.ENV_SECRET}") from None
        raise


# -- the guarded HTTP session -----------------------------------------------------

class RequestLog:
    """httpx hooks: refuse anything but allowlisted GETs before they leave, and record the
    documented weight of each request that got an answer (a refused connection costs
    nothing)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def guard(self, request: httpx.Request) -> None:
        path = request.url.path
        if request.method != READ_ONLY_METHOD or path not in ALLOWED_PATHS:
            raise ReadOnlyViolation(f"refused to send {request.method} {path}: check-key "
                                    "only sends the read-only requests it lists")

    def record(self, response: httpx.Response) -> None:
        url = response.request.url
        with self._lock:
            self.sent.append(Sent(response.request.method, url.netloc.decode("ascii"),
                                  url.path, ALLOWED_PATHS[url.path]))

    def install(self, client: httpx.Client) -> None:
        hooks = client.event_hooks
        client.event_hooks = {**hooks,
                              "request": [*hooks.get("request", []), self.guard],
                              "response": [*hooks.get("response", []), self.record]}


@dataclass(frozen=True)
class Outcome:
    """What one signed read came back with."""

    call: Call
    url: str
    http_status: int | None = None
    code: int | None = None
    message: str = ""
    body: Any = field(default=None, repr=False, compare=False)
    failure: NetworkFailure | None = field(default=None, compare=False)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and self.code is None and self.failure is None

    @property
    def request_ip(self) -> str | None:
        match = _REQUEST_IP.search(self.message)
        return match.group(1).rstrip(".") if match else None

    @property
    def unknown_key(self) -> bool:
        """Rejected the way Binance rejects a key it does not know."""
        return self.code == -2008 or (self.code == -2015 and self.request_ip is None)

    @property
    def known_key(self) -> bool:
        """Accepted, or rejected for a reason that shows the key exists here."""
        return self.ok or (self.code == -2015 and self.request_ip is not None) \
            or self.code in (-1022, -1021)


@dataclass(frozen=True)
class Phase:
    network: Network
    clocks: dict[str, clocks.OffsetEstimate | NetworkFailure]
    outcomes: dict[str, Outcome]


class _Session:
    def __init__(self, client: httpx.Client, creds: credential.Credentials, api_key: str,
                 settings: Settings, clock: clocks.Clock, deadline: transport.Deadline,
                 progress: Callable[[str], None] | None) -> None:
        self.client, self.creds, self.api_key = client, creds, api_key
        self.settings, self.clock, self.deadline = settings, clock, deadline
        self.progress = progress
        self.halt: NetworkFailure | None = None
        self._lock = threading.Lock()

    def _stop(self, failure: NetworkFailure) -> None:
        if failure.exit_code in _HALTING:
            with self._lock:
                self.halt = self.halt or failure

    def _say(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def offset(self, url: str, host: str) -> clocks.OffsetEstimate | NetworkFailure:
        if self.halt:
            return self.halt
        self._say(f"Measuring the clock offset of {url}")
        try:
            return clocks.measure_offset(self.client, url, _TIME_PATHS[host],
                                         samples=self.settings.samples, clock=self.clock,
                                         deadline=self.deadline, timeout=5.0)
        except NetworkFailure as failure:
            self._stop(failure)
            return failure

    def signed(self, call: Call, base: str,
               estimate: clocks.OffsetEstimate | NetworkFailure) -> Outcome:
        if isinstance(estimate, NetworkFailure):
            return Outcome(call, base, skipped=f"not sent: the time request to {base} failed")
        if self.halt:
            return Outcome(call, base, skipped="not sent: Binance answered HTTP "
                           f"{self.halt.status} earlier, and nothing is sent after that")
        # Aim just behind Binance's clock: a timestamp 1 s ahead is refused outright,
        # one slightly behind is well inside the recvWindow.
        stamp = estimate.timestamp_ms(self.clock.wall()) - int(estimate.uncertainty_ms)
        params = [*call.params, ("recvWindow", str(self.settings.recv_window)),
                  ("timestamp", str(stamp))]
        query = signing.encode_params(params)
        signature = self.creds.sign(signing.payload(query, ""))
        url = (f"{base}{call.path}?{query}&{signing.SIGNATURE_PARAM}="
               f"{signing.encode_for_wire(self.creds.algorithm, signature)}")
        self._say(f"Asking {base}{call.path}")
        try:
            response = transport.get(self.client, url, timeout=self.deadline.timeout(5.0),
                                     headers={"X-MBX-APIKEY": self.api_key})
            if response.status_code == 200:
                return Outcome(call, base, 200, body=transport.json_body(response))
        except NetworkFailure as failure:
            self._stop(failure)
            return Outcome(call, base, failure.status, failure=failure,
                           message=self.creds.redact(failure.message))
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), int):
            return Outcome(call, base, response.status_code, body["code"],
                           self.creds.redact(str(body.get("msg", ""))))
        return Outcome(call, base, response.status_code,
                       message=self.creds.redact(response.text[:200]))

    def run(self, network: Network, calls: list[Call]) -> Phase:
        hosts: dict[str, str] = {}
        for c in calls:                  # one clock measurement per distinct host
            hosts.setdefault(network.url(c.host), c.host)
        def one(c: Call) -> Outcome:
            return self.signed(c, network.url(c.host), measured[network.url(c.host)])

        with ThreadPoolExecutor(max_workers=4) as pool:
            measured = dict(zip(hosts, pool.map(lambda u: self.offset(u, hosts[u]), hosts)))
            # The cheapest signed read goes alone first: if it meets a 418, 429 or 451,
            # nothing else is sent. The rest are independent and go together.
            outcomes = {calls[0].id: one(calls[0])} if calls else {}
            outcomes.update(zip((c.id for c in calls[1:]), pool.map(one, calls[1:])))
        return Phase(network, measured, outcomes)


# -- the check --------------------------------------------------------------------

def _calls(network: Network, products: tuple[str, ...], *, probe: bool) -> list[Call]:
    sapi = network.name == "mainnet"            # the testnets have no /sapi
    if probe and sapi:
        return [CALLS["restrictions"]]          # weight 1 is enough to know the key
    ids = (["restrictions"] if sapi else []) + list(products)
    return [CALLS[i] for i in ids
            if not (i in ("usdm", "coinm") and _is_binance_us(network.url(CALLS[i].host)))]


def _rejected_as_unknown(phase: Phase) -> bool:
    answered = [o for o in phase.outcomes.values() if o.skipped is None and o.failure is None]
    return bool(answered) and all(o.unknown_key for o in answered)


def check(creds: credential.Credentials, api_key: str, settings: Settings,
          client: httpx.Client, *, offline: tuple[Check, ...] = (),
          clock: clocks.Clock = clocks.SYSTEM_CLOCK, now: float | None = None,
          progress: Callable[[str], None] | None = None, online: bool = True) -> KeyReport:
    """Run the online checks (unless `online` is false) and explain the result."""
    log = RequestLog()
    log.install(client)
    session = _Session(client, creds, api_key, settings, clock,
                       transport.Deadline(settings.timeout, clock.mono), progress)
    primary = probe = None
    if online:
        primary = session.run(settings.network,
                              _calls(settings.network, settings.products, probe=False))
        if _rejected_as_unknown(primary) and session.halt is None:
            probe = session.run(settings.other,
                                _calls(settings.other, settings.products, probe=True))
    now_ms = (clock.wall() if now is None else now) * 1000
    return _report(creds, settings, offline, primary, probe, tuple(log.sent), now_ms)


# -- explaining what came back ------------------------------------------------------

_NETWORK_CAUSES = {
    ExitCode.RESTRICTED: "http_451", ExitCode.IP_BANNED: "http_418",
    ExitCode.RATE_LIMITED: "http_429", ExitCode.FORBIDDEN: "http_403",
}
_RESTRICTION_FIELDS = (
    ("enableReading", "Reading"),
    ("enableSpotAndMarginTrading", "Spot and margin trading"),
    ("enableMargin", "Margin"),
    ("enableFutures", "Futures (USDⓈ-M and COIN-M)"),
    ("enableVanillaOptions", "Vanilla options"),
    ("enablePortfolioMarginTrading", "Portfolio margin trading"),
    ("enableWithdrawals", "Withdrawals"),
    ("enableInternalTransfer", "Internal transfer"),
    ("permitsUniversalTransfer", "Universal transfer"),
    ("ipRestrict", "Restricted to trusted IPs"),
)
_TIME_FIELDS = {"createTime": "Created",
                "tradingAuthorityExpirationTime": "Trading authority ends"}
_ACCOUNT_FIELDS = ("canTrade", "canWithdraw", "canDeposit", "accountType", "permissions")


def _date(ms: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _network_cause(failure: NetworkFailure) -> Cause:
    return Cause(_NETWORK_CAUSES.get(failure.exit_code, f"network_{failure.exit_code.name}"),
                 Status.BAD, failure.message,
                 "the request did not reach the key check, so nothing is known about the "
                 "key from this host", failure.hint or "check the network path to Binance",
                 exit_code=failure.exit_code)


class _Analysis:
    """Collects check lines and root causes while walking the outcomes."""

    def __init__(self, settings: Settings, creds: credential.Credentials, now_ms: float) -> None:
        self.settings, self.creds, self.now_ms = settings, creds, now_ms
        self.causes: dict[str, Cause] = {}
        self.restrictions: dict[str, Any] | None = None

    def cause(self, cause: Cause) -> str:
        self.causes.setdefault(cause.id, cause)
        return cause.id

    # The causes, one function each, in the words the report uses.

    def ip_not_whitelisted(self, ip: str) -> str:
        return self.cause(Cause(
            "ip_not_whitelisted", Status.BAD, f"The IP {ip} is not on this key's trusted-IP list",
            f"Binance saw the request come from {ip}, and the key accepts only its trusted IPs "
            "(\"Restrict access to trusted IPs only\" in API Management).",
            f"Add {ip} to the key's trusted IPs in API Management, or run from an IP that is "
            "on the list (behind NAT or a proxy, whitelist the address Binance sees)."))

    def futures_disabled(self, call: Call) -> str:
        return self.cause(Cause(
            "futures_disabled", Status.BAD, "Futures are not enabled for this key",
            f"The key works on spot, but {call.path} answers -2015 and apiRestrictions says "
            "enableFutures is false. Binance documents that a key created before the futures "
            "account was opened cannot use the futures API.",
            "Edit the key in API Management and tick \"Enable Futures\"; if the option is "
            "missing or cannot be ticked because the key predates the futures account, "
            "create a new key."))

    def futures_unavailable(self, call: Call) -> str:
        return self.cause(Cause(
            "futures_unavailable", Status.BAD, f"{call.title} rejects a key that has futures on",
            f"enableFutures is true, yet {call.path} answers -2015. Binance documents two "
            "reasons: the key was created before the futures account was opened, or the "
            "account has portfolio margin enabled (its futures go through /papi).",
            "Open the futures account if it is not, then create a new key (or use the "
            "portfolio margin endpoints under /papi)."))

    def reading_disabled(self) -> str:
        return self.cause(Cause(
            "reading_disabled", Status.BAD, "Reading is not enabled for this key",
            "apiRestrictions says enableReading is false, so every USER_DATA request "
            "(balances, orders, trades) is refused with -2015.",
            "Edit the key in API Management and tick \"Enable Reading\"."))

    def permission_missing(self, call: Call) -> str:
        return self.cause(Cause(
            f"permission_{call.id}", Status.BAD, f"The key is valid but not allowed {call.path}",
            f"Other requests with this key work, but {call.path} answers -2015: a permission "
            "this endpoint needs is off.",
            "Compare the key's permissions below with what the endpoint needs and enable the "
            "missing one in API Management."))

    def wrong_secret(self) -> str:
        kind = ("secret" if self.creds.algorithm is signing.Algorithm.HMAC
                else "private key")
        return self.cause(Cause(
            "wrong_secret", Status.BAD, f"The {kind} does not belong to this API key",
            f"Binance knows the key but the {self.creds.algorithm.label} signature does not "
            "verify (-1022): the secret or private key is another key's, was copied "
            "incompletely, or is of another type than the key (an HMAC secret for an RSA or "
            "Ed25519 key, or the reverse).",
            "Use the secret shown when this key was created (Binance shows it once; if it is "
            "lost, create a new key), and compare what your program signs with "
            "`binance-doctor signature verify`.", dig="signature verify"))

    def malformed_key(self) -> str:
        return self.cause(Cause(
            "malformed_key", Status.BAD, "The API key is malformed",
            "Binance refuses the X-MBX-APIKEY header itself (-2014 \"API-key format "
            "invalid.\"): it is not a 64-character key, or it carries spaces, a newline, "
            "quotes or a byte-order mark.",
            "Send exactly the 64 letters and digits API Management shows for the key."))

    def clock_rejected(self) -> str:
        return self.cause(Cause(
            "clock_rejected", Status.BAD, "Binance refused the timestamp (-1021)",
            "Even with the measured clock offset applied, the timestamp fell outside the "
            "recvWindow: the clock or the network path is unstable.",
            "Resynchronise the system clock and check it with `binance-doctor clock`.",
            dig="clock"))

    def other_error(self, outcome: Outcome) -> str:
        return self.cause(Cause(
            f"error_{outcome.code}", Status.BAD,
            f"{outcome.call.path} answered {outcome.code}: {outcome.message}",
            "This code is not one of the key problems check-key knows how to tell apart.",
            f"See `binance-doctor explain {outcome.code}`.", dig=f"explain {outcome.code}"))

    def mixup(self, checked: Network, other: Network, where: list[str]) -> str:
        return self.cause(Cause(
            "testnet_mixup", Status.BAD, f"This is a {other.name} key, used on {checked.name}",
            f"{checked.name.capitalize()} does not know the key, but the {other.name} does "
            f"({', '.join(where)}).",
            (f"Point your program at the {other.name} ({other.spot} for spot, "
             f"{other.futures} for futures), or create a {checked.name} key "
             + ("in API Management on binance.com." if checked.name == "mainnet" else
                "on testnet.binance.vision (spot) or testnet.binancefuture.com (futures)."))))

    def key_unknown(self, checked: Network, probed: bool) -> str:
        elsewhere = f" (nor does the {self.settings.other.name})" if probed else ""
        return self.cause(Cause(
            "key_unknown", Status.BAD, f"Binance {checked.name} does not know this API key",
            f"Every request was refused as from an unknown key{elsewhere}. The key was "
            "mistyped or cut short, deleted or revoked, belongs to another exchange "
            "(binance.us keys do not work on binance.com), or the key and the secret were "
            "swapped.",
            f"Copy the API key again from API Management (or create a new key), and make "
            f"sure {credential.ENV_API_KEY} holds the key and {credential.ENV_SECRET} the "
            "secret."))

    # -- walking the outcomes --------------------------------------------------

    def explain(self, outcome: Outcome, spot_ok: bool) -> Check:
        call = outcome.call
        base = dict(id=f"online.{call.id}", title=call.title, endpoint=call.endpoint,
                    http_status=outcome.http_status, code=outcome.code)
        if outcome.skipped:
            return Check(**base, status=Status.SKIP, detail=outcome.skipped)
        if outcome.failure is not None:
            failure = outcome.failure
            return Check(**base, status=Status.BAD, detail=outcome.message,
                         fix=failure.hint, cause=self.cause(_network_cause(failure)))
        if outcome.ok:
            return Check(**base, status=Status.OK, detail=self.summary(outcome))
        said = (f"HTTP {outcome.http_status} {outcome.code}: {outcome.message}"
                if outcome.code is not None else
                f"HTTP {outcome.http_status} without a Binance error code")
        cause = self.classify(outcome, spot_ok)
        fix = self.causes[cause].fix if cause else None
        return Check(**base, status=Status.BAD, detail=said, fix=fix, cause=cause)

    def classify(self, outcome: Outcome, spot_ok: bool) -> str | None:
        code, call, known = outcome.code, outcome.call, self.restrictions
        if code == -1022:
            return self.wrong_secret()
        if code == -2014:
            return self.malformed_key()
        if code == -1021:
            return self.clock_rejected()
        if code == -2015:
            if call.product in ("usdm", "coinm") and known is not None and call.id != "restrictions":
                if known.get("enableFutures") is False:
                    return self.futures_disabled(call)
                if spot_ok:
                    return self.futures_unavailable(call)
            if call.id == "spot" and known is not None and known.get("enableReading") is False:
                return self.reading_disabled()
            ip = outcome.request_ip
            if ip and (known is None or known.get("ipRestrict")):
                return self.ip_not_whitelisted(ip)
            if known is not None:
                return self.permission_missing(call)
            return None                       # unknown key: decided once the probe is in
        if code == -2008:
            return None
        if code is None:
            return self.cause(Cause(
                f"http_{outcome.http_status}", Status.BAD,
                f"{outcome.url}{call.path} answered HTTP {outcome.http_status} without a "
                "Binance error", "The answer does not come from a Binance API endpoint for "
                "this path.", "Check the base URL options: each must be the REST host of "
                "its product (api, fapi or dapi).", exit_code=ExitCode.SERVER_ERROR))
        return self.other_error(outcome)

    def summary(self, outcome: Outcome) -> str:
        body = outcome.body
        if outcome.call.id == "restrictions" and isinstance(body, dict):
            on = [label for key, label in _RESTRICTION_FIELDS
                  if body.get(key) is True and key != "ipRestrict"]
            return "the key is known; enabled: " + (", ".join(on) or "nothing")
        if outcome.call.id == "spot" and isinstance(body, dict):
            perms = body.get("permissions")
            perms = ", ".join(map(str, perms)) if isinstance(perms, list) else perms
            return (f"canTrade {str(body.get('canTrade')).lower()}, accountType "
                    f"{body.get('accountType')}, permissions {perms}")
        if isinstance(body, list):
            return f"balance readable ({len(body)} asset{'s' if len(body) != 1 else ''})"
        return "answered"

    def restriction_checks(self, body: dict) -> list[Check]:
        out: list[Check] = []
        if body.get("enableReading") is False:
            out.append(Check("restrictions.reading", "Reading", Status.BAD,
                             "enableReading is false", cause=self.reading_disabled(),
                             fix=self.causes["reading_disabled"].fix))
        expiry = body.get("tradingAuthorityExpirationTime")
        if isinstance(expiry, int) and not isinstance(expiry, bool) and expiry > 0:
            if expiry <= self.now_ms:
                cid = self.cause(Cause(
                    "trading_expired", Status.BAD,
                    f"Trading authority expired on {_date(expiry)}",
                    "apiRestrictions gives tradingAuthorityExpirationTime, the end of the "
                    "key's spot and margin trading permission, and it has passed: orders "
                    "are refused with -2015 although the key can still read.",
                    "Edit the key in API Management and enable spot and margin trading "
                    "again (or create a new key)."))
                out.append(Check("restrictions.trading_expiry", "Trading authority",
                                 Status.BAD, f"expired on {_date(expiry)}", cause=cid,
                                 fix=self.causes[cid].fix))
            else:
                out.append(Check("restrictions.trading_expiry", "Trading authority",
                                 Status.INFO, f"spot and margin trading permission ends on "
                                 f"{_date(expiry)}"))
        if body.get("enableWithdrawals") is True and body.get("ipRestrict") is False:
            cid = self.cause(Cause(
                "withdrawals_unrestricted", Status.WARN,
                "Withdrawals are enabled on a key without an IP restriction",
                "Anyone who obtains this key and secret can withdraw funds from anywhere.",
                "Restrict the key to trusted IPs in API Management, or turn withdrawals "
                "off."))
            out.append(Check("restrictions.withdrawals", "Security", Status.WARN,
                             "withdrawals enabled and no IP restriction", cause=cid,
                             fix=self.causes[cid].fix))
        return out


def _clock_checks(phase: Phase, prefix: str) -> tuple[list[Check], list[ClockLine], list[Cause]]:
    checks, lines, causes = [], [], []
    for url, est in phase.clocks.items():
        title = "Clock"
        if isinstance(est, NetworkFailure):
            cause = _network_cause(est)
            causes.append(cause)
            checks.append(Check(f"{prefix}.clock", title, Status.BAD,
                                f"{_host(url)}: {est.message}",
                                fix=est.hint, http_status=est.status, cause=cause.id))
            lines.append(ClockLine(url, None, None, est.message))
            continue
        lines.append(ClockLine(url, round(est.offset_ms, 1), round(est.uncertainty_ms, 1)))
        way = "behind" if est.offset_ms > 0 else "ahead of"
        gap = (f"this machine is {abs(est.offset_ms):.0f} ms {way} Binance"
               if round(abs(est.offset_ms)) else "this machine's clock agrees with Binance's")
        said = (f"{_host(url)}: {gap} (± {est.uncertainty_ms:.0f} ms); timestamps are "
                "corrected")
        if abs(est.offset_ms) >= 1000:
            checks.append(Check(f"{prefix}.clock", title, Status.WARN, said,
                                fix="without this correction every signed request fails with "
                                    "-1021: resync the clock, see `binance-doctor clock`"))
        else:
            checks.append(Check(f"{prefix}.clock", title, Status.OK, said))
    return checks, lines, causes


def _report(creds: credential.Credentials, settings: Settings, offline: tuple[Check, ...],
            primary: Phase | None, probe: Phase | None, sent: tuple[Sent, ...],
            now_ms: float) -> KeyReport:
    an = _Analysis(settings, creds, now_ms)
    for check_ in offline:
        if check_.cause == "malformed_key":
            an.malformed_key()
        elif check_.cause == "wrong_secret":
            an.wrong_secret()
    online: list[Check] = []
    clock_lines: list[ClockLine] = []
    account = None
    if primary is not None:
        checks, clock_lines, causes = _clock_checks(primary, "online")
        online += checks
        for c in causes:
            an.cause(c)
        outcomes = primary.outcomes
        restr = outcomes.get("restrictions")
        if restr is not None and restr.ok and isinstance(restr.body, dict):
            an.restrictions = restr.body
        spot = outcomes.get("spot")
        spot_ok = bool(restr and restr.ok) or bool(spot and spot.ok)
        if spot is not None and spot.ok and isinstance(spot.body, dict):
            account = tuple((k, spot.body.get(k)) for k in _ACCOUNT_FIELDS if k in spot.body)
        for outcome in outcomes.values():
            online.append(an.explain(outcome, spot_ok))
        if an.restrictions is not None:
            online += an.restriction_checks(an.restrictions)
    probe_checks: list[Check] = []
    if primary is not None and _rejected_as_unknown(primary):
        accepted = []
        if probe is not None:
            checks, lines, causes = _clock_checks(probe, "probe")
            probe_checks += checks
            clock_lines += lines
            for c in causes:
                an.cause(c)
            for outcome in probe.outcomes.values():
                title = outcome.call.title
                if outcome.known_key:
                    accepted.append(title)
                    probe_checks.append(Check(f"probe.{outcome.call.id}", title, Status.OK,
                                              "knows this key", endpoint=outcome.call.endpoint,
                                              http_status=outcome.http_status,
                                              code=outcome.code))
                else:
                    detail = outcome.skipped or outcome.message or "refused the key"
                    probe_checks.append(Check(
                        f"probe.{outcome.call.id}", title,
                        Status.SKIP if outcome.skipped else Status.INFO,
                        (f"HTTP {outcome.http_status} {outcome.code}: {detail}"
                         if outcome.code else detail),
                        endpoint=outcome.call.endpoint, http_status=outcome.http_status,
                        code=outcome.code))
        if accepted:
            cid = an.mixup(primary.network, settings.other, accepted)
        else:
            cid = an.key_unknown(primary.network, probe is not None)
        online = [replace(c, cause=cid, fix=an.causes[cid].fix)
                  if c.status is Status.BAD and c.cause is None else c for c in online]
    restrictions = None
    if an.restrictions is not None:
        restrictions = tuple((k, an.restrictions.get(k)) for k, _ in _RESTRICTION_FIELDS
                             if k in an.restrictions)
        restrictions += tuple((k, an.restrictions[k]) for k in _TIME_FIELDS
                              if k in an.restrictions)
    causes = tuple(an.causes.values())
    return KeyReport(
        network=settings.network.name, algorithm=creds.algorithm.value, source=creds.source,
        offline=tuple(offline), online=tuple(online),
        probe_network=settings.other.name if probe is not None else None,
        probe=tuple(probe_checks), causes=causes, restrictions=restrictions,
        account=account, clocks=tuple(clock_lines), requests=sent,
        exit_code=_exit_code(causes, offline))


def _exit_code(causes: tuple[Cause, ...], offline: tuple[Check, ...]) -> ExitCode:
    bad = [c for c in causes if c.status is Status.BAD]
    for c in bad:
        if c.exit_code in _HALTING:
            return c.exit_code
    if any(c.exit_code is ExitCode.KEY_PROBLEM for c in bad) or any(
            c.status is Status.BAD for c in offline):
        return ExitCode.KEY_PROBLEM
    return bad[0].exit_code if bad else ExitCode.OK


# -- showing it ----------------------------------------------------------------------

def _check_blocks(checks: tuple[Check, ...] | list[Check],
                  causes: dict[str, Cause]) -> list[Block]:
    """One line per check; a failure names its cause (whose fix is under Diagnosis)
    or, for a failure without one, its own fix."""
    out: list[Block] = []
    for c in checks:
        value = c.detail if c.status is not Status.SKIP else f"– {c.detail}"
        out.append(Field(c.title, value, _TONES[c.status]))
        if c.status not in (Status.BAD, Status.WARN):
            continue
        if c.cause in causes:
            out.append(Field("", f"→ {causes[c.cause].title} (fix under Diagnosis)"))
        elif c.fix:
            out.append(Field("", f"fix: {c.fix}"))
    return out


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def blocks(report: KeyReport) -> list[Block]:
    """The report as document blocks (see render.py)."""
    algorithm = signing.Algorithm(report.algorithm).label
    causes = {c.id: c for c in report.causes}
    out: list[Block] = [Heading(f"check-key on {report.network}: {algorithm} key from "
                                f"{report.source}")]
    if report.offline:
        out.append(Section("Offline checks", tuple(_check_blocks(report.offline, causes))))
    if report.online:
        out.append(Section(f"Online checks ({report.network}, read-only)",
                           tuple(_check_blocks(report.online, causes))))
    if report.restrictions is not None:
        labels = dict(_RESTRICTION_FIELDS)
        rows = []
        for key, value in report.restrictions:
            if key in _TIME_FIELDS:
                shown = _date(value) if isinstance(value, int) and value > 0 else _yes_no(value)
            else:
                shown = _yes_no(value)
            rows.append((labels.get(key) or _TIME_FIELDS[key], key, shown))
        out.append(Section("Key permissions (GET /sapi/v1/account/apiRestrictions)",
                           (Table(("Permission", "Field", "Value"), tuple(rows)),)))
    if report.probe_network:
        out.append(Section(f"Probe: the same key on {report.probe_network}",
                           tuple(_check_blocks(report.probe, causes))))
    if report.causes:
        sections = []
        for cause in report.causes:
            inner: list[Block] = [Field("Why", cause.why), Field("Fix", cause.fix)]
            if cause.dig:
                inner.append(Field("Dig deeper", f"binance-doctor {cause.dig}"))
            sections.append(Section(cause.title, tuple(inner), tone=_TONES[cause.status]))
        out.append(Section("Diagnosis", tuple(sections)))
    elif report.exit_code is ExitCode.OK:
        out.append(Text("No problem found: the key is known, signed requests are accepted "
                        "and every checked product answered.", Tone.OK))
    by_host = report.weight_by_host()
    spread = ", ".join(f"{host} {w}" for host, w in by_host.items())
    out.append(Section("Request weight", (Text(
        f"{report.weight}" + (f" ({spread})" if spread else "")
        + f" in {len(report.requests)} GET requests"),)))
    return out


def _check_json(c: Check) -> dict:
    return {"id": c.id, "title": c.title, "status": c.status.value, "detail": c.detail,
            "fix": c.fix, "endpoint": c.endpoint, "http_status": c.http_status,
            "code": c.code, "cause": c.cause}


def to_json(report: KeyReport) -> dict:
    """The `check-key` result of the binance-doctor/1 envelope (documented in the README)."""
    return {
        "network": report.network,
        "key": {"algorithm": report.algorithm, "source": report.source},
        "offline": [_check_json(c) for c in report.offline],
        "online": [_check_json(c) for c in report.online],
        "probe": ({"network": report.probe_network,
                   "checks": [_check_json(c) for c in report.probe]}
                  if report.probe_network else None),
        "restrictions": dict(report.restrictions) if report.restrictions is not None else None,
        "account": dict(report.account) if report.account is not None else None,
        "clock": [{"url": c.url, "offset_ms": c.offset_ms, "uncertainty_ms": c.uncertainty_ms,
                   "error": c.error} for c in report.clocks],
        "causes": [{"id": c.id, "status": c.status.value, "title": c.title, "why": c.why,
                    "fix": c.fix, "dig": f"binance-doctor {c.dig}" if c.dig else None}
                   for c in report.causes],
        "weight": {"total": report.weight, "by_host": report.weight_by_host()},
        "requests": [{"method": r.method, "host": r.host, "path": r.path, "weight": r.weight}
                     for r in report.requests],
        "exit_code": int(report.exit_code),
        "exit_name": report.exit_code.name,
    }
