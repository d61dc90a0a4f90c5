"""binance-doctor: turns Binance API errors into their exact cause and fix."""

__version__ = "0.1.0"
