"""The code's layout keeps the pipeline visible: folders are stages, imports
flow one way. These tests read every module with `ast` (imports inside
functions included), so a change that breaks a rule fails here, not in review.

Rules:
- L1 no import cycles between modules;
- L2 nothing in `builders` imports `evaluation`, except the command line;
- L3 a stage imports only itself and the stages before it (RANKS below);
- L4 no folder holds more than 10 modules;
- L5 every package opens with a docstring saying what it takes and gives;
- L6 every module imports on its own, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("builders", "evaluation")

# The order of the stages: a module may import its own stage and lower ranks.
RANKS = {
    "builders": 0,  # the package itself: a docstring and the version
    "builders.io": 0,
    "builders.markdown": 0,
    "builders.project": 0,
    "builders.transaction": 0,  # staged writes, swap journal, lock: used by every stage that writes
    "builders.corpus": 1,
    "builders.annotation": 2,
    "builders.dataset": 3,
    "builders.interchange": 3,
    "builders.build": 4,
    "builders.plans": 5,
    "builders.release": 5,  # checks a built checkout: runs the build in a scratch copy
    "evaluation": 5,
    "builders.cli": 6,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "benchmarks" in path.parts:
                continue  # scripts, not part of the library
            found[module_name(path)] = path
    return found


MODULES = project_modules()


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _project_module(name: str) -> str | None:
    """The project module an import names: the longest known prefix."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(module: str, path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path, node)
            # `from pkg import submodule` imports the submodule too
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            target = _project_module(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def stage_of(module: str) -> str:
    return max((s for s in RANKS if module == s or module.startswith(s + ".")), key=len)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    # The rules below are only as good as the walker: it must not miss these forms.
    source = "from .labels import Span\n\ndef f():\n    from builders.corpus import store\n    import evaluation.scorer\n"
    path = ROOT / "builders" / "annotation" / "example.py"
    tree_imports = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            tree_imports.add(_project_module(_resolve("builders.annotation.example", path, node) + "." + node.names[0].name))
        elif isinstance(node, ast.Import):
            tree_imports.add(_project_module(node.names[0].name))
    assert tree_imports == {"builders.annotation.labels", "builders.corpus.store", "evaluation.scorer"}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_L1_no_import_cycles():
    assert _cycle(GRAPH) is None


def test_L2_builders_never_import_evaluation_except_the_cli():
    offenders = {
        module: sorted(t for t in targets if t.startswith("evaluation"))
        for module, targets in GRAPH.items()
        if module.startswith("builders") and module != "builders.cli"
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_L3_stages_import_only_themselves_and_earlier_stages():
    wrong = []
    for module, targets in GRAPH.items():
        own = stage_of(module)
        for target in targets:
            other = stage_of(target)
            if other != own and RANKS[other] >= RANKS[own]:
                wrong.append(f"{module} ({own}) imports {target} ({other})")
    assert wrong == []


def test_every_module_has_a_stage():
    assert [m for m in MODULES if stage_of(m) == "builders" and m != "builders"] == []


@pytest.mark.parametrize("folder", sorted({p.parent for p in MODULES.values()}), ids=lambda p: str(p.relative_to(ROOT)))
def test_L4_no_folder_holds_more_than_ten_modules(folder):
    assert len(list(folder.glob("*.py"))) <= 10


@pytest.mark.parametrize("package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py"))
def test_L5_every_package_opens_with_a_docstring(package):
    docstring = ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 15, f"{package}: say what the stage takes, gives, and what is next"


def test_L6_every_module_imports_on_its_own():
    # One fresh interpreter per module, all started at once.
    processes = {
        module: subprocess.Popen([sys.executable, "-c", f"import {module}"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for module in MODULES
    }
    failures = {}
    for module, process in processes.items():
        _, stderr = process.communicate(timeout=300)
        if process.returncode:
            failures[module] = stderr.strip().splitlines()[-1:]
    assert failures == {}
