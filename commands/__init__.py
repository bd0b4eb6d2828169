"""The command line (`python -m costmodel ...`, `batch-planner ...`): the shell around the pure core.

One entry, `main(argv) -> exit code` (0 ok, 2 bad input, 1 failed operation). The core (`costmodel`)
never imports this package.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input)."""
    from commands.plan import main as run

    return run(argv)
