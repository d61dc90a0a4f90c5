"""`config show`: the settings a command would use, from the profile in use, secrets masked."""

from __future__ import annotations

from typing import Optional

import typer

from binance_doctor.cli.root import JsonOption, ProfileOption, _load_profile, app

EPILOG_CONFIG = """Examples:

  binance-doctor config show

  binance-doctor config show --profile testnet

  BINANCE_DOCTOR_PROFILE=proxy binance-doctor config show --json

The file is $XDG_CONFIG_HOME/binance-doctor/config.toml (~/.config/... when
XDG_CONFIG_HOME is unset). Exit 30 (CONFIG_INVALID) when it or the profile is wrong.
"""

config_app = typer.Typer(help="Show the configuration: profiles from config.toml.",
                         no_args_is_help=True)
app.add_typer(config_app, name="config", epilog=EPILOG_CONFIG)


@config_app.command("show", epilog=EPILOG_CONFIG)
def show(profile: Optional[str] = ProfileOption, as_json: bool = JsonOption) -> None:
    """Print the resolved settings of the profile in use; secrets are never shown."""
    from binance_doctor.config import view
    from binance_doctor.output import render

    chosen = _load_profile(profile)
    render.show("config show", as_json, chosen, view.to_json, view.blocks)
