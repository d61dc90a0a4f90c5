"""What doctor's answers mean: one check line per thing checked, the most important first.

A line is ok, warn or fail, says what was seen and, when not ok, the one fix.
Failures name a cause (an id such as `restricted_location`) and carry the exit
code of that cause; `exit_code` picks the specific code when every failure
shares it, and CHECKS_FAILED (27) when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from binance_doctor.clock import offset as clocks
from binance_doctor.clock import view as clockview
from binance_doctor.doctor.host import HostReport
from binance_doctor.failure import ExitCode
from binance_doctor.key.analysis import KeyReport
from binance_doctor.key.analysis import Status as KeyStatus
from binance_doctor.net.transport import NetworkFailure

OK, WARN, FAIL = "ok", "warn", "fail"
PRODUCT_TITLES = {"spot": "Spot host", "usdm": "USDⓈ-M host", "coinm": "COIN-M host"}
WEIGHT_WARN_SHARE = 0.8         # warn when the minute's weight is past this share


@dataclass(frozen=True)
class Check:
    id: str                    # e.g. "host.spot", "clock", "key"
    title: str
    status: str                # ok, warn, fail
    detail: str
    fix: str | None = None
    cause: str | None = None   # why it failed, e.g. "restricted_location"
    exit_code: ExitCode = ExitCode.OK


# Most important first: a cause earlier here hides or explains the later ones.
CAUSE_ORDER = ("restricted_location", "ip_banned", "waf_block", "rate_limited",
               "dns_failure", "unreachable", "tls_failure", "timeout", "server_error",
               "system_maintenance", "clock_rejected", "key_problem", "trading_locked",
               "weight_high")

_NETWORK_CAUSES = {ExitCode.RESTRICTED: "restricted_location", ExitCode.IP_BANNED: "ip_banned",
                   ExitCode.FORBIDDEN: "waf_block", ExitCode.RATE_LIMITED: "rate_limited",
                   ExitCode.TLS: "tls_failure", ExitCode.TIMEOUT: "timeout",
                   ExitCode.SERVER_ERROR: "server_error", ExitCode.UNREACHABLE: "unreachable"}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def network_fix(failure: NetworkFailure, cause: str) -> str:
    """The one fix for a failure below the API, in doctor's words."""
    if cause == "restricted_location":
        return ("Binance refuses service to this IP's location (HTTP 451, \"restricted "
                "location\"). Cloud machines count by the region's country: US regions of "
                "AWS, GCP and Azure, GitHub Actions and Colab runners are refused too. Run "
                "from a region Binance serves; US residents use Binance.US "
                "(https://api.binance.us), a separate exchange with its own keys and no "
                "futures.")
    if cause == "waf_block":
        who = failure.edge or "The CDN in front of Binance"
        return (f"{who} refused the request before it reached the API: a WAF rule (an odd "
                "URL, header or user agent, or a burst of requests) or a block on this IP. "
                "Check the base URL, any proxy and the headers your client sends; if it "
                "lasts, try from another IP.")
    if cause == "ip_banned":
        wait = (f" (Retry-After: {failure.retry_after:g} s)"
                if failure.retry_after is not None else "")
        return (f"Send nothing until the ban ends{wait}: requests during a ban lengthen it, "
                "from 2 minutes up to 3 days. Then keep X-MBX-USED-WEIGHT-1M under the limit "
                "and use WebSocket streams instead of polling.")
    if cause == "rate_limited":
        wait = (f"{failure.retry_after:g} s (Retry-After)" if failure.retry_after is not None
                else "a minute")
        return (f"Wait {wait} before the next request; a bot that keeps going after a 429 "
                "is banned (418). Slow down before X-MBX-USED-WEIGHT-1M reaches the limit.")
    if cause == "server_error":
        return ("Binance, or a proxy in front of it, failed: try again later. An order sent "
                "while this happens has an unknown status: query it before sending it again.")
    return failure.hint or "check the network path to Binance"


def host_check(report: HostReport) -> Check:
    title = PRODUCT_TITLES[report.product]
    if report.failure is None:
        tls = f", TLS {_ms(report.tls_ms)}" if report.tls_ms is not None else ""
        address = report.addresses[0] if report.addresses else "?"
        return Check(f"host.{report.product}", title, OK,
                     f"{report.host} ({address}): DNS {_ms(report.dns_ms)}, TCP "
                     f"{_ms(report.tcp_ms)}{tls}, ping {_ms(report.ping_ms)}")
    failure = report.failure
    cause = _NETWORK_CAUSES.get(failure.exit_code, "unreachable")
    if report.failed_step == "dns":
        cause = "dns_failure"
    return Check(f"host.{report.product}", title, FAIL, f"{report.host}: {failure.message}",
                 network_fix(failure, cause), cause, failure.exit_code)


def status_check(report: HostReport) -> Check | None:
    if report.system_status is None:
        return None
    code, msg = report.system_status
    if code == 0:
        return Check("system_status", "System status", OK, f"{msg or 'normal'} (status 0)")
    return Check("system_status", "System status", FAIL,
                 f"{msg or 'system maintenance'} (status {code})",
                 "Binance is in maintenance: wait for it to end before trading; open orders "
                 "keep their state.", "system_maintenance", ExitCode.CHECKS_FAILED)


