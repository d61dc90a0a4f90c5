"""Talking to Binance over HTTP: the client, the deadline, and what each failure means."""
