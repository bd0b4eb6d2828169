"""Every pure module stays pure wherever it lives, and the core stays light.

Pure = no Streamlit, no Anthropic SDK, no HTTP client or network, no SQLite, no pandas, no disk, no clock:
the whole `costmodel` and `reports` packages, and the pure modules of the shell packages listed in
`SHELL_PURE` (the pilot's request format, spend, checks, clock and report; usage summaries and column
names). The core sits at the bottom: it imports none of the other packages. `import costmodel` loads no
heavy library.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.costmodel.core_support import ROOT

CORE_FILES = sorted(p for p in (ROOT / "costmodel").glob("*.py") if p.name != "__main__.py")
# `costmodel/__main__.py` is left out on purpose: it is the program entry of `python -m costmodel`, a two-line
# trampoline to the command line (`commands`, the shell), run by the interpreter and never imported by
# `import costmodel` or any module; every other module of the core is scanned, with no exemption.
REPORTS_FILES = sorted((ROOT / "reports").glob("*.py"))
SHELL_PURE = (
    "pilot/__init__.py",
    "pilot/requests.py",
    "pilot/spend.py",
    "pilot/checks.py",
    "pilot/clock.py",
    "pilot/report.py",
    "usageimport/summary.py",
    "usageimport/columns.py",
)
"""Pure modules inside the shell packages; a new pure module there is added here."""
PURE_FILES = [*CORE_FILES, *REPORTS_FILES, *(ROOT / p for p in SHELL_PURE)]
PURE_MODULES = {".".join(q for q in p.relative_to(ROOT).with_suffix("").parts if q != "__init__") for p in PURE_FILES}

SHELL_PACKAGES = {
    "ui", "pilot", "usageimport", "emulator", "commands", "pages", "app_pages", "app", "benchmarks", "tests",
}  # fmt: skip
"""Packages of the shell: a pure module imports from them only their pure modules (`SHELL_PURE`)."""
IMPURE_TOP = {
    "streamlit", "anthropic", "httpx", "httpx2", "requests", "urllib", "http", "socket", "ssl",
    "sqlite3", "pandas", "os", "pathlib", "shutil", "tempfile", "glob", "subprocess", "time",
}  # fmt: skip
"""UI, SDK, network, SQLite, pandas, disk and clock libraries: a pure module imports none of them."""
CORE_FORBIDDEN = SHELL_PACKAGES | {"reports"}
"""The core is the bottom layer: it imports no other package of the project."""
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter")}  # fmt: skip
DISK_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes"}

def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _ids(paths: list[Path]) -> list[str]:
    return [_rel(p) for p in paths]


def _is_project_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Every module an absolute import loads, wherever it is (module level, functions, TYPE_CHECKING).

    `from package import name` loads `package`, and `package.name` too when that is one of the project's modules.
    """
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
            subs = [f"{node.module}.{a.name}" for a in node.names if _is_project_module(f"{node.module}.{a.name}")]
            found.extend((name, node.lineno) for name in subs)
    return found


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


def _is_pure_module(name: str) -> bool:
    """`name` is one of the pure modules (a package counts by its `__init__.py`)."""
    return name in PURE_MODULES


CACHE_DECORATORS = {"cache", "lru_cache", "cached_property"}
"""Decorators that keep results between calls: state a pure module leaves to the edges (`ui.data`, `commands`)."""


def _state(rel: str, tree: ast.Module) -> list[str]:
    """Module-level state: an empty container a module fills as it runs (a cache), or a memoising decorator."""
    bad: list[str] = []
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        empty_literal = isinstance(value, ast.Dict | ast.List | ast.Set) and not getattr(
            value, "keys" if isinstance(value, ast.Dict) else "elts"
        )
        empty_call = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args
                      and value.func.id in ("dict", "list", "set", "OrderedDict", "defaultdict"))  # fmt: skip
        if empty_literal or empty_call:
            bad.append(f"{rel}:{node.lineno} keeps module-level state (an empty container filled at run time)")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in CACHE_DECORATORS:
                    bad.append(f"{rel}:{d.lineno} keeps state between calls (@{name} on {node.name})")
    return bad


def impurities(rel: str, source: str) -> list[str]:
    """What makes the module at `rel` (path from the repository root) with text `source` impure, one line each."""
    tree = ast.parse(source, filename=rel)
    core = rel.startswith("costmodel/")
    bad: list[str] = []
    for name, line in _imports(tree):
        top = name.split(".")[0]
        if top in IMPURE_TOP:
            bad.append(f"{rel}:{line} imports {name}")
        elif core and top in CORE_FORBIDDEN:
            bad.append(f"{rel}:{line} imports {name}: the core imports no other package")
        elif top in SHELL_PACKAGES and not _is_pure_module(name):
            bad.append(f"{rel}:{line} imports {name}, which is not a pure module")
    bad += _state(rel, tree)
    for node in ast.walk(tree):
        named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        pair = (node.value.id, node.attr) if named else None  # type: ignore[attr-defined]
        if pair in CLOCK_CALLS:
            bad.append(f"{rel}:{node.lineno} reads the clock ({'.'.join(pair)})")
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            clock = [a.name for a in node.names if (node.module, a.name) in CLOCK_CALLS]
            bad.extend(f"{rel}:{node.lineno} imports the clock ({node.module}.{name})" for name in clock)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in DISK_CALLS:
                bad.append(f"{rel}:{node.lineno} touches the disk ({called})")
    return bad


