"""One state (issue 9): `ui/state.py` is the only place that names session keys.

Scanned by AST over `ui/` and `app_pages/`: a session-state key (`st.session_state[K]`, `.get(K)`, `.pop(K)`,
`.setdefault(K)`, `K in st.session_state`) that is a string constant defined outside `ui/state.py`, or a bare string
literal, is a key named in the wrong place, unless it is a widget's key (`key=K` on a widget somewhere in the
pages): widgets own their keys. This is an architecture test over the shell, kept with the core's other scans.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.costmodel.core_support import ROOT

STATE = ROOT / "ui" / "state.py"
FILES = sorted([*(ROOT / "ui").glob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"])


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _string_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to a string (literal, f-string or concatenation)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.JoinedStr | ast.BinOp) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str)
            ):
                found.add(node.targets[0].id)
    return found


def _imported_modules(tree: ast.Module) -> dict[str, str]:
    """Local name → project module, for `from ui import x` / `import ui.x as y`."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("ui", "app_pages"):
            names.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("ui.", "app_pages.")):
            names.update({a.asname or a.name: f"{node.module}:{a.name}" for a in node.names})
    return names


def _session_keys(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and "session_state" in ast.unparse(node.value):
            yield node.slice
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
              and node.func.attr in ("get", "pop", "setdefault")
              and "session_state" in ast.unparse(node.func.value)):  # fmt: skip
            yield node.args[0]
        elif (isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
              and any("session_state" in ast.unparse(c) for c in node.comparators)):  # fmt: skip
            yield node.left


def _refs(expr: ast.expr, module: str, imported: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(defining module, name) of every constant an expression names (a subscript's base only)."""
    expr = expr.value if isinstance(expr, ast.Subscript) else expr
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            target = imported.get(node.id, "")
            yield (target.split(":")[0], target.split(":")[1]) if ":" in target else (module, node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported:
            yield imported[node.value.id], node.attr


def misplaced_keys(sources: dict[str, str]) -> list[str]:
    """`module:line key` for every session key named outside `ui.state` (module name → source)."""
    trees = {m: ast.parse(s) for m, s in sources.items()}
    constants = {(m, n) for m, t in trees.items() for n in _string_constants(t)}
    widget_names: set[tuple[str, str]] = set()
    widget_literals: set[str] = set()
    for m, tree in trees.items():
        imported = _imported_modules(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "key":
                        widget_names.update(_refs(kw.value, m, imported))
                        texts = [n.value for n in ast.walk(kw.value) if isinstance(n, ast.Constant)]
                        widget_literals.update(t for t in texts if isinstance(t, str))
    found = []
    for m, tree in trees.items():
        if m == "ui.state":
            continue
        imported = _imported_modules(tree)
        for key in _session_keys(tree):
            for ref in _refs(key, m, imported):
                if ref in constants and ref[0] != "ui.state" and ref not in widget_names:
                    found.append(f"{m}:{key.lineno} {ref[0]}.{ref[1]}")
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in widget_literals:
                found.append(f"{m}:{key.lineno} {key.value!r}")
    return sorted(set(found))


def test_every_session_key_is_named_in_ui_state() -> None:
    assert misplaced_keys({_module_of(p): p.read_text() for p in FILES}) == []


def test_the_scan_finds_keys_named_elsewhere_and_lets_widget_keys_be() -> None:
    sources = {
        "ui.state": 'SCENARIO = "bp_scenario"\n',
        "ui.panel": (
            'import streamlit as st\nfrom ui import state\nPICKED = "bp_picked"\nBOX = "bp_box"\nPREFIX = "unc_"\n'
            "def f(field):\n    st.text_input('x', key=BOX)\n    st.text_input('y', key=PREFIX + field)\n"
            "    st.session_state[PICKED] = 1\n    st.session_state.get(BOX)\n    st.session_state[PREFIX + field]\n"
            "    st.session_state[state.SCENARIO]\n    'bp_raw' in st.session_state\n"
        ),
        "app_pages.page": "import streamlit as st\nfrom ui import panel\nst.session_state.pop(panel.PICKED, None)\n",
    }
    assert misplaced_keys(sources) == ["app_pages.page:3 ui.panel.PICKED", "ui.panel:13 'bp_raw'",
                                       "ui.panel:9 ui.panel.PICKED"]  # fmt: skip


def test_the_imported_scenario_keys_say_what_they_hold() -> None:
    from ui import state

    tree = ast.parse(STATE.read_text())
    docs = {}
    for before, after in zip(tree.body, tree.body[1:], strict=False):
        if isinstance(before, ast.Assign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[ast.unparse(before.targets[0])] = after.value.value
    assert "scenario built from imported usage" in docs["IMPORTED_SCENARIO"]
    assert "uncertain inputs" in docs["IMPORTED_UNCERTAINTY"]
    assert state.IMPORTED_SCENARIO != state.IMPORTED_UNCERTAINTY
