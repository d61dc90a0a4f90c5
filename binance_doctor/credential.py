"""Reading the API key and the signing key without ever showing them.

Owns where credentials come from and how they are kept out of output:

- the API key: `--api-key`, else `BINANCE_API_KEY`;
- an HMAC secret: `BINANCE_API_SECRET`, `--secret-file FILE`, or a hidden
  prompt (only when stdin is a terminal). A secret typed on the command line
  works but earns a warning, because it stays in the shell history;
- an RSA or Ed25519 private key: `--private-key FILE` (or
  `BINANCE_PRIVATE_KEY_FILE`), with the passphrase of an encrypted PEM from
  `BINANCE_PRIVATE_KEY_PASSPHRASE` or a hidden prompt.

The result is a frozen `Credentials` whose repr and str name only the source
and key type; `redact()` masks every secret value in any text before it is
shown. I/O (environment, files, prompt, whether stdin is a terminal) comes in
as parameters so tests can fake it.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from binance_doctor.signature import signing
from binance_doctor.output.mask import MASK, SECRETS, looks_like_secret
from binance_doctor.failure import BadInput, DoctorError, ExitCode

ENV_API_KEY = "BINANCE_API_KEY"
ENV_SECRET = "BINANCE_API_SECRET"
ENV_PRIVATE_KEY = "BINANCE_PRIVATE_KEY_FILE"
ENV_PASSPHRASE = "BINANCE_PRIVATE_KEY_PASSPHRASE"
_MAX_FILE = 1024 * 1024
_QUOTES = "\"'"
HISTORY_WARNING = ("the secret was given on the command line, so it is now in your shell "
                   f"history; prefer {ENV_SECRET}, --secret-file or the prompt")


class SecretMissing(DoctorError):
    """No secret or private key could be read."""

    exit_code = ExitCode.SECRET_MISSING


@dataclass(frozen=True)
class Credentials:
    """An API key (maybe absent) and the key that signs. Printing it shows neither."""

    key: signing.SigningKey
    source: str                                  # "BINANCE_API_SECRET", "file x.pem", ...
    api_key: str | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()                  # cleanups and warnings, never a value
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def algorithm(self) -> signing.Algorithm:
        return self.key.algorithm

    def __repr__(self) -> str:
        api = "set" if self.api_key else "absent"
        return (f"Credentials(algorithm={self.algorithm.value}, source={self.source!r}, "
                f"api_key={api})")

    __str__ = __repr__

    def sign(self, message: str) -> str:
        return self.key.sign(message)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value (and its upper/lower-case forms) masked."""
    values = sorted({v for s in secrets if s for v in (s, s.lower(), s.upper())
                     if len(v) >= 4}, key=len, reverse=True)
    for value in values:
        text = text.replace(value, MASK)
    return text


def clean_secret(raw: str) -> tuple[str, tuple[str, ...]]:
    """The secret without the whitespace and quotes that copy-paste adds, and what was cut.

    Binance secrets never contain either, so removing them is safe; saying so
    (without the value) helps when the user's own program kept them.
    """
    notes = []
    value = raw.strip()
    if value != raw:
        notes.append("whitespace around the secret was removed")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        value = value[1:-1].strip()
        notes.append("quotes around the secret were removed")
    return value, tuple(notes)


def read_text_file(path: str | Path, what: str) -> bytes:
    """A small file's bytes, or a clear BadInput (missing, a directory, too big).

    A "path" that is really a secret (`--secret-file "$SECRET"`, an easy slip for
    --secret) is refused without repeating it.
    """
    if looks_like_secret(str(path), SECRETS):
        SECRETS.remember(str(path))
        raise BadInput(f"the {what} given looks like a secret, not a file path",
                       hint=f"use {ENV_SECRET} (or --secret-file with the path of a file "
                            "holding it)")
    p = Path(path).expanduser()
    try:
        if p.is_dir():
            raise BadInput(f"{what} {p} is a directory, not a file")
        with p.open("rb") as f:
            data = f.read(_MAX_FILE + 1)
    except FileNotFoundError:
        raise BadInput(f"{what} {p} does not exist") from None
    except PermissionError:
        raise BadInput(f"{what} {p} cannot be read (permission denied)") from None
    except OSError as e:
        raise BadInput(f"{what} {p} cannot be read ({e.strerror or type(e).__name__})") from None
    except ValueError:                        # a NUL byte in the name
        raise BadInput(f"{what} {str(path)!r} is not a valid file name") from None
    if len(data) > _MAX_FILE:
        raise BadInput(f"{what} {p} is larger than 1 MiB; that is not a key")
    return data


