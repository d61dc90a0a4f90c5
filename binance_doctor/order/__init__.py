"""Orders: check-order (an order checked against every exchangeInfo filter and account
rule) and order-status (was an order placed, asked read-only after an unknown status)."""
