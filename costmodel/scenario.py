"""Scenarios: one or many workflows plus finance assumptions, saved as JSON.

The presets in `data/presets/` are scenario files and load through the same code.
Pure: reading and writing files is the shell's job (`commands.files.load_scenario`; `scenario_to_json` gives the text).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field, ValidationError

from costmodel import safejson
from costmodel._base import Share, StrictModel
from costmodel.capacity import CapacitySettings
from costmodel.errors import problem_lines
from costmodel.finance import FinanceInputs, Portfolio, build_portfolio
from costmodel.guard import GuardSettings
from costmodel.limits import DEFAULT_BATCH_DISCOUNT
from costmodel.prices import Catalog
from costmodel.recommend import WorkflowResult, evaluate_workflow
from costmodel.sla import SIMULATION_SAMPLES
from costmodel.workflow import Workflow

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "evaluate_scenario",
    "scenario_from_json",
    "scenario_to_json",
]

SCHEMA_VERSION: Literal[1] = 1


class ScenarioError(ValueError):
    """A scenario file that cannot be read; `problems` has one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Scenario(StrictModel):
    """A named set of workflows and the assumptions shared by them."""

    schema_version: Literal[1] = SCHEMA_VERSION
    """File format version."""
    name: str = Field(min_length=1, max_length=120)
    """Scenario label."""
    description: str = ""
    """What the scenario represents and where its numbers come from."""
    workflows: tuple[Workflow, ...] = Field(min_length=1)
    """The workflows (at least one)."""
    finance: FinanceInputs = FinanceInputs()
    """Revenue, COGS and growth for the finance view."""
    batch_discount: Share = DEFAULT_BATCH_DISCOUNT
    """Discount assumed for models without a published batch rate [share]."""
    capacity: CapacitySettings = CapacitySettings()
    """The organisation's rate-limit tier (queue limit, spend cap); unset = checked against Scale, with a note."""
    deadline_guard: GuardSettings | None = None
    """Rescue to sync at a cutoff before each SLA deadline, for every workflow with an SLA; None = no guard."""


def scenario_to_json(scenario: Scenario) -> str:
    """Stable, human-readable JSON (defaults included, so a file documents every assumption)."""
    return scenario.model_dump_json(indent=2) + "\n"


def scenario_from_json(text: str | bytes, *, source: str = "scenario") -> Scenario:
    """Parse and validate a scenario; raises ScenarioError with one line per problem."""
    try:
        data = safejson.loads(text)
    except safejson.JsonInputError as exc:
        raise ScenarioError(source, [f"not usable JSON: {exc.msg}"]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, [f"not valid JSON ({exc})"]) from None
    if isinstance(data, dict) and "workflows" not in data and "input_tokens" in data:
        data = {"name": data.get("name", "workflow"), "workflows": [data]}  # a bare workflow is a scenario of one
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problem_lines(exc)) from None


class ScenarioResult(StrictModel):
    """Every workflow's evaluation and the portfolio totals."""

    scenario: Scenario
    """The inputs."""
    results: tuple[WorkflowResult, ...]
    """Per workflow, in scenario order."""
    portfolio: Portfolio
    """Totals, projection, margin."""


def evaluate_scenario(
    scenario: Scenario,
    catalog: Catalog,
    *,
    sla_samples: int = SIMULATION_SAMPLES,
    capacity: CapacitySettings | None = None,
    guard: GuardSettings | None = None,
    days_in_month: int = 30,
) -> ScenarioResult:
    """Evaluate every workflow and the portfolio. Raises WorkflowError naming the workflow that fails.

    `capacity` and `guard` override the scenario's (e.g. from command-line flags); `days_in_month` dates the
    spend cap.
    """
    from costmodel.workflow import WorkflowError

    capacity = scenario.capacity if capacity is None else capacity
    guard = scenario.deadline_guard if guard is None else guard

    results = []
    for i, w in enumerate(scenario.workflows):
        try:
            results.append(evaluate_workflow(w, catalog, sla_samples=sla_samples, capacity=capacity, guard=guard))
        except WorkflowError as exc:
            raise WorkflowError(f"workflows[{i}] ({w.name}): {exc}") from None
    return ScenarioResult(
        scenario=scenario,
        results=tuple(results),
        portfolio=build_portfolio(results, scenario.finance, capacity=capacity, days_in_month=days_in_month),
    )
