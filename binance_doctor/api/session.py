"""`Session`: a small signed Binance client that never places an order twice.

Owns the bot-side use of the retry policy (api/retry.py): signing (HMAC, RSA or
Ed25519, through signature/signing.py), a `newClientOrderId` on every order placement
that lacks one, and what follows a failure: after an unknown execution status (5xx,
-1006, -1007, a timeout, a dropped connection) the order is queried by its client
order id and resent once, with the same id, only when Binance says it does not exist;
429 waits Retry-After; 418 raises at once and refuses every request until the ban
ends; -1021 resyncs the clock offset once. When it gives up it raises `BinanceError`,
whose `.diagnosis` says why.

This is the user's own client for their own orders: no CLI command uses it, so it is
outside the CLI's read-only allowlist. httpx is imported when a Session is made.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable

from binance_doctor import __version__
from binance_doctor.api.diagnose import Diagnosis, diagnose
from binance_doctor.api.retry import Retry, retry_decision
from binance_doctor.product import Product

if TYPE_CHECKING:
    import httpx

    from binance_doctor.signature.signing import SigningKey

# Where each product tells its time (-1021 resync), and how its order paths begin.
_TIME_PATHS = {"/api/": "/api/v3/time", "/sapi/": "/api/v3/time", "/fapi/": "/fapi/v1/time",
               "/dapi/": "/dapi/v1/time", "/eapi/": "/eapi/v1/time",
               "/papi/": "/papi/v1/time"}
_DUPLICATE = "Duplicate order sent."
USER_AGENT = f"binance-doctor-session/{__version__}"
_NOT_FOUND_CODE = -2013


class BinanceError(Exception):
    """The Session gave up on a request; `.diagnosis` says why and what to do."""

    def __init__(self, diagnosis: Diagnosis, *, method: str, path: str,
                 attempts: int = 1, client_order_id: str | None = None,
                 note: str | None = None) -> None:
        self.diagnosis = diagnosis
        self.method = method
        self.path = path
        self.attempts = attempts
        self.client_order_id = client_order_id
        self.note = note
        what = diagnosis.name or (f"HTTP {diagnosis.status}" if diagnosis.status else
                                  diagnosis.transport or "error")
        code = f"{diagnosis.code} " if diagnosis.code is not None else ""
        text = f"{method} {path}: {code}{what}: {diagnosis.message or ''}".rstrip(": ")
        text += f" [{diagnosis.retry.action}"
        if diagnosis.retry.seconds:
            text += f" {diagnosis.retry.seconds:g} s"
        text += "]"
        if client_order_id:
            text += f" clientOrderId={client_order_id}"
        if note:
            text += f" ({note})"
        super().__init__(text)

    @property
    def code(self) -> int | None:
        return self.diagnosis.code

    @property
    def retry(self) -> Retry:
        return self.diagnosis.retry


def is_order_placement(method: str, path: str) -> bool:
    """POST .../order: a new order on spot, futures, options, margin or portfolio margin."""
    return method.upper() == "POST" and path.rstrip("/").rsplit("/", 1)[-1] == "order"


def client_id_param(path: str) -> str:
    return "clientOrderId" if path.startswith("/eapi/") else "newClientOrderId"


def new_client_order_id() -> str:
    """A fresh id within Binance's rule (1-36 of [.A-Z:/a-z0-9_-])."""
    return "bd-" + uuid.uuid4().hex[:29]


class Session:
    """A signed client for one API key. `request()` returns the decoded JSON answer."""

    def __init__(self, api_key: str, secret: str | None = None,
                 private_key: bytes | str | None = None, *,
                 base_url: str = "https://api.binance.com", recv_window: int = 5000,
                 timeout: float = 10.0, passphrase: bytes | str | None = None,
                 max_wait: float = 120.0, threshold: int = 10,
                 on_threshold: Callable[[int | str, int, Diagnosis], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, transport: Any = None) -> None:
        import httpx

        from binance_doctor.signature import signing

        if (secret is None) == (private_key is None):
            raise ValueError("give exactly one of secret= (HMAC) or private_key= "
                             "(RSA/Ed25519 PEM)")
        if secret is not None:
            self._key: SigningKey = signing.hmac_key(secret)
        else:
            pem = private_key.encode() if isinstance(private_key, str) else bytes(
                private_key or b"")
            phrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
            self._key = signing.load_private_key(pem, phrase)
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.recv_window = recv_window
        self.max_wait = max_wait
        self.threshold = threshold
        self.on_threshold = on_threshold
        self._sleep = sleep
        self._clock = clock
        self.offset_ms = 0.0                  # server time minus local time
        self.banned_until: float | None = None  # epoch seconds
        self.errors: Counter[int | str] = Counter()
        # Its own User-Agent: the CLI's read-only guard (net/guard.py) and the tests'
        # check of it concern the CLI's requests, not the user's own client.
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                  transport=transport, follow_redirects=False,
                                  headers={"User-Agent": USER_AGENT, "X-MBX-APIKEY": api_key})

    def __repr__(self) -> str:       # never the key material
        return f"Session({self.base_url!r}, {self._key.algorithm.label})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ----------------------------------------------------

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                signed: bool = False) -> Any:
        """Send METHOD PATH; the policy decides every retry. Raises BinanceError."""
        method = method.upper()
        params = dict(params or {})
        client_id = None
        if is_order_placement(method, path):
            name = client_id_param(path)
            params.setdefault(name, new_client_order_id())
            client_id = str(params[name])
            signed = True
        return _Attempts(self, method, path, params, signed, client_id).run()

    # -- pieces the attempts use --------------------------------------------------

    def send(self, method: str, path: str, params: dict[str, Any],
             signed: bool) -> httpx.Response:
        """One HTTP exchange, signed if asked; network errors propagate (httpx)."""
        from binance_doctor.signature import signing

        self.refuse_if_banned(method, path)
        pairs = [(k, _text(v)) for k, v in params.items() if v is not None]
        if signed:
            pairs += [("timestamp", str(int(self._clock() * 1000 + self.offset_ms))),
                      ("recvWindow", str(self.recv_window))]
        query = signing.signed_query(self._key, pairs) if signed else \
            signing.encode_params(pairs)
        url = f"{path}?{query}" if query else path
        return self._http.request(method, url)

    def refuse_if_banned(self, method: str, path: str) -> None:
        if self.banned_until is None:
            return
        left = self.banned_until - self._clock()
        if left <= 0:
            self.banned_until = None
            return
        d = diagnose(418, now=self._clock())
        d = _with_retry(d, Retry("stop", round(left, 3), "this IP is banned; the Session "
                                                         "sends nothing until the ban ends"))
        raise BinanceError(d, method=method, path=path, attempts=0,
                           note="refused locally: the ban has not ended")

    def resync(self, path: str) -> None:
        """Set the offset from the product's time endpoint (the midpoint of the trip)."""
        prefix = "/" + path.lstrip("/").split("/", 1)[0] + "/"
        before = self._clock()
        answer = self._http.get(_TIME_PATHS.get(prefix, "/api/v3/time"))
        after = self._clock()
        server = answer.json()["serverTime"]
        self.offset_ms = server - (before + after) / 2 * 1000

    def count(self, d: Diagnosis) -> None:
        key: int | str = d.code if d.code is not None else (
            d.status if d.status is not None else (d.transport or "unknown"))
        self.errors[key] += 1
        if self.on_threshold is not None and self.errors[key] == self.threshold:
            self.on_threshold(key, self.errors[key], d)

    def product_of(self, path: str) -> Product | None:
        from binance_doctor.errors.extract import product_hint

        hint = product_hint(path if path.startswith("/") else "/" + path)
        return hint[0] if hint else None


