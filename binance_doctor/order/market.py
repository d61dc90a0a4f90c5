"""The live, read-only data check-order needs: a symbol's exchangeInfo and the price its
rules compare against.

- Spot: `GET /api/v3/exchangeInfo?symbol=`, then `GET /api/v3/referencePrice?symbol=`;
  when that answers a null referencePrice or -2043 ("This symbol doesn't have a
  reference price."), `GET /api/v3/avgPrice?symbol=` (CHANGELOG 2026-05-06 and
  2026-04-16; rest-api.md "Query Reference Price", "Current average price").
- USDⓈ-M / COIN-M: `GET /fapi/v1/exchangeInfo` or `/dapi/v1/exchangeInfo`, then the mark
  price from `GET /fapi/v1/premiumIndex?symbol=` (an object) or
  `/dapi/v1/premiumIndex?symbol=` (a list).

Every path is on the read-only allowlist (net/guard.py), whose hook on the client
refuses anything else before it leaves. Nothing is retried.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator

from binance_doctor.failure import BadInput, DoctorError, ExitCode
from binance_doctor.net import transport
from binance_doctor.order import exchange_info as info
from binance_doctor.order.check import PriceRef, ref_name
from binance_doctor.product import Product

if TYPE_CHECKING:
    import httpx

EXCHANGE_INFO = {Product.SPOT: "/api/v3/exchangeInfo", Product.USDM: "/fapi/v1/exchangeInfo",
                 Product.COINM: "/dapi/v1/exchangeInfo"}
PREMIUM_INDEX = {Product.USDM: "/fapi/v1/premiumIndex", Product.COINM: "/dapi/v1/premiumIndex"}
REFERENCE_PRICE = "/api/v3/referencePrice"
AVG_PRICE = "/api/v3/avgPrice"
# Every path check-order may request without a key (all on net/guard.py's allowlist).
PATHS = frozenset({*EXCHANGE_INFO.values(), *PREMIUM_INDEX.values(), REFERENCE_PRICE,
                   AVG_PRICE})
NO_REFERENCE_PRICE = -2043


@contextmanager
def session(timeout: float) -> Iterator[httpx.Client]:
    if timeout <= 0:
        raise BadInput(f"--timeout must be positive, not {timeout:g}")
    with transport.make_client(timeout) as client:     # carries the read-only guard
        yield client


def _get(client: httpx.Client, url: str, params: dict[str, str], sent: list[str]
         ) -> tuple[int, Any]:
    response = transport.get(client, url, params=params)
    sent.append(f"GET {response.request.url.host}{response.request.url.path}")
    try:   # decimals stay the strings Binance sent
        return response.status_code, json.loads(response.text, parse_float=str)
    except ValueError:
        return response.status_code, transport.json_body(response)


def _binance_error(body: Any) -> tuple[int, str] | None:
    if isinstance(body, dict) and isinstance(body.get("code"), int) and "msg" in body:
        return body["code"], str(body["msg"])
    return None


def _refused(what: str, status: int, body: Any) -> DoctorError:
    err = _binance_error(body)
    said = f"{err[0]} {err[1]}" if err else f"HTTP {status}"
    if err and err[0] == -1121:
        return BadInput(f"Binance says {said} for {what}",
                        hint="check the symbol and --product (spot, usdm, coinm)")
    return DoctorError(f"Binance answered {said} for {what}", exit_code=ExitCode.SERVER_ERROR)


def _price(value: Any, what: str) -> Decimal:
    return info.to_decimal(value, what)


def price_ref(client: httpx.Client, base: str, product: Product, symbol: str
              ) -> tuple[PriceRef, tuple[str, ...]]:
    """The reference price (spot; else the average price) or the mark price (futures)."""
    sent: list[str] = []
    if product is Product.SPOT:
        status, body = _get(client, base + REFERENCE_PRICE, {"symbol": symbol}, sent)
        err = _binance_error(body)
        if status == 200 and isinstance(body, dict) and body.get("referencePrice") is not None:
            return (PriceRef(_price(body["referencePrice"], "referencePrice"),
                             "referencePrice", ref_name(product)), tuple(sent))
        if not (status == 200 and isinstance(body, dict)) and not (
                err and err[0] == NO_REFERENCE_PRICE):
            raise _refused(f"the reference price of {symbol}", status, body)
        status, body = _get(client, base + AVG_PRICE, {"symbol": symbol}, sent)
        if status != 200 or not isinstance(body, dict) or body.get("price") is None:
            raise _refused(f"the average price of {symbol}", status, body)
        return (PriceRef(_price(body["price"], "avgPrice"),
                         f"avgPrice over {body.get('mins', '?')} min (no reference price)",
                         "average price"), tuple(sent))
    status, body = _get(client, base + PREMIUM_INDEX[product], {"symbol": symbol}, sent)
    if isinstance(body, list):     # /dapi answers a list, one entry per symbol
        body = next((b for b in body if isinstance(b, dict)
                     and str(b.get("symbol", "")).upper() == symbol), None)
    if status != 200 or not isinstance(body, dict) or body.get("markPrice") is None:
        raise _refused(f"the mark price of {symbol}", status, body)
    return (PriceRef(_price(body["markPrice"], "markPrice"), "markPrice", ref_name(product)),
            tuple(sent))


def read(client: httpx.Client, base: str, product: Product, symbol: str,
         ref: Decimal | None) -> tuple[info.SymbolRules, PriceRef, tuple[str, ...]]:
    """exchangeInfo for SYMBOL, and the price (unless given)."""
    sent: list[str] = []
    params = {"symbol": symbol} if product is Product.SPOT else {}
    status, body = _get(client, base + EXCHANGE_INFO[product], params, sent)
    if status != 200:
        raise _refused(f"exchangeInfo of {symbol}", status, body)
    rules = info.parse(body, symbol, product)
    if ref is not None:
        return rules, PriceRef(ref, "--price-ref", ref_name(product)), tuple(sent)
    price, more = price_ref(client, base, product, symbol)
    return rules, price, tuple(sent) + more


def signed_fetch(client: httpx.Client, base: str, creds: Any, api_key: str, sent: list[str],
                 recv_window: int = 10_000, now_ms: Any = None):
    """A `Fetch` for the account rules: signed GETs on BASE with the user's key.

    The timestamp is this machine's clock; when Binance answers -1021, the rule says
    so (run `binance-doctor clock`). Binance's messages are redacted of every secret.
    """
    import time

    from binance_doctor.signature import signing

    clock = now_ms or (lambda: int(time.time() * 1000))

    def fetch(path: str, params: list[tuple[str, str]]) -> tuple[int, Any]:
        query = signing.encode_params([*params, ("recvWindow", str(recv_window)),
                                       ("timestamp", str(clock()))])
        signature = creds.sign(signing.payload(query, ""))
        url = (f"{base}{path}?{query}&{signing.SIGNATURE_PARAM}="
               f"{signing.encode_for_wire(creds.algorithm, signature)}")
        response = transport.get(client, url, headers={"X-MBX-APIKEY": api_key})
        sent.append(f"GET {response.request.url.host}{path}")
        try:
            body = json.loads(response.text, parse_float=str)
        except ValueError:
            body = None
        if isinstance(body, dict) and "msg" in body:
            body = {**body, "msg": creds.redact(str(body["msg"]))}
        return response.status_code, body

    return fetch