def limits_check(report: HostReport) -> Check | None:
    if not report.limits:
        return None
    said = ", ".join(f"{r.kind} {r.limit}/{r.interval.lower()}" for r in report.limits)
    return Check(f"limits.{report.product}", f"{PRODUCT_TITLES[report.product][:-5]} limits",
                 OK, said)


def weight_check(hosts: list[HostReport], spent: dict[str, int]) -> Check | None:
    """X-MBX-USED-WEIGHT-1M against the limit, per host, and this run's share of it."""
    parts, worst, seen = [], 0.0, set()
    for h in hosts:
        if h.used_weight is None or not h.weight_limit or h.host in seen:
            continue
        seen.add(h.host)
        share = h.used_weight / h.weight_limit
        worst = max(worst, share)
        mine = spent.get(h.host, 0)
        parts.append(f"{h.host} {h.used_weight} of {h.weight_limit} this minute "
                     f"(this run: {mine})")
    if not parts:
        return None
    if worst >= WEIGHT_WARN_SHARE:
        return Check("weight", "Weight in use", WARN, "; ".join(parts),
                     "something else on this IP uses most of the request weight: find it "
                     "before it gets the IP a 429 and then a 418 ban", "weight_high")
    return Check("weight", "Weight in use", OK, "; ".join(parts))


def clock_check(report: clocks.ClockReport) -> Check:
    line = clockview.verdict_heading(report).text
    est = report.binance
    said = f"{clockview.relation(est.offset_ms, 'Binance')} (± {clockview.ms(est.uncertainty_ms)})"
    if report.ntp is not None and report.ntp.consensus_ms is not None:
        said += f"; {clockview.relation(report.ntp.consensus_ms, 'NTP')}"
    if report.window.verdict is clocks.Verdict.PASS:
        return Check("clock", "Clock", OK, f"{said}. {line}")
    commands = " then ".join(report.resync.commands)
    fix = (f"Resync the clock ({report.resync.service}): {commands}." if commands
           else f"Resync the clock: {report.resync.note}.")
    fix += f" Or correct timestamps by {report.window.client_offset_ms:+d} ms in your client."
    return Check("clock", "Clock", FAIL, f"{said}. {line}", fix, "clock_rejected",
                 ExitCode.CLOCK_REJECTED)


def key_check(report: KeyReport) -> Check:
    bad = [c for c in report.causes if c.status is KeyStatus.BAD]
    warn = [c for c in report.causes if c.status is KeyStatus.WARN]
    offline_bad = [c for c in report.offline if c.status is KeyStatus.BAD]
    if bad:
        top = bad[0]
        more = f" (+{len(bad) - 1} more: run check-key)" if len(bad) > 1 else ""
        return Check("key", "API key", FAIL, f"{top.title}{more}", top.fix, "key_problem",
                     report.exit_code)
    if offline_bad:
        top = offline_bad[0]
        return Check("key", "API key", FAIL, f"{top.title} {top.detail}", top.fix,
                     "key_problem", ExitCode.KEY_PROBLEM)
    algorithm = report.algorithm.upper()
    if warn:
        return Check("key", "API key", WARN, warn[0].title, warn[0].fix)
    return Check("key", "API key", OK, f"known on {report.network}; {algorithm} signatures "
                 f"accepted by every checked product")


def trading_check(body: object, now_ms: float) -> Check | None:
    """GET /sapi/v1/account/apiTradingStatus: is API trading locked, and until when."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("isLocked"), bool):
        return None
    if not data["isLocked"]:
        return Check("trading", "Trading status", OK, "API trading is not locked")
    until = data.get("plannedRecoverTime")
    when = ""
    if isinstance(until, int) and until > 0:
        from binance_doctor.errors.diagnosis import ban_end   # the one wording of an end

        when = f" until {ban_end(until, now_ms / 1000)}"
    triggers = data.get("triggerCondition")
    why = (", ".join(f"{k} {v}" for k, v in triggers.items())
           if isinstance(triggers, dict) else "")
    return Check("trading", "Trading status", FAIL, f"API trading is locked{when}"
                 + (f" (trigger conditions: {why})" if why else ""),
                 "Binance locked API trading for too many unfilled, cancelled or expired "
                 "orders (the trigger conditions above); wait for the planned recovery time "
                 "and place fewer orders that never fill.", "trading_locked",
                 ExitCode.CHECKS_FAILED)


def _rank(check: Check) -> tuple[int, int]:
    status = {FAIL: 0, WARN: 1, OK: 2}[check.status]
    cause = CAUSE_ORDER.index(check.cause) if check.cause in CAUSE_ORDER else len(CAUSE_ORDER)
    return status, cause


def ordered(checks: list[Check]) -> tuple[Check, ...]:
    """Failures first, by CAUSE_ORDER, then warnings, then the rest in run order."""
    return tuple(sorted(checks, key=_rank))


def exit_code(checks: tuple[Check, ...]) -> ExitCode:
    codes = {c.exit_code for c in checks if c.status == FAIL}
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.CHECKS_FAILED
