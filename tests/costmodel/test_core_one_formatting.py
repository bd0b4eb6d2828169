"""One formatting of each figure (issue 9): money and shares are written by costmodel.formatting, nowhere else.

An AST scan of the packages that show figures (the core's reasons and assumptions, pages, commands, reports,
usage import, pilot) fails on a hand-rolled money or share format: an f-string field right after a `$`
(`f"${x:,.2f}"`), a `*_usd` figure with a format spec (`f"{diff_usd:+,.2f}"`), a field or a `format(x, spec)`
whose spec ends in `%` (`f"{x:.1%}"`), or a `"{:.1%}".format(...)` template. Plotly's own templates
(`%{y:$,.0f}` in a hovertemplate, `tickformat`) are plain strings, not Python formatting, and pass.

Durations too: a computed duration written with a precision before ` h` or ` min` (`f"{median * 60:.1f} min"`) is
hand-rolled; `costmodel.formatting.hours` writes them (`12 min`, `4 h`, `2 d 6 h`). An input echoed exactly in a
formula or a reason (`f"{w:g} h"`, no precision: the number the user typed) is not a computed figure, and passes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("costmodel", "ui", "app_pages", "commands", "reports", "usageimport", "pilot")
FORMATTING = "costmodel/formatting.py"
"""The one module that writes `$` and `%` figures."""

NOT_YET_CONVERTED: frozenset[str] = frozenset(
    {
        # Shrinks to empty: each file here still writes money or shares by hand. Remove a file once converted.
    }
)
"""Files allowed to keep hand-rolled money/share formats for now (the test fails when one is clean: drop it)."""

_TEMPLATE = re.compile(r"\$\{[^{}]*\}|\{[^{}]*:[^{}]*%\}")
_DURATION_UNIT = re.compile(r"^ (h|min)\b")


def _spec_text(spec: ast.expr | None) -> str:
    if not isinstance(spec, ast.JoinedStr):
        return ""
    return "".join(v.value for v in spec.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _environment_variable(field: ast.FormattedValue) -> bool:
    """`${ADMIN_KEY_ENV}`: a shell variable's name, not money."""
    return isinstance(field.value, ast.Name) and field.value.id.endswith("_ENV") and field.format_spec is None


def _name_of(expression: ast.expr) -> str:
    """The last name of `x` or `a.b.x` (a figure's name carries its unit: `*_usd` is money)."""
    if isinstance(expression, ast.Attribute):
        return expression.attr
    return expression.id if isinstance(expression, ast.Name) else ""


def _computed_duration(field: ast.FormattedValue, after: ast.expr) -> bool:
    """`{x:.1f} min`, `{x:.2g} h`: a duration given a precision and its unit by hand."""
    unit = isinstance(after, ast.Constant) and isinstance(after.value, str) and _DURATION_UNIT.match(after.value)
    return bool(unit) and "." in _spec_text(field.format_spec)


def hand_rolled(source: str) -> list[int]:
    """Line numbers of hand-rolled money or share formats in `source`."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            previous: ast.expr | None = None
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    after_dollar = (
                        isinstance(previous, ast.Constant)
                        and isinstance(previous.value, str)
                        and previous.value.endswith("$")
                        and not _environment_variable(value)
                    )
                    money_named = value.format_spec is not None and _name_of(value.value).endswith("_usd")
                    if after_dollar or money_named or _spec_text(value.format_spec).endswith("%"):
                        lines.append(value.lineno)
                elif isinstance(previous, ast.FormattedValue) and _computed_duration(previous, value):
                    lines.append(previous.lineno)
                previous = value
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "format" and len(node.args) == 2:
                spec = node.args[1]
                if isinstance(spec, ast.Constant) and isinstance(spec.value, str) and spec.value.endswith("%"):
                    lines.append(node.lineno)
            elif isinstance(func, ast.Attribute) and func.attr == "format":
                template = func.value
                if isinstance(template, ast.Constant) and isinstance(template.value, str) and _TEMPLATE.search(
                    template.value
                ):
                    lines.append(node.lineno)
    return sorted(set(lines))


def offenders() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            lines = [] if name == FORMATTING else hand_rolled(path.read_text(encoding="utf-8"))
            if lines:
                found[name] = lines
    return found


def test_the_scan_finds_hand_rolled_money_shares_and_durations() -> None:
    """The scan itself can fail: each of these is caught, and the formatting module's calls and plotly pass."""
    caught = [
        'f"${x:,.2f}"',
        'f"saved ${x:,.0f} a month"',
        'f"{x:.1%}"',
        'f"{x:>7.1%}"',
        'format(x, ".0%")',
        '"${:,.2f}".format(x)',
        '"{:.1%} of spend".format(x)',
        'f"{total.billed_difference_usd:+,.2f} vs catalog"',
        'f"median {median * 60:.1f} min"',
        'f"{value:.2g} h"',
    ]
    for source in caught:
        assert hand_rolled(source) == [1], source
    passing = [
        "formatting.usd(x)",
        'f"{formatting.usd(x)} per month"',
        'f"{n:,} requests"',
        'dict(hovertemplate="%{y:$,.0f}", tickformat=".0%")',
        'f"{w:g} h worst case"',
        'f"{formatting.hours(x)} median"',
        'f"retrying in {delay:.1f} s"',
        'f"key in ${ADMIN_KEY_ENV}"',
        'f"{formatting.usd_change(diff_usd)} vs catalog"',
        'f"{spend_usd}"',
    ]
    for source in passing:
        assert hand_rolled(source) == [], source


def test_money_shares_and_durations_go_through_the_formatting_module() -> None:
    found = offenders()
    new = {path: lines for path, lines in found.items() if path not in NOT_YET_CONVERTED}
    assert not new, f"format money and shares with costmodel.formatting (usd, usd_whole, share, ...): {new}"
    clean = sorted(NOT_YET_CONVERTED - set(found))
    assert not clean, f"these files are converted now: drop them from NOT_YET_CONVERTED: {clean}"
