"""Lets `python -m binance_doctor` behave exactly like the console script."""

from binance_doctor.cli import console

console()
