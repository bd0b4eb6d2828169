"""The core stays pure and light: no shell imports, no clock, and `import costmodel` loads no heavy library."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.core_support import ROOT

CORE = ROOT / "costmodel"
CORE_FILES = sorted(CORE.glob("*.py"))
FORBIDDEN_TOP = {"streamlit", "anthropic", "ui", "pilot", "usageimport", "emulator", "pages", "app_pages", "app"}
LAZY_FORWARDERS = {"cli.py"}  # may forward to pilot.cli / usageimport.cli inside a function
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter")}  # fmt: skip


def test_the_scan_sees_every_core_file() -> None:
    names = {p.name for p in CORE_FILES}
    assert {"cost.py", "sla.py", "prices.py", "workflow.py", "cli.py", "__init__.py"} <= names


def _module_level_imports(tree: ast.Module) -> list[tuple[str, int]]:
    """Imports that run at import time: outside functions and outside `if TYPE_CHECKING:`."""
    found: list[tuple[str, int]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module:
                    found.append((node.module, node.lineno))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit([n for n in getattr(node, field, []) if isinstance(n, ast.stmt | ast.ExceptHandler)])  # type: ignore[misc]

    visit(tree.body)
    return found


@pytest.mark.parametrize("path", CORE_FILES, ids=[p.name for p in CORE_FILES])
def test_core_never_imports_the_shell_at_module_level(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = [(m, line) for m, line in _module_level_imports(tree) if m.split(".")[0] in FORBIDDEN_TOP]
    assert not bad, f"{path.name} imports {bad} at module level"


@pytest.mark.parametrize("path", CORE_FILES, ids=[p.name for p in CORE_FILES])
def test_core_never_imports_streamlit_or_anthropic_anywhere(path: Path) -> None:
    # the command line may forward to the pilot and usage commands (inside a function, checked above)
    forbidden = FORBIDDEN_TOP - {"pilot", "usageimport"} if path.name in LAZY_FORWARDERS else FORBIDDEN_TOP
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in forbidden, f"{path.name}:{node.lineno} imports {name}"


# the command line is the one edge: it reads today's date for prices
CLOCK_FREE_FILES = [p for p in CORE_FILES if p.name != "cli.py"]


@pytest.mark.parametrize("path", CLOCK_FREE_FILES, ids=[p.name for p in CLOCK_FREE_FILES])
def test_core_never_reads_the_clock(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_CALLS, f"{path.name}:{node.lineno} calls the clock"
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                assert (node.module, alias.name) not in CLOCK_CALLS, f"{path.name}:{node.lineno}"


# the reports package is pure too: every export is built in memory from a view and a date passed in
REPORTS_FILES = sorted((ROOT / "reports").glob("*.py"))
REPORTS_FORBIDDEN = FORBIDDEN_TOP | {"pandas", "httpx", "requests", "socket", "urllib", "os", "pathlib", "shutil"}
DISK_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes"}


@pytest.mark.parametrize("path", REPORTS_FILES, ids=[p.name for p in REPORTS_FILES])
def test_reports_import_no_shell_no_pandas_and_touch_neither_clock_nor_disk(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        assert not [n for n in names if n.split(".")[0] in REPORTS_FORBIDDEN], f"{path.name}:{node.lineno} {names}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_CALLS, f"{path.name}:{node.lineno} calls the clock"
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            assert called not in DISK_CALLS, f"{path.name}:{node.lineno} touches the disk ({called})"


def test_the_reports_scan_sees_every_builder_and_importing_them_loads_nothing_heavy() -> None:
    assert {"__init__.py", "safe.py", "view.py", "portfolio.py"} <= {p.name for p in REPORTS_FILES}
    code = (
        "import json, sys\nimport reports.portfolio, reports.safe, reports.view\n"
        'heavy = ["streamlit", "anthropic", "pandas", "openpyxl", "plotly", "genai_prices"]\n'
        'print(json.dumps({"loaded": [m for m in heavy if m in sys.modules]}))'
    )
    assert _probe(code)["loaded"] == []


def test_scanners_catch_what_they_look_for() -> None:
    # the scans above must be able to fail
    sample = ast.parse(
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import streamlit\n"
        "try:\n    import anthropic\nexcept ImportError:\n    pass\n"
        "def f():\n    import ui.widgets\n    return datetime.now()\n"
    )
    assert [m for m, _ in _module_level_imports(sample)] == ["os", "typing", "anthropic"]
    clock = [n for n in ast.walk(sample) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)]
    assert any((n.value.id, n.attr) in CLOCK_CALLS for n in clock)  # type: ignore[attr-defined]


PROBE = """
import json, sys
import costmodel
import costmodel.cost, costmodel.sla, costmodel.recommend, costmodel.finance, costmodel.routing
import costmodel.scenario, costmodel.prices, costmodel.workflow, costmodel.cli
heavy = ["streamlit", "anthropic", "pandas", "genai_prices", "plotly"]
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules]}))
"""


def _probe(code: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_core_loads_no_heavy_library() -> None:
    # the public names resolve lazily, and resolving them loads nothing heavy either
    code = PROBE.replace(
        'print(json.dumps({"loaded"',
        "first = [m for m in heavy if m in sys.modules]\n"
        "missing = [n for n in costmodel.__all__ if getattr(costmodel, n, None) is None]\n"
        'print(json.dumps({"first": first, "missing": missing, "loaded"',
    )
    result = _probe(code)
    assert result["first"] == []
    assert result["missing"] == []
    assert result["loaded"] == []


def test_genai_prices_loads_only_with_the_catalog_and_the_shell_never() -> None:
    code = PROBE.replace(
        'print(json.dumps({"loaded"',
        "from datetime import date\ncostmodel.prices.load_catalog(as_of=date(2026, 11, 21))\n"
        "import costmodel.measurement, costmodel.usage\n"
        'print(json.dumps({"loaded"',
    )
    assert _probe(code)["loaded"] == ["genai_prices"]
