"""Profiles: named settings in $XDG_CONFIG_HOME/binance-doctor/config.toml.

    default = "main"                       # used when no profile is named

    [profiles.main]
    base_url = "https://api.binance.com"   # spot and /sapi
    futures_base_url = "https://fapi.binance.com"
    delivery_base_url = "https://dapi.binance.com"
    testnet = false                        # true: the URLs are a testnet (no /sapi)
    recv_window = 5000
    ntp_servers = ["time.google.com"]
    api_key_env = "MAIN_KEY"               # where the API key comes from (an env var) ...
    secret_env = "MAIN_SECRET"             # ... and the secret: an env var,
    # secret_file = "~/.binance/main"      #     a file,
    # private_key_file = "~/.binance/main.pem"   # an RSA/Ed25519 key,
    # secret = "..."                       #     or inline, only in a private (0600) file

The profile in use is `--profile NAME`, else $BINANCE_DOCTOR_PROFILE, else the
file's `default`, else none. Flags beat the profile; the profile beats the
built-in defaults. `load` is the one entry point for every command (doctor,
clock, check-key, check-order, order-status): it returns a `Profile` whose
`pick` and `credentials` give each setting with that precedence. A file that
cannot be read, a named profile that is not there, an unknown field or a wrong
value is ConfigInvalid (exit 30), naming the file and the field.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from binance_doctor import credential
from binance_doctor.failure import DoctorError, ExitCode

ENV_PROFILE = "BINANCE_DOCTOR_PROFILE"
FILE_NAME = "config.toml"
URL_FIELDS = {"spot": "base_url", "usdm": "futures_base_url", "coinm": "delivery_base_url"}
# field -> (the type it must have, what it is)
FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "base_url": (str, "spot and /sapi host"),
    "futures_base_url": (str, "USDⓈ-M futures host"),
    "delivery_base_url": (str, "COIN-M futures host"),
    "testnet": (bool, "the URLs are a testnet"),
    "recv_window": (int, "recvWindow in ms"),
    "ntp_servers": (list, "NTP servers, host[:port]"),
    "timeout": ((int, float), "seconds allowed for a network command"),
    "api_key": (str, "the API key itself"),
    "api_key_env": (str, "the environment variable holding the API key"),
    "secret_env": (str, "the environment variable holding the HMAC secret"),
    "secret_file": (str, "a file holding the HMAC secret"),
    "private_key_file": (str, "an RSA or Ed25519 private key (PEM)"),
    "secret": (str, "the HMAC secret itself (only in a file no one else can read)"),
}
SECRET_FIELDS = ("secret",)


class ConfigInvalid(DoctorError):
    exit_code = ExitCode.CONFIG_INVALID


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "binance-doctor" / FILE_NAME


@dataclass(frozen=True)
class CredentialInputs:
    """What credential.read needs, with the profile's sources filled in behind the flags."""

    api_key: str | None
    secret_file: str | None
    private_key: str | None
    secret_from: tuple[str, str] | None      # (where, value) for credential.read


@dataclass(frozen=True)
class Profile:
    name: str | None                          # None: no profile in use
    chosen_by: str                            # --profile, BINANCE_DOCTOR_PROFILE, default
    path: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    exists: bool = False                      # whether the config file exists

    def pick(self, name: str, flag: Any = None, default: Any = None) -> Any:
        """The flag when given, else this profile's value, else `default`."""
        if flag is not None:
            return flag
        return self.values.get(name, default)

    def base_url(self, product: str, flag: str | None = None,
                 default: str | None = None) -> str | None:
        return self.pick(URL_FIELDS[product], flag, default)

    def credentials(self, *, api_key: str | None = None, secret_file: str | None = None,
                    private_key: str | None = None,
                    env: Mapping[str, str] | None = None) -> CredentialInputs:
        """Flags first; then the profile's key and secret sources; then the usual
        environment variables (credential.read's own order)."""
        env = os.environ if env is None else env
        v = self.values
        key = api_key
        if key is None:
            key = v.get("api_key") or (env.get(v["api_key_env"]) if "api_key_env" in v
                                       else env.get(credential.ENV_API_KEY))
        secret_from = None
        if "secret" in v:
            secret_from = (f"profile {self.name} in {self.path}", v["secret"])
        elif "secret_env" in v:
            secret_from = (v["secret_env"], env.get(v["secret_env"], ""))
        return CredentialInputs(
            key, secret_file or v.get("secret_file"),
            private_key or v.get("private_key_file"), secret_from)


