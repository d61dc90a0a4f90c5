"""The command line: the typer app (`app`), one module per command, and `main()`."""

from binance_doctor.cli.main import app, main

__all__ = ["app", "main"]
