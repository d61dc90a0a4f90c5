"""Regular expressions compiled on first use instead of at import.

Compiling is what a rarely used regex costs: the masking rules alone were
~14 M instructions of `explain -2010`'s start-up (an eighth of what it adds
over a bare typer app), and a run whose output holds nothing secret-shaped
never runs them. A `Pattern` is used like the `re.Pattern` it stands for.
"""

from __future__ import annotations

import re


class Pattern:
    """A regex compiled at its first use; then every `re.Pattern` method is its own."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str):
        # Only names not found on the instance arrive (search, sub, split, ...): the
        # compiled pattern's, kept on the instance so later calls in a loop cost what
        # a module-level compiled regex costs.
        value = getattr(self.compiled, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r}, {self._flags!r})"
