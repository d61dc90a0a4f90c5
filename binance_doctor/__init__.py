"""binance-doctor: turns Binance API errors into their exact cause and fix.

From Python::

    import binance_doctor
    d = binance_doctor.diagnose(exc)          # any client's exception, a response, text
    binance_doctor.retry_decision(d, method="POST", path="/api/v3/order", attempt=0)

The names below load on first use, so `import binance_doctor` (and every CLI
command, which imports this package) costs nothing extra, and httpx is imported
only when a `Session` is made.
"""

from __future__ import annotations

TYPE_CHECKING = False     # typing.TYPE_CHECKING without importing typing (start-up)

__version__ = "0.1.0"

__all__ = [
    "BinanceError",
    "Diagnosis",
    "Fact",
    "Product",
    "Retry",
    "Session",
    "__version__",
    "diagnose",
    "retry_decision",
]

if TYPE_CHECKING:
    from binance_doctor.api.diagnose import Diagnosis, diagnose
    from binance_doctor.api.retry import Retry, retry_decision
    from binance_doctor.api.session import BinanceError, Session
    from binance_doctor.errors.diagnosis import Fact
    from binance_doctor.product import Product

_HOMES = {
    "Diagnosis": "binance_doctor.api.diagnose",
    "diagnose": "binance_doctor.api.diagnose",
    "Retry": "binance_doctor.api.retry",
    "retry_decision": "binance_doctor.api.retry",
    "Session": "binance_doctor.api.session",
    "BinanceError": "binance_doctor.api.session",
    "Fact": "binance_doctor.errors.diagnosis",
    "Product": "binance_doctor.product",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'binance_doctor' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
