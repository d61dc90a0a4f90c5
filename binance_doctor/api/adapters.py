"""Reading an error out of whatever a bot holds: a client library's exception, an HTTP
response, a dict body or text.

Owns the duck-typed adapters behind `binance_doctor.diagnose()`. No client library is
imported: each shape is recognised by its class name, module and attributes, so
python-binance, ccxt, binance-connector / binance-futures-connector, the modular
`binance-sdk-*` packages (`binance_common`), httpx, requests and aiohttp all work
without becoming dependencies. Every adapter returns a `Raw`; none raises (attribute
access on foreign objects is guarded, since properties can raise anything).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from binance_doctor.product import Product

# How a request ended when no answer came back.
SENT_UNKNOWN = "unknown"     # it may have reached Binance: a read timeout, a dropped line
NOT_SENT = "not_sent"        # it never left: connection refused, connect timeout, DNS

# binance_common (binance-sdk-*) puts the Binance code in `status_code` and names the
# HTTP status by class; its ServerError carries the HTTP status itself.
_SDK_STATUS = {"BadRequestError": 400, "UnauthorizedError": 401, "ForbiddenError": 403,
               "NotFoundError": 404, "RateLimitBanError": 418, "TooManyRequestsError": 429}

# Exception class names that say a request never left, or may have arrived.
_NOT_SENT_NAMES = frozenset({"ConnectError", "ConnectTimeout", "ConnectionRefusedError",
                             "ClientConnectorError", "NameResolutionError", "gaierror",
                             "InvalidURL", "MissingSchema", "InvalidSchema"})
_UNKNOWN_NAMES = frozenset({"ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException",
                            "Timeout", "TimeoutError", "timeout", "RemoteProtocolError",
                            "ReadError", "WriteError", "ConnectionResetError",
                            "RemoteDisconnected", "ChunkedEncodingError",
                            "ServerDisconnectedError", "ServerTimeoutError",
                            "RequestTimeout", "IncompleteRead", "BrokenPipeError",
                            "ConnectionAbortedError", "ProtocolError"})


@dataclass(frozen=True)
class Raw:
    """What an object says about one error, before the catalog is asked."""

    source: str                              # "python-binance", "ccxt", "httpx", "text", ...
    code: int | None = None
    status: int | None = None
    message: str | None = None
    text: str | None = None                  # free text to search when nothing is structured
    headers: dict[str, str] = field(default_factory=dict)   # names lower-cased
    url: str | None = None
    transport: str | None = None             # SENT_UNKNOWN / NOT_SENT for network failures
    product: Product | None = None
    product_from: str | None = None


def read(x: Any) -> Raw:
    """The error `x` describes. Never raises."""
    try:
        return _read(x, 0)
    except Exception:  # noqa: BLE001 - foreign objects may raise anything, anywhere
        return Raw("unknown", text=_safe_str(x))


def _read(x: Any, depth: int) -> Raw:
    if x is None:
        return Raw("none")
    if isinstance(x, bytes | bytearray | memoryview):
        return Raw("text", text=bytes(x).decode("utf-8", "replace"))
    if isinstance(x, str):
        return Raw("text", text=x)
    if isinstance(x, dict):
        return from_body(x, Raw("dict"))
    if isinstance(x, int) and not isinstance(x, bool):
        return Raw("text", text=str(x))
    if isinstance(x, BaseException):
        return _exception(x, depth)
    if _is_response(x):
        return _response(x, _module(x).split(".")[0] or "response")
    return Raw("unknown", text=_safe_str(x))


# -- exceptions ------------------------------------------------------------------

def _exception(e: BaseException, depth: int) -> Raw:
    name, module = type(e).__name__, _module(e)
    if module.startswith("ccxt"):
        return _ccxt(e, name)
    if module.startswith("binance_common"):
        return _binance_common(e, name)
    if _has(e, "error_code") and _has(e, "error_message"):        # binance-connector ClientError
        raw = Raw("binance-connector", code=_int(_get(e, "error_code")),
                  status=_int(_get(e, "status_code")),
                  message=_str(_get(e, "error_message")), headers=_headers(_get(e, "header")))
        return _from_data(raw, _get(e, "error_data"))
    if module.startswith("binance") and name == "ServerError":      # binance-connector 5xx
        return _text_or(Raw("binance-connector", status=_int(_get(e, "status_code"))),
                        _str(_get(e, "message")))
    if name in ("BinanceAPIException", "BinanceOrderException") or (
            module.startswith("binance") and _has(e, "code") and _has(e, "message")):
        return _python_binance(e, depth)
    response = _get(e, "response")
    if response is not None and _is_response(response) and depth < 3:
        raw = _response(response, _module(e).split(".")[0] or "exception")
        return raw if raw.status or raw.code else _network(e, name, raw)
    network = _network(e, name, Raw(_module(e).split(".")[0] or "exception"))
    if network.transport:
        return network
    status = _int(_get(e, "status")) or _int(_get(e, "status_code"))   # aiohttp & co.
    code = _int(_get(e, "code"))
    if (status and 100 <= status <= 599) or (code is not None and code < 0):
        return Raw(_module(e).split(".")[0] or "exception", code=code if code and code < 0
                   else None, status=status if status and 100 <= status <= 599 else None,
                   message=_str(_get(e, "message")) or _safe_str(e) or None,
                   headers=_headers(_get(e, "headers")))
    cause = e.__cause__ or e.__context__
    if cause is not None and depth < 3:
        inner = _read(cause, depth + 1)
        if inner.code or inner.status or inner.transport:
            return inner
    return Raw(_module(e).split(".")[0] or "exception", text=_safe_str(e))


def _python_binance(e: BaseException, depth: int) -> Raw:
    code = _int(_get(e, "code"))
    raw = Raw("python-binance", code=code if code else None,
              status=_int(_get(e, "status_code")), message=_str(_get(e, "message")))
    response = _get(e, "response")
    if response is not None and _is_response(response):
        answer = _response(response, "python-binance")
        raw = Raw("python-binance", code=raw.code or answer.code,
                  status=raw.status or answer.status, message=raw.message or answer.message,
                  text=None if raw.code else answer.text, headers=answer.headers,
                  url=answer.url)
    if raw.code is None and raw.message:
        # "Invalid JSON error message from Binance: <html>...": the page is the error.
        raw = Raw(raw.source, status=raw.status, text=raw.message, headers=raw.headers,
                  url=raw.url)
    return raw


def _binance_common(e: BaseException, name: str) -> Raw:
    message = _str(_get(e, "error_message"))
    number = _int(_get(e, "status_code"))
    headers = {}
    wait = _int(_get(e, "retry_after"))
    if wait is not None:
        headers["retry-after"] = str(wait)
    if name == "NetworkError":
        return Raw("binance-sdk", message=message, transport=SENT_UNKNOWN)
    if name == "ServerError":
        return Raw("binance-sdk", status=number if number and number >= 500 else 500,
                   text=message, headers=headers)
    status = _SDK_STATUS.get(name)
    code = number if number is not None and number < 0 else None
    if status is None and code is None:
        return _text_or(Raw("binance-sdk", headers=headers), message)
    return Raw("binance-sdk", code=code, status=status, message=message, headers=headers)


def _ccxt(e: BaseException, name: str) -> Raw:
    # ccxt keeps only text: "binance {"code":-2010,...}", "binance GET url 502 Bad
    # Gateway ...", or a documented message with the code dropped.
    text = _safe_str(e)
    family = {c.__name__ for c in type(e).__mro__}
    if "RequestTimeout" in family:
        return Raw("ccxt", text=text, transport=SENT_UNKNOWN)
    if "NetworkError" in family:
        from binance_doctor.errors.extract import find_all

        if not find_all(text):
            return Raw("ccxt", text=text, transport=SENT_UNKNOWN)
    return Raw("ccxt", text=text)


def _network(e: BaseException, name: str, raw: Raw) -> Raw:
    """Below HTTP: a request that never left, or one whose answer never came."""
    names = {c.__name__ for c in type(e).__mro__}
    if name in _NOT_SENT_NAMES or ("ConnectTimeout" in names):
        kind = NOT_SENT
    elif names & _UNKNOWN_NAMES:
        kind = SENT_UNKNOWN
    elif "ConnectionError" in names and "Connection refused" in _safe_str(e):
        kind = NOT_SENT
    elif "ConnectionError" in names or "OSError" in names and "timed out" in _safe_str(e):
        kind = SENT_UNKNOWN
    else:
        return raw
    return Raw(raw.source, message=f"{name}: {_safe_str(e)}"[:400], transport=kind)


# -- responses and bodies ------------------------------------------------------------

def _is_response(x: Any) -> bool:
    status = _get(x, "status_code") if _has(x, "status_code") else _get(x, "status")
    return isinstance(status, int) and _has(x, "headers") and (
        _has(x, "text") or _has(x, "content"))


def _response(r: Any, source: str) -> Raw:
    status = _int(_get(r, "status_code"))
    if status is None:
        status = _int(_get(r, "status"))
    headers = _headers(_get(r, "headers"))
    text = _get(r, "text")
    if callable(text):          # aiohttp: text() is a coroutine; the body is not at hand
        text = None
    if text is None:
        content = _get(r, "content")
        text = bytes(content).decode("utf-8", "replace") if isinstance(
            content, bytes | bytearray) else None
    url = _url(r)
    raw = Raw(source, status=status, headers=headers, url=url)
    body = parse_json(text) if isinstance(text, str) else None
    if isinstance(body, dict):
        return from_body(body, raw)
    return Raw(source, status=status, text=text if isinstance(text, str) else None,
               headers=headers, url=url)


def _url(r: Any) -> str | None:
    request = _get(r, "request")
    url = _get(request, "url") if request is not None else None
    if url is None:
        url = _get(r, "url")
    return _str(url)


def from_body(body: dict, raw: Raw) -> Raw:
    code, msg = body.get("code"), body.get("msg")
    if isinstance(code, str) and code.lstrip("-").isdigit():
        code = int(code)
    code = code if isinstance(code, int) and not isinstance(code, bool) and code < 0 else None
    msg = msg if isinstance(msg, str) and msg.strip() else None
    if code is None and msg is None:
        return Raw(raw.source, status=raw.status, text=json.dumps(body, default=str)[:2000],
                   headers=raw.headers, url=raw.url)
    return Raw(raw.source, code=code, status=raw.status, message=msg, headers=raw.headers,
               url=raw.url)


def _from_data(raw: Raw, data: Any) -> Raw:
    if raw.code is None and isinstance(data, dict):
        return from_body(data, raw)
    return raw


def _text_or(raw: Raw, text: str | None) -> Raw:
    body = parse_json(text) if text else None
    if isinstance(body, dict):
        return from_body(body, raw)
    return Raw(raw.source, status=raw.status, text=text, headers=raw.headers)


def parse_json(text: str) -> Any:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# -- guarded access ----------------------------------------------------------------

def _get(x: Any, name: str) -> Any:
    try:
        return getattr(x, name, None)
    except Exception:  # noqa: BLE001 - a property on a foreign object may raise
        return None


def _has(x: Any, name: str) -> bool:
    try:
        return hasattr(x, name)
    except Exception:  # noqa: BLE001 - as above
        return False


def _module(x: Any) -> str:
    return _str(getattr(type(x), "__module__", "")) or ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    try:
        return str(value) or None
    except Exception:  # noqa: BLE001 - __str__ of a foreign object may raise
        return None


def _safe_str(x: Any) -> str:
    try:
        text = str(x)
    except Exception:  # noqa: BLE001 - as above
        try:
            text = repr(x)
        except Exception:  # noqa: BLE001 - as above
            text = ""
    return text if isinstance(text, str) else ""


def _headers(h: Any) -> dict[str, str]:
    if h is None:
        return {}
    try:
        items = h.items() if hasattr(h, "items") else h
        return {str(k).lower(): str(v) for k, v in items}
    except Exception:  # noqa: BLE001 - header containers of every client library
        return {}
