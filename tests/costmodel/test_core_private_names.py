"""One house, no back doors: no module uses another module's private (`_name`) function, class or constant.

What one module shares with another is public and documented (in its `__all__`); a leading underscore means
"this module only". Scanned by AST over every package of the project (tests are free to reach in).
"""

from __future__ import annotations

import ast

from tests.costmodel.core_support import ROOT

PACKAGES = ("costmodel", "pilot", "usageimport", "commands", "reports", "ui", "app_pages", "emulator", "benchmarks")
FILES = sorted([p for package in PACKAGES for p in (ROOT / package).rglob("*.py")] + [ROOT / "app.py"])


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(rel: str, source: str) -> list[str]:
    """Each use in `source` (the module at `rel`) of another project module's private name, one line each:
    `from package.module import _name`, and `module._name` through an imported project module."""
    tree = ast.parse(source, filename=rel)
    modules: dict[str, str] = {}  # local name → project module it stands for
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{rel}:{node.lineno} imports {node.module}.{alias.name}")
                elif _is_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = ast.unparse(node.value)
            if base in modules or (base.split(".")[0] in modules and _is_module(base)):
                found.append(f"{rel}:{node.lineno} uses {base}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    found = [line for path in FILES for line in private_uses(path.relative_to(ROOT).as_posix(), path.read_text())]
    assert found == []


def test_the_scan_sees_private_imports_and_attributes() -> None:
    source = (
        "from costmodel.sla import _lognormal_sigma, Z90\nfrom costmodel import cost\nimport ui.state as state\n"
        "import costmodel.recommend\nfrom typing import _SpecialForm\n"
        "def f():\n    return cost._monthly, state._holder(), costmodel.recommend._hybrid_cost, cost.compare, self._x\n"
    )
    assert sorted(private_uses("x.py", source)) == [
        "x.py:1 imports costmodel.sla._lognormal_sigma",
        "x.py:7 uses cost._monthly",
        "x.py:7 uses costmodel.recommend._hybrid_cost",
        "x.py:7 uses state._holder",
    ]
    assert len(FILES) > 100
