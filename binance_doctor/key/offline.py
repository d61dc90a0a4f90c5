"""check-key's offline checks: what is wrong with the key and secret as given, unsent.

The shape of the key and the secret (length, charset, stray whitespace,
quotes, a byte-order mark, a PEM where a secret belongs, key and secret
swapped) and hints from the base URLs. Values are described, never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from binance_doctor import credential
from binance_doctor.failure import BadInput
from binance_doctor.key import probe
from binance_doctor.key.analysis import Check, Status
from binance_doctor.signature import signing

_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{64}")
_BOM = "\ufeff"


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
        # Removed here, but the user's program still sends it: a finding, not a note.
        checks.append(Check("api_key.bom", "API key", Status.BAD,
                            "starts with a byte-order mark (U+FEFF), left by an editor "
                            "that saved the file as \"UTF-8 with BOM\"; removed for this check",
                            "save the file as plain UTF-8, or strip the mark before use; sent "
                            "as is, Binance rejects the key with -2014"))
    stripped = value.strip()
    if stripped != value:
        what = ("a trailing newline" if value.rstrip(" \t") != value.rstrip()
                and value.endswith(("\n", "\r")) else "leading or trailing whitespace")
        checks.append(Check("api_key.whitespace", "API key", Status.BAD,
                            f"has {what}; removed for this check, but your program sends it "
                            "and Binance rejects the key (-2014 or -2015)",
                            "strip the value where your program reads it (a newline from "
                            "`echo` or a file read is the usual culprit)"))
        value = stripped
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
        checks.append(Check("api_key.quotes", "API key", Status.BAD,
                            "is wrapped in quotes; removed for this check, but sent with "
                            "them the key is rejected",
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


def inspect_urls(settings: probe.Settings) -> list[Check]:
    n = settings.network
    return _url_checks((n.spot, n.futures, n.delivery))


def _url_checks(urls: tuple[str, ...]) -> list[Check]:
    checks = []
    for url in dict.fromkeys(urls):
        if probe.is_binance_us(url):
            checks.append(Check("url.binance_us", "Base URL", Status.INFO,
                                f"{urlsplit(url).hostname} is Binance.US, a separate exchange: "
                                "binance.com keys are unknown there (and the reverse), and it "
                                "has no USDⓈ-M or COIN-M futures",
                                "use a key created on binance.us, or https://api.binance.com "
                                "for a binance.com key"))
            break
    return checks


def read_credentials(*, api_key: str | None, secret: str | None, secret_file: str | None,
                     private_key: str | None,
                     secret_from: tuple[str, str] | None = None) -> credential.Credentials:
    """credential.read, with a clearer error when the private-key file is an HMAC secret."""
    try:
        return credential.read(api_key=api_key, secret=secret, secret_file=secret_file,
                               private_key=private_key, secret_from=secret_from)
    except signing.BadKey:
        if private_key:
            data = credential.read_text_file(private_key, "private key file")
            if _KEY_SHAPE.fullmatch(data.decode("utf-8", "replace").strip(" \r\n\ufeff\"'")):
                raise BadInput("the --private-key file holds a 64-character HMAC secret, "
                               "not a PEM private key",
                               hint="pass it with --secret-file FILE or set "
                                    f"{credential.ENV_SECRET}") from None
        raise



@dataclass(frozen=True)
class Prepared:
    """A key and its credentials made ready to send, with what the offline checks found."""

    api_key: str                           # cleaned of BOM, whitespace and quotes
    creds: credential.Credentials
    offline: tuple[Check, ...]
    sendable: bool                         # false: an HTTP header cannot carry the key


def prepare(raw_key: str, *, secret: str | None, secret_file: str | None,
            private_key: str | None, urls: tuple[str, ...],
            secret_from: tuple[str, str] | None = None) -> Prepared:
    """Every offline step check-key (and doctor) run before sending: the key's shape,
    reading and checking the secret or private key, and the base URLs' hints."""
    key, key_checks = inspect_api_key(raw_key)
    creds = read_credentials(api_key=key, secret=secret, secret_file=secret_file,
                             private_key=private_key, secret_from=secret_from)
    creds, secret_checks = inspect_credentials(creds, key)
    offline = (*key_checks, *secret_checks, *_url_checks(urls))
    return Prepared(key, creds, offline, key.isascii() and key.isprintable() and bool(key))
