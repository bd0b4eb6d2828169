"""Shared pydantic base and reusable constrained types for the core.

Units live in the names: `_usd`, `_tokens`, `_hours`, `_per_mtok` (USD per million tokens).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Api = Literal["sync", "batch"]
"""Which API a request runs on: `sync` (Messages API) or `batch` (Message Batches API)."""

MAX_MAGNITUDE = 1e12
"""Upper bound on any count, duration or amount: far beyond real workloads, far from float overflow."""

NonNegFloat = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A fraction in [0, 1]."""
SuccessRate = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
"""A first-pass success rate in (0, 1]: 0 would mean nothing ever succeeds."""
UsdPerMtok = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
"""A price in USD per million tokens."""


class StrictModel(BaseModel):
    """Frozen, no unknown fields: a typo in a scenario file is an error, not a silent default."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, use_attribute_docstrings=True
    )
