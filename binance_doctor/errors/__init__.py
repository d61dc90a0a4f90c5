"""Binance errors: the bundled catalog, reading pasted text, diagnosis and log scanning."""
