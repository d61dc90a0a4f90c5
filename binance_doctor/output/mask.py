"""Masking secrets in text that binance-doctor prints back to the user.

Logs and pasted transcripts carry API keys (the X-MBX-APIKEY header),
request signatures, and sometimes secrets or private keys. Anything read
from user input passes through `mask` before it is shown, written as JSON
or recorded, so none of it reaches a terminal, a log pipeline or a report.
"""

from __future__ import annotations

import re

MASK = "***"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM blocks (private keys), whole, even when their newlines were escaped.
    (re.compile(r"-----BEGIN [A-Z ]*-----.*?(?:-----END [A-Z ]*-----|$)", re.S),
     "-----" + MASK + "-----"),
    # The API key header, in curl, JSON, Python dicts and header dumps.
    (re.compile(r"""(?i)(x-mbx-apikey\\*['"]?\s*[:=]\s*\\*['"]?)[^\s'",}\\]+"""),
     r"\1" + MASK),
    # signature=... in query strings and bodies.
    (re.compile(r"(?i)(signature=)[^&\s'\"]+"), r"\1" + MASK),
    # apiKey / secret / privateKey fields in JSON, Python reprs, YAML and env files.
    (re.compile(r"""(?ix)
        ((?:api[_-]?key|api[_-]?secret|secret(?:[_-]?key)?|private[_-]?key|passphrase)
         \\*['"]?\s*[:=]\s*\\*['"]?)
        (?!\*\*\*)[^\s'",}\\]+"""), r"\1" + MASK),
    # Anything else shaped like a Binance key or HMAC signature: 64 alphanumerics.
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])"), MASK),
)

# Cheap test: most text has none of these, and then no regex runs at all.
_MARKERS = ("-----BEGIN", "apikey", "APIKEY", "apiKey", "api_key", "api-key", "ignature=",
            "ecret", "rivate", "assphrase")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def mask(text: str) -> str:
    """`text` with every secret-shaped value replaced by ***."""
    if not text:
        return text
    if not any(m in text for m in _MARKERS) and not _LONG_TOKEN.search(text):
        return text
    for rx, repl in _RULES:
        text = rx.sub(repl, text)
    return text