def _private(path: Path) -> bool:
    try:
        return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return True


def _parse(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
        import tomli as tomllib
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigInvalid(f"cannot read {path}: {e.strerror or type(e).__name__}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigInvalid(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigInvalid(f"{path} is not valid TOML: {e}") from None


def _check_value(where: str, name: str, value: Any) -> Any:
    from binance_doctor.clock import offset as clocks
    from binance_doctor.net import transport

    kind, what = FIELDS[name]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise ConfigInvalid(f"{where}: {name} must be {_type_name(kind)} ({what}), "
                            f"not {type(value).__name__}")
    if name in URL_FIELDS.values():
        try:
            return transport.check_base_url(value)
        except DoctorError as e:
            raise ConfigInvalid(f"{where}: {name}: {e.message}", e.hint) from None
    if name == "recv_window" and not 0 < value <= clocks.MAX_RECV_WINDOW:
        raise ConfigInvalid(f"{where}: recv_window {value} is out of range",
                            f"Binance accepts 1 to {clocks.MAX_RECV_WINDOW} ms")
    if name == "timeout" and value <= 0:
        raise ConfigInvalid(f"{where}: timeout must be positive")
    if name == "ntp_servers":
        for server in value:
            try:
                clocks.parse_ntp_server(str(server))
            except ValueError as e:
                raise ConfigInvalid(f"{where}: ntp_servers: {e}") from None
        return tuple(str(s) for s in value)
    return value


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a whole number",
             list: "a list", float: "a number"}
    return names[kind[-1] if isinstance(kind, tuple) else kind]


def load(name: str | None = None, env: Mapping[str, str] | None = None) -> Profile:
    """The profile in use (see the module docstring), validated."""
    env = os.environ if env is None else env
    path = config_path(env)
    chosen_by = "--profile" if name else ENV_PROFILE
    name = name or env.get(ENV_PROFILE) or None
    if not path.is_file():
        if name:
            raise ConfigInvalid(f"profile {name!r} asked for ({chosen_by}), but {path} "
                                "does not exist", "create it; see the README's Profiles")
        return Profile(None, "none", path)
    data = _parse(path)
    unknown = set(data) - {"default", "profiles"}
    if unknown:
        raise ConfigInvalid(f"{path}: unknown top-level key {sorted(unknown)[0]!r}",
                            "the file holds `default = NAME` and [profiles.NAME] tables")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict)
                                                 for p in profiles.values()):
        raise ConfigInvalid(f"{path}: profiles must be tables: [profiles.NAME]")
    if name is None and "default" in data:
        name, chosen_by = str(data["default"]), f"default in {path.name}"
    if name is None:
        return Profile(None, "none", path, exists=True)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigInvalid(f"no profile {name!r} in {path} (chosen by {chosen_by})",
                            f"profiles there: {known}")
    where = f"{path} [profiles.{name}]"
    values: dict[str, Any] = {}
    for key, value in profiles[name].items():
        if key not in FIELDS:
            raise ConfigInvalid(f"{where}: unknown field {key!r}",
                                "known fields: " + ", ".join(FIELDS))
        values[key] = _check_value(where, key, value)
    warnings = []
    if "secret" in values:
        credential.SECRETS.remember(values["secret"])     # masked in all output from now on
        if not _private(path):
            warnings.append(f"{path} holds a secret and others can read it: run "
                            f"chmod 600 {path}, or move the secret to secret_env or "
                            "secret_file")
    if "api_key" in values:
        credential.SECRETS.remember(values["api_key"])
    secret_file = values.get("secret_file")
    if secret_file and not _private(Path(secret_file).expanduser()):
        warnings.append(f"the secret file {secret_file} can be read by others: run "
                        f"chmod 600 {secret_file}")
    return Profile(name, chosen_by, path, values, tuple(warnings), True)
