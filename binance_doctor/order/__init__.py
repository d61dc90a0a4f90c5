"""check-order: an order checked against every exchangeInfo filter and account rule."""
