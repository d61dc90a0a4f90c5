"""Clock offset against Binance and NTP (-1021), and how it is shown."""