def read_api_key(flag: str | None, env: Mapping[str, str]) -> str | None:
    value = (flag if flag is not None else env.get(ENV_API_KEY)) or ""
    return value.strip() or None


def _stdin_is_terminal() -> bool:
    try:
        return bool(sys.stdin) and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read(*, api_key: str | None = None, secret_file: str | None = None,
         secret: str | None = None, private_key: str | None = None,
         env: Mapping[str, str] | None = None,
         interactive: bool | None = None,
         prompt: Callable[[str], str] = getpass.getpass,
         secret_from: tuple[str, str] | None = None) -> Credentials:
    """Gather credentials from flags, environment, files or a hidden prompt, in that order.

    `secret_from` is (where, value): a secret a profile supplies (config/profile.py),
    taken after the flags and before the environment.

    A private key (flag or env) wins over an HMAC secret. The prompt is used
    only when `interactive` (default: stdin is a terminal); otherwise a missing
    secret is SecretMissing, never a hang.
    """
    env = os.environ if env is None else env
    interactive = _stdin_is_terminal() if interactive is None else interactive
    key_id = read_api_key(api_key, env)
    SECRETS.remember(key_id, secret)
    pem_path = private_key or env.get(ENV_PRIVATE_KEY)
    if pem_path:
        return _private_key_credentials(pem_path, key_id, env, interactive, prompt)
    notes: list[str] = []
    if secret is not None:
        raw, source = secret, "--secret"
        notes.append(HISTORY_WARNING)
    elif secret_file:
        data = read_text_file(secret_file, "secret file")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"secret file {secret_file} is not UTF-8 text") from None
        source = f"file {secret_file}"
    elif secret_from is not None and secret_from[1]:
        source, raw = secret_from
    elif env.get(ENV_SECRET):
        raw, source = env[ENV_SECRET], ENV_SECRET
    elif interactive:
        try:
            raw = prompt("Binance API secret (hidden): ")
        except (EOFError, KeyboardInterrupt):
            raw = ""
        source = "prompt"
    else:
        raise SecretMissing(
            "no API secret or private key was given",
            hint=f"set {ENV_SECRET}, or pass --secret-file FILE or --private-key FILE")
    value, cleaned = clean_secret(raw)
    if not value:
        raise SecretMissing(f"the secret from {source} is empty",
                            hint=f"set {ENV_SECRET} or pass --secret-file FILE")
    notes.extend(cleaned)
    secrets = tuple(s for s in {raw, value, raw.strip(), key_id or ""} if s)
    SECRETS.remember(*secrets)      # the output choke point masks them from now on
    return Credentials(signing.hmac_key(value, source), source, key_id, tuple(notes), secrets)


def _private_key_credentials(path: str, key_id: str | None, env: Mapping[str, str],
                             interactive: bool, prompt: Callable[[str], str]) -> Credentials:
    pem = read_text_file(path, "private key file")
    passphrase = env.get(ENV_PASSPHRASE)
    secrets: list[str] = [key_id] if key_id else []
    if passphrase:
        secrets.append(passphrase)
    if b"ENCRYPTED" in pem and not passphrase and interactive:
        try:
            passphrase = prompt(f"Passphrase for {path} (hidden): ")
        except (EOFError, KeyboardInterrupt):
            passphrase = ""
        if passphrase:
            secrets.append(passphrase)
    key = signing.load_private_key(pem, passphrase.encode("utf-8") if passphrase else None)
    text = pem.decode("ascii", errors="replace")
    secrets.extend(line for line in text.splitlines()
                   if line.strip() and not line.startswith("-----") and ":" not in line)
    SECRETS.remember(*secrets)
    return Credentials(key, f"file {path}", key_id, (), tuple(secrets))
