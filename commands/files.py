"""Scenario files read from disk: the shell's edge for `costmodel.scenario` (the core only parses bytes).

Used by the command line, the app's presets (`ui.data`) and tests. A file that cannot be read is a
`ScenarioError` naming the file, like a file that does not parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from costmodel.errors import file_reason
from costmodel.scenario import Scenario, ScenarioError, scenario_from_json

if TYPE_CHECKING:
    from costmodel.uncertainty import UncertainScenario

__all__ = ["load_scenario", "load_uncertain_scenario", "read_bytes"]


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes; ScenarioError naming the file and the reason when it cannot be read."""
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ScenarioError(str(p), [file_reason(exc)]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (read-only)."""
    return scenario_from_json(read_bytes(path), source=str(path))


def load_uncertain_scenario(path: str | Path) -> UncertainScenario:
    """A scenario file whose inputs may be distributions; ScenarioError as `load_scenario`."""
    from costmodel.uncertainty import uncertain_scenario_from_json

    return uncertain_scenario_from_json(read_bytes(path), source=str(path))
