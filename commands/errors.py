"""One error type and one exit-code table for every command (plan, ranges, pilot, usage)."""

from __future__ import annotations

import os
import sys

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "KEY_ENVS", "CliError", "print_errors", "scrubbed"]

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


KEY_ENVS = ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY")
"""Environment variables holding keys: no message ever contains their values."""


def scrubbed(text: str) -> str:
    """`text` without any key from the environment (a last line of defence for every line printed)."""
    from costmodel.apikeys import scrub

    return scrub(text, [os.environ.get(name) for name in KEY_ENVS])


def print_errors(lines: list[str] | tuple[str, ...]) -> None:
    """One `error: ` line per problem on stderr, scrubbed of keys: the one way every command reports a refusal."""
    for line in lines:
        text = scrubbed(line).replace("\n", " ")
        print(text if text.startswith("error: ") else f"error: {text}", file=sys.stderr)