def test_the_scan_sees_every_pure_module() -> None:
    names = set(_ids(PURE_FILES))
    assert {"costmodel/cost.py", "costmodel/sla.py", "costmodel/measurement.py", "costmodel/usage.py"} <= names
    assert {"reports/__init__.py", "reports/safe.py", "reports/view.py", "reports/portfolio.py"} <= names
    assert all(p.is_file() for p in PURE_FILES), [p for p in PURE_FILES if not p.is_file()]


@pytest.mark.parametrize("path", PURE_FILES, ids=_ids(PURE_FILES))
def test_pure_module_imports_no_ui_sdk_network_sqlite_disk_or_clock(path: Path) -> None:
    assert impurities(_rel(path), path.read_text()) == []


@pytest.mark.parametrize("path", CORE_FILES, ids=_ids(CORE_FILES))
def test_core_never_imports_the_shell_at_module_level(path: Path) -> None:
    # even the command line's forwarding to the pilot and usage commands happens inside a function
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = [(m, line) for m, line in _module_level_imports(tree) if m.split(".")[0] in CORE_FORBIDDEN]
    assert not bad, f"{path.name} imports {bad} at module level"


def test_scanners_catch_what_they_look_for() -> None:
    # the scans above must be able to fail
    sample = ast.parse(
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import streamlit\n"
        "try:\n    import anthropic\nexcept ImportError:\n    pass\n"
        "def f():\n    import ui.widgets\n    return datetime.now()\n"
    )
    assert [m for m, _ in _module_level_imports(sample)] == ["os", "typing", "anthropic"]
    source = (
        "import json\nfrom pathlib import Path\nfrom pilot.runner import Runner\n"
        "from pilot.requests import split_ranges\nfrom reports import safe\n"
        "def f(p):\n    import streamlit\n    from usageimport.summary import summarize\n"
        "    return datetime.now(), Path(p).read_text(), open(p)\n"
    )
    found = "\n".join(impurities("costmodel/sample.py", source))
    expected = (
        "imports pathlib", "imports pilot.runner: the core",
        "imports pilot.requests: the core", "imports reports.safe: the core", "imports streamlit",
        "imports usageimport.summary: the core", "reads the clock (datetime.now)",
        "touches the disk (read_text)", "touches the disk (open)",
    )  # fmt: skip
    for text in expected:
        assert text in found, (text, found)
    assert "json" not in found
    assert impurities("pilot/sample.py", "from pilot.requests import split_ranges\nimport pilot\n") == []
    stateful = "_CACHE: dict[str, int] = {}\nSEEN = set()\n@functools.lru_cache(maxsize=8)\ndef f(x):\n    return x\n"
    assert impurities("costmodel/sample.py", stateful) == [
        "costmodel/sample.py:1 keeps module-level state (an empty container filled at run time)",
        "costmodel/sample.py:2 keeps module-level state (an empty container filled at run time)",
        "costmodel/sample.py:3 keeps state between calls (@lru_cache on f)",
    ]
    assert impurities("costmodel/sample.py", "LIMITS = {'a': 1}\nNAMES = ('a',)\n") == []
    not_pure = "pilot/sample.py:1 imports usageimport, which is not a pure module"
    assert impurities("pilot/sample.py", "import usageimport\n") == [not_pure]
    assert impurities("reports/sample.py", "from pilot.runner import Runner\nfrom pilot import ledger\n") == [
        "reports/sample.py:1 imports pilot.runner, which is not a pure module",
        "reports/sample.py:2 imports pilot.ledger, which is not a pure module",
    ]


def _probe(code: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


PROBE = """
import json, sys
import costmodel
import costmodel.cost, costmodel.sla, costmodel.recommend, costmodel.finance, costmodel.routing
import costmodel.scenario, costmodel.prices, costmodel.workflow
heavy = ["streamlit", "anthropic", "pandas", "genai_prices", "plotly"]
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules]}))
"""


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


def test_importing_every_pure_module_loads_no_ui_sdk_http_or_pandas() -> None:
    modules = sorted(m for m in PURE_MODULES if not m.endswith("__init__"))
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + 'heavy = ["streamlit", "anthropic", "pandas", "httpx", "httpx2", "sqlite3", "plotly", "openpyxl"]\n'
        'print(json.dumps({"loaded": [m for m in heavy if m in sys.modules]}))'
    )
    assert _probe(code)["loaded"] == []


def test_the_program_entry_is_only_a_trampoline_to_the_shell() -> None:
    # the one module of costmodel/ the scan leaves out: it may import nothing but sys and the command line
    tree = ast.parse((ROOT / "costmodel" / "__main__.py").read_text())
    assert sorted(name for name, _ in _imports(tree)) == ["commands", "sys"]
    assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(tree))
