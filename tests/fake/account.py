"""Signed account endpoints for the loopback Binance (tests/fake/server.py), per API key.

`FakeAccounts(server, keys, sapi=True)` registers, through `server.route()`:

- GET /sapi/v1/account/apiRestrictions and /sapi/v1/account/apiTradingStatus (only with
  `sapi`: the testnets have no /sapi),
- GET /api/v3/account, GET /fapi/v3/balance, GET /dapi/v1/balance,

and checks every request the way Binance does, in this order: the API key's
format (-2014), whether the key exists here (-2015, or -2008 on /sapi), the
key's trusted IPs (-2015 "..., request ip: X"), timestamp and recvWindow
(-1102, -1131, -1021), the signature (-1022: HMAC-SHA256 hex, RSA PKCS#1 v1.5
SHA-256 or Ed25519 base64, over the percent-encoded payload), and the
permission the endpoint needs (-2015). Two FakeBinance instances with
different key sets stand in for mainnet and testnet.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from binance_doctor.signature import signing
from fake.server import FakeBinance, Reply, Request, binance_error, reply_json

KEY_FORMAT = re.compile(r"[A-Za-z0-9]{64}")
REJECTED = "Invalid API-key, IP, or permissions for action"
RESTRICTIONS_PATH = "/sapi/v1/account/apiRestrictions"
TRADING_STATUS_PATH = "/sapi/v1/account/apiTradingStatus"
SIGNED_PATHS = (RESTRICTIONS_PATH, TRADING_STATUS_PATH, "/api/v3/account", "/fapi/v3/balance",
                "/dapi/v1/balance")
MAX_RECV_WINDOW = 60_000
DEFAULT_RECV_WINDOW = 5_000

DEFAULT_RESTRICTIONS = {
    "createTime": 1_698_645_219_000,
    "enableReading": True,
    "enableSpotAndMarginTrading": True,
    "enableMargin": False,
    "enableFutures": True,
    "enableVanillaOptions": False,
    "enablePortfolioMarginTrading": False,
    "enableWithdrawals": False,
    "enableInternalTransfer": False,
    "permitsUniversalTransfer": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": False,
}


@dataclass
class FakeKey:
    """One API key as the exchange stores it."""

    api_key: str
    secret: str | None = None               # HMAC
    public_key: Any = None                  # an RSA or Ed25519 public key (cryptography)
    restrictions: dict = field(default_factory=dict)
    trusted_ips: tuple[str, ...] | None = None   # None: any IP
    locked_until_ms: int | None = None      # API trading locked until then (apiTradingStatus)

    def permissions(self) -> dict:
        out = {**DEFAULT_RESTRICTIONS, **self.restrictions,
               "ipRestrict": self.trusted_ips is not None}
        return out


def _verify(key: FakeKey, payload: str, signature: str) -> bool:
    if key.secret is not None:
        expected = signing.sign(signing.hmac_key(key.secret), payload)
        return signing.same_signature(signing.Algorithm.HMAC, expected, signature)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        if isinstance(key.public_key, rsa.RSAPublicKey):
            key.public_key.verify(raw, payload.encode(), padding.PKCS1v15(), hashes.SHA256())
        else:
            key.public_key.verify(raw, payload.encode())
    except InvalidSignature:
        return False
    return True


class FakeAccounts:
    """Per-key accounts on one FakeBinance; `keys` may be changed between requests."""

    def __init__(self, server: FakeBinance, keys: list[FakeKey], *, sapi: bool = True) -> None:
        self.server = server
        self.keys = {k.api_key: k for k in keys}
        for path in SIGNED_PATHS:
            if path.startswith("/sapi/") and not sapi:
                continue
            server.route("GET", path, self._handle)

    def authenticate(self, req: Request) -> FakeKey | Reply:
        api_key = req.headers.get("x-mbx-apikey", "")
        if not KEY_FORMAT.fullmatch(api_key):
            return binance_error(401, -2014, "API-key format invalid.")
        key = self.keys.get(api_key)
        if key is None:
            if req.path.startswith("/sapi/"):
                return binance_error(401, -2008, "Invalid Api-Key ID.")
            return binance_error(401, -2015, f"{REJECTED}.")
        if key.trusted_ips is not None and req.client not in key.trusted_ips:
            return binance_error(401, -2015, f"{REJECTED}, request ip: {req.client}")
        stamp, window = req.param("timestamp"), req.param("recvWindow")
        if not stamp or not stamp.isdigit():
            return binance_error(400, -1102, "Mandatory parameter 'timestamp' was not sent, "
                                 "was empty/null, or malformed.")
        window_ms = int(window) if window and window.isdigit() else DEFAULT_RECV_WINDOW
        if window_ms > MAX_RECV_WINDOW:
            return binance_error(400, -1131, "recvWindow must be less than 60000")
        if int(stamp) >= req.received + 1000:
            return binance_error(400, -1021, "Timestamp for this request was 1000ms ahead "
                                 "of the server's time.")
        if req.received - int(stamp) > window_ms:
            return binance_error(400, -1021, "Timestamp for this request is outside of the "
                                 "recvWindow.")
        _, sent = signing.without_signature(req.raw_query)
        payload = signing.payload(req.raw_query, req.body.decode("utf-8", "replace"))
        if not sent or not _verify(key, payload, signing.decode_from_wire(sent)):
            return binance_error(400, -1022, "Signature for this request is not valid.")
        return key

    def _handle(self, req: Request, srv: FakeBinance) -> Reply:
        key = self.authenticate(req)
        if isinstance(key, Reply):
            return key
        perms = key.permissions()
        if req.path == RESTRICTIONS_PATH:
            return reply_json(perms)
        if req.path == TRADING_STATUS_PATH:
            locked = key.locked_until_ms is not None and key.locked_until_ms > srv.now_ms()
            return reply_json({"data": {
                "isLocked": locked, "plannedRecoverTime": key.locked_until_ms if locked else 0,
                "triggerCondition": {"GCR": 150, "IFER": 150, "UFR": 300},
                "updateTime": srv.now_ms()}})
        if not perms["enableReading"]:
            return binance_error(401, -2015, f"{REJECTED}.")
        if req.path == "/api/v3/account":
            return reply_json({
                "canTrade": perms["enableSpotAndMarginTrading"], "canWithdraw": True,
                "canDeposit": True, "accountType": "SPOT", "permissions": ["SPOT"],
                "balances": [{"asset": "USDT", "free": "10.00000000", "locked": "0.00000000"}],
                "uid": 354937868, "updateTime": srv.now_ms()})
        if not perms["enableFutures"]:
            # What Binance answers a key without futures access on /fapi and /dapi.
            return binance_error(401, -2015, f"{REJECTED}, request ip: {req.client}")
        asset = "USDT" if req.path.startswith("/fapi") else "BTC"
        return reply_json([{"accountAlias": "SgsR", "asset": asset, "balance": "1.0",
                            "availableBalance": "1.0", "updateTime": srv.now_ms()}])