class _Attempts:
    """One request's life: sends, diagnoses, and the policy's next move."""

    def __init__(self, session: Session, method: str, path: str, params: dict[str, Any],
                 signed: bool, client_id: str | None) -> None:
        self.s = session
        self.method, self.path, self.params, self.signed = method, path, params, signed
        self.client_id = client_id
        self.attempt = 0
        self.resynced = False
        self.resent = False
        self.uncertain = False       # an answer was lost: the order may exist

    def run(self) -> Any:
        while True:
            d, answer = self._once(self.method, self.path, self.params, self.signed)
            if d is None:
                return answer
            if self.client_id and self.uncertain and d.code == -2010 and \
                    (d.message or "").startswith(_DUPLICATE):
                found = self._query()          # our own lost order made it after all
                if found is not None:
                    return found
            decision = retry_decision(d, method=self.method, path=self.path,
                                      attempt=self.attempt)
            self.attempt += 1
            if decision.action == "query_first" and self.client_id:
                self.uncertain = True
                found = self._query()
                if found is not None:
                    return found
                if self.resent:
                    raise self._error(d, "queried after the one resend: not found; "
                                         "nothing more is sent")
                self.resent = True
                continue                        # not placed: resend once, same id
            if decision.action == "retry" and d.code == -1021:
                if self.resynced:
                    raise self._error(d)
                self.s.resync(self.path)
                self.resynced = True
                continue
            if decision.action in ("retry", "wait") and (decision.seconds or 0) <= \
                    self.s.max_wait:
                self.s._sleep(decision.seconds or 0)
                continue
            raise self._error(_with_retry(d, decision))

    def _once(self, method: str, path: str, params: dict[str, Any],
              signed: bool) -> tuple[Diagnosis | None, Any]:
        import httpx

        now = self.s._clock()
        try:
            response = self.s.send(method, path, params, signed)
        except httpx.HTTPError as exc:
            d = diagnose(exc, product=self.s.product_of(path), now=now)
        else:
            if response.is_success:
                try:
                    return None, response.json()
                except ValueError:
                    d = diagnose(response, product=self.s.product_of(path), now=now)
            else:
                d = diagnose(response, product=self.s.product_of(path), now=now)
        self.s.count(d)
        if d.retry.action == "stop" and (d.status == 418 or d.retry.seconds):
            self.s.banned_until = now + (d.retry.seconds or 0)
        return d, None

    def _query(self) -> Any:
        """The order by its client order id: the order, or None when Binance says it
        does not exist. Raises when that cannot be told."""
        params = {"symbol": self.params.get("symbol"), "origClientOrderId": self.client_id}
        last: Diagnosis | None = None
        for attempt in range(5):
            d, answer = self._once("GET", self.path, params, True)
            if d is None:
                return answer
            last = d
            if d.code == _NOT_FOUND_CODE:
                return None
            decision = retry_decision(d, method="GET", path=self.path, attempt=attempt)
            if decision.action not in ("retry", "wait") or (decision.seconds or 0) > \
                    self.s.max_wait:
                break
            self.s._sleep(decision.seconds or 0)
        unknown = Retry("query_first", None, "the order's status is still unknown: ask "
                                             "again before sending it (binance-doctor "
                                             "order-status)")
        assert last is not None     # the loop ran and every pass ended in an error
        raise self._error(_with_retry(last, unknown), "the order could not be queried")

    def _error(self, d: Diagnosis, note: str | None = None) -> BinanceError:
        return BinanceError(d, method=self.method, path=self.path, attempts=self.attempt,
                            client_order_id=self.client_id, note=note)


def _with_retry(d: Diagnosis, retry: Retry) -> Diagnosis:
    from dataclasses import replace

    return replace(d, retry=retry)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
