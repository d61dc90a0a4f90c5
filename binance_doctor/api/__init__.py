"""The public Python API behind `import binance_doctor`: adapters, diagnosis, retry policy
and the Session. Import from `binance_doctor`, not from here."""
