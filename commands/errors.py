"""One error type and one exit-code table for every command (plan, ranges, pilot, usage)."""

from __future__ import annotations

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "CliError"]

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILED = 1
"""A failed operation: the API or the ledger refused, a batch still pending, an unexpected failure."""
EXIT_BAD_INPUT = 2
"""Bad input: a flag, a value, a file (missing or malformed), the key's format."""


class CliError(Exception):
    """Stop with `lines` on stderr, one problem each (`error: ` prefixed once), and exit `code` (default: bad input)."""

    def __init__(self, lines: list[str] | tuple[str, ...], *, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__("; ".join(lines))
        self.lines = list(lines)
        self.code = code
