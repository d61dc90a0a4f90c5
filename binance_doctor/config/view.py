"""`config show`: the resolved settings of the profile in use, secrets masked, as blocks or JSON."""

from __future__ import annotations

import os
from typing import Any, Mapping

from binance_doctor import credential
from binance_doctor.clock import offset as clocks
from binance_doctor.config.profile import FIELDS, Profile
from binance_doctor.output.document import Block, Field, Heading, Section, Text, Tone
from binance_doctor.output.mask import MASK

# The built-in value of each setting a profile may leave out.
DEFAULTS: dict[str, Any] = {
    "base_url": "https://api.binance.com",
    "futures_base_url": "https://fapi.binance.com",
    "delivery_base_url": "https://dapi.binance.com",
    "testnet": False,
    "recv_window": clocks.DEFAULT_RECV_WINDOW,
    "ntp_servers": clocks.DEFAULT_NTP_SERVERS,
}
_CREDENTIAL_FIELDS = ("api_key", "api_key_env", "secret_env", "secret_file", "secret",
                      "private_key_file")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


def settings(profile: Profile) -> list[tuple[str, Any, str]]:
    """(field, value, where it comes from) for every non-credential setting."""
    out = []
    for name in FIELDS:
        if name in _CREDENTIAL_FIELDS:
            continue
        if name in profile.values:
            out.append((name, profile.values[name], f"profile {profile.name}"))
        elif name in DEFAULTS:
            out.append((name, DEFAULTS[name], "built-in default"))
    return out


def credentials(profile: Profile, env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(what, where it comes from and whether it is there), never a value."""
    env = os.environ if env is None else env
    v = profile.values
    if "api_key" in v:
        key = f"{MASK} inline in the profile ({len(v['api_key'])} characters)"
    else:
        var = v.get("api_key_env", credential.ENV_API_KEY)
        key = f"${var}: " + (f"set ({len(env[var].strip())} characters)" if env.get(var)
                             else "not set")
    if "private_key_file" in v:
        secret = f"private key file {v['private_key_file']}"
    elif "secret" in v:
        secret = f"{MASK} inline in the profile"
    elif "secret_file" in v:
        secret = f"file {v['secret_file']}"
    else:
        var = v.get("secret_env", credential.ENV_SECRET)
        secret = f"${var}: " + ("set" if env.get(var) else "not set")
    return [("API key", key), ("Secret", secret)]


def blocks(profile: Profile, env: Mapping[str, str] | None = None) -> list[Block]:
    name = profile.name or "none"
    out: list[Block] = [Heading(f"Profile {name} ({profile.chosen_by})" if profile.name
                                else "No profile in use: built-in defaults and flags")]
    out.append(Field("Config file", f"{profile.path}"
                     + ("" if profile.exists else " (does not exist)")))
    out.append(Section("Settings", tuple(Field(n, f"{_shown(v)}  ({s})")
                                         for n, v, s in settings(profile))))
    out.append(Section("Credentials", tuple(Field(w, s) for w, s in
                                            credentials(profile, env))))
    if profile.warnings:
        out.append(Section("Warnings", tuple(Text(w, Tone.WARN) for w in profile.warnings),
                           tone=Tone.WARN))
    return out


def to_json(profile: Profile, env: Mapping[str, str] | None = None) -> dict:
    return {
        "config_file": str(profile.path), "exists": profile.exists,
        "profile": profile.name, "chosen_by": profile.chosen_by,
        "settings": {n: {"value": list(v) if isinstance(v, tuple) else v, "source": s}
                     for n, v, s in settings(profile)},
        "credentials": {w.lower().replace(" ", "_"): s for w, s in credentials(profile, env)},
        "warnings": list(profile.warnings),
    }
