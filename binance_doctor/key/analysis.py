"""check-key's analysis: what the answers mean, as check lines and root causes.

-2015 ("Invalid API-key, IP, or permissions for action") has several root
causes that look the same from the outside: an unknown or revoked key, an IP
that is not whitelisted, a permission that is off, a spot-only key on a
futures domain, a testnet key on mainnet or the reverse. `report` walks what
the probes (probe.py) and the offline checks (offline.py) saw and names each
cause once, with its fix; the exit code follows from the worst of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from binance_doctor import credential
from binance_doctor.failure import ExitCode
from binance_doctor.key import probe
from binance_doctor.net import guard
from binance_doctor.net.transport import NetworkFailure
from binance_doctor.signature import signing


# -- findings ------------------------------------------------------------------

class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    SKIP = "skip"
    INFO = "info"


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
    requests: tuple[guard.Sent, ...]
    exit_code: ExitCode

    @property
    def weight(self) -> int:
        return sum(r.weight for r in self.requests)

    def weight_by_host(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.requests:
            out[r.host] = out.get(r.host, 0) + r.weight
        return out


# -- explaining what came back ------------------------------------------------------

_NETWORK_CAUSES = {
    ExitCode.RESTRICTED: "http_451", ExitCode.IP_BANNED: "http_418",
    ExitCode.RATE_LIMITED: "http_429", ExitCode.FORBIDDEN: "http_403",
}
RESTRICTION_FIELDS = (
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
TIME_FIELDS = {"createTime": "Created",
                "tradingAuthorityExpirationTime": "Trading authority ends"}
_ACCOUNT_FIELDS = ("canTrade", "canWithdraw", "canDeposit", "accountType", "permissions")


def utc_date(ms: float) -> str:
    from binance_doctor.epoch import utc_text

    return utc_text(ms)


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

    def __init__(self, settings: probe.Settings, creds: credential.Credentials, now_ms: float) -> None:
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

    def futures_disabled(self, call: probe.Call) -> str:
        return self.cause(Cause(
            "futures_disabled", Status.BAD, "Futures are not enabled for this key",
            f"The key works on spot, but {call.path} answers -2015 and apiRestrictions says "
            "enableFutures is false. Binance documents that a key created before the futures "
            "account was opened cannot use the futures API.",
            "Edit the key in API Management and tick \"Enable Futures\"; if the option is "
            "missing or cannot be ticked because the key predates the futures account, "
            "create a new key."))

    def futures_unavailable(self, call: probe.Call) -> str:
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

    def permission_missing(self, call: probe.Call) -> str:
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

    def other_error(self, outcome: probe.Outcome) -> str:
        return self.cause(Cause(
            f"error_{outcome.code}", Status.BAD,
            f"{outcome.call.path} answered {outcome.code}: {outcome.message}",
            "This code is not one of the key problems check-key knows how to tell apart.",
            f"See `binance-doctor explain {outcome.code}`.", dig=f"explain {outcome.code}"))

    def mixup(self, checked: probe.Network, other: probe.Network, where: list[str]) -> str:
        return self.cause(Cause(
            "testnet_mixup", Status.BAD, f"This is a {other.name} key, used on {checked.name}",
            f"{checked.name.capitalize()} does not know the key, but the {other.name} does "
            f"({', '.join(where)}).",
            (f"Point your program at the {other.name} ({other.spot} for spot, "
             f"{other.futures} for futures), or create a {checked.name} key "
             + ("in API Management on binance.com." if checked.name == "mainnet" else
                "on testnet.binance.vision (spot) or testnet.binancefuture.com (futures)."))))

    def key_unknown(self, checked: probe.Network, probed: bool) -> str:
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

    def explain(self, outcome: probe.Outcome, spot_ok: bool) -> Check:
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

    def classify(self, outcome: probe.Outcome, spot_ok: bool) -> str | None:
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

    def summary(self, outcome: probe.Outcome) -> str:
        body = outcome.body
        if outcome.call.id == "restrictions" and isinstance(body, dict):
            on = [label for key, label in RESTRICTION_FIELDS
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
                    f"Trading authority expired on {utc_date(expiry)}",
                    "apiRestrictions gives tradingAuthorityExpirationTime, the end of the "
                    "key's spot and margin trading permission, and it has passed: orders "
                    "are refused with -2015 although the key can still read.",
                    "Edit the key in API Management and enable spot and margin trading "
                    "again (or create a new key)."))
                out.append(Check("restrictions.trading_expiry", "Trading authority",
                                 Status.BAD, f"expired on {utc_date(expiry)}", cause=cid,
                                 fix=self.causes[cid].fix))
            else:
                out.append(Check("restrictions.trading_expiry", "Trading authority",
                                 Status.INFO, f"spot and margin trading permission ends on "
                                 f"{utc_date(expiry)}"))
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


def _clock_checks(phase: probe.Phase, prefix: str) -> tuple[list[Check], list[ClockLine], list[Cause]]:
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


def report(creds: credential.Credentials, settings: probe.Settings,
           offline: tuple[Check, ...], probes: probe.Probes, now_ms: float) -> KeyReport:
    """Everything seen, offline and online, turned into check lines and root causes."""
    primary, other = probes.primary, probes.probe
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
    if primary is not None and probe.rejected_as_unknown(primary):
        accepted = []
        if other is not None:
            checks, lines, causes = _clock_checks(other, "probe")
            probe_checks += checks
            clock_lines += lines
            for c in causes:
                an.cause(c)
            for outcome in other.outcomes.values():
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
            cid = an.key_unknown(primary.network, other is not None)
        online = [replace(c, cause=cid, fix=an.causes[cid].fix)
                  if c.status is Status.BAD and c.cause is None else c for c in online]
    restrictions = None
    if an.restrictions is not None:
        restrictions = tuple((k, an.restrictions.get(k)) for k, _ in RESTRICTION_FIELDS
                             if k in an.restrictions)
        restrictions += tuple((k, an.restrictions[k]) for k in TIME_FIELDS
                              if k in an.restrictions)
    causes = tuple(an.causes.values())
    return KeyReport(
        network=settings.network.name, algorithm=creds.algorithm.value, source=creds.source,
        offline=tuple(offline), online=tuple(online),
        probe_network=settings.other.name if other is not None else None,
        probe=tuple(probe_checks), causes=causes, restrictions=restrictions,
        account=account, clocks=tuple(clock_lines), requests=probes.sent,
        exit_code=_exit_code(causes, offline))


def _exit_code(causes: tuple[Cause, ...], offline: tuple[Check, ...]) -> ExitCode:
    bad = [c for c in causes if c.status is Status.BAD]
    for c in bad:
        if c.exit_code in probe.HALTING:
            return c.exit_code
    if any(c.exit_code is ExitCode.KEY_PROBLEM for c in bad) or any(
            c.status is Status.BAD for c in offline):
        return ExitCode.KEY_PROBLEM
    return bad[0].exit_code if bad else ExitCode.OK

