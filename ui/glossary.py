"""Glossary and defaults tables built from the core's own field docstrings (one source of truth)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

__all__ = ["field_rows", "unit_of"]

_UNIT = re.compile(r"\s*\[([^\[\]]+)\]")
"""A unit in square brackets, e.g. `[USD/MTok]`; field docstrings put it after the quantity."""


def unit_of(description: str) -> str:
    """The (last) bracketed unit in a field docstring, e.g. `[USD/MTok]` → `USD/MTok`; empty when it has none."""
    units = _UNIT.findall(description)
    return units[-1] if units else ""


def _shown(value: Any) -> str:
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "—"
    if isinstance(value, BaseModel):
        return type(value).__name__ + " defaults"
    return f"{value:g}" if isinstance(value, float) else str(value)


def field_rows(model_cls: type[BaseModel], *, prefix: str = "") -> list[dict[str, str]]:
    """One row per field: name, unit, default and meaning, in declaration order."""
    rows = []
    for name, field in model_cls.model_fields.items():
        description = field.description or ""
        rows.append(
            {
                "Variable": prefix + name,
                "Unit": unit_of(description),
                "Default": _shown(field.default),
                "Meaning": _UNIT.sub("", description).strip(),
            }
        )
    return rows
