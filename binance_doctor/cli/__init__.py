"""The command line: the typer app (`app`), one module per command, `main()`, and
`console()`, the console script's way in."""

from __future__ import annotations

from binance_doctor.cli.main import console, main

__all__ = ["app", "console", "main"]


def __getattr__(name: str):
    # `app` with every command registered, for callers that drive typer directly
    # (tests, the completion generator); main() registers only the invoked one.
    if name == "app":
        from binance_doctor.cli.root import load_commands

        return load_commands()
    raise AttributeError(name)
