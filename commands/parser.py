"""The one argument parser class: a bad flag or value is one line naming it and the help to read, exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from commands.errors import CliError

__all__ = ["Parser"]

_DEEPEST = "_cli_prog"
"""Namespace attribute: the innermost (sub)command parsed, so an unknown flag points at its help."""


class Parser(argparse.ArgumentParser):
    """argparse that raises `CliError` with one line (no usage block, no SystemExit) for any bad argument."""

    def error(self, message: str) -> NoReturn:
        raise CliError([f"{message} (see `{self.prog} --help`)"])

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if not hasattr(parsed, _DEEPEST):  # a subcommand's parser returns first: it names the help to read
            setattr(parsed, _DEEPEST, self.prog)
        return parsed, extras

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> Any:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = getattr(parsed, _DEEPEST, self.prog)
            raise CliError([f"unrecognized arguments: {' '.join(extras)} (see `{prog} --help`)"])
        return parsed
