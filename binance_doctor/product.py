"""The Binance API products binance-doctor knows, and their names.

The same error number can mean different things on different products, so
every catalog entry belongs to exactly one of these.
"""

from __future__ import annotations

from enum import Enum


class Product(str, Enum):
    SPOT = "spot"
    USDM = "usdm"
    COINM = "coinm"
    OPTIONS = "options"
    PAPI = "papi"
    SAPI = "sapi"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def api_prefix(self) -> str:
        return _PREFIXES[self]


_LABELS = {
    Product.SPOT: "Spot",
    Product.USDM: "USDⓈ-M futures",
    Product.COINM: "COIN-M futures",
    Product.OPTIONS: "Options",
    Product.PAPI: "Portfolio margin",
    Product.SAPI: "Margin/wallet (sapi)",
}

_PREFIXES = {
    Product.SPOT: "/api",
    Product.USDM: "/fapi",
    Product.COINM: "/dapi",
    Product.OPTIONS: "/eapi",
    Product.PAPI: "/papi",
    Product.SAPI: "/sapi",
}

# Spellings people use on the command line, mapped to the canonical product.
_ALIASES = {
    "spot": Product.SPOT, "api": Product.SPOT,
    "usdm": Product.USDM, "fapi": Product.USDM, "um": Product.USDM,
    "futures": Product.USDM, "linear": Product.USDM,
    "coinm": Product.COINM, "dapi": Product.COINM, "cm": Product.COINM,
    "delivery": Product.COINM, "inverse": Product.COINM,
    "options": Product.OPTIONS, "eapi": Product.OPTIONS, "option": Product.OPTIONS,
    "papi": Product.PAPI, "pm": Product.PAPI, "portfolio": Product.PAPI,
    "sapi": Product.SAPI, "margin": Product.SAPI, "wallet": Product.SAPI,
}

# The REST hosts each network serves, for the products with a testnet (spot's host
# also serves /sapi on mainnet; the futures testnet serves /fapi and /dapi alike).
MAINNET_HOSTS = {
    Product.SPOT: "https://api.binance.com",
    Product.USDM: "https://fapi.binance.com",
    Product.COINM: "https://dapi.binance.com",
}
TESTNET_HOSTS = {
    Product.SPOT: "https://testnet.binance.vision",
    Product.USDM: "https://testnet.binancefuture.com",
    Product.COINM: "https://testnet.binancefuture.com",
}


def host(product: Product, testnet: bool = False) -> str:
    """The default REST host of `product` on mainnet or its testnet."""
    return (TESTNET_HOSTS if testnet else MAINNET_HOSTS)[product]


def parse_product(text: str) -> Product:
    """Canonical product for a user's spelling; ValueError names the choices."""
    try:
        return _ALIASES[text.strip().lower()]
    except KeyError:
        choices = ", ".join(p.value for p in Product)
        raise ValueError(f"unknown product {text!r}; choose one of {choices}") from None


ORDER = tuple(Product)
