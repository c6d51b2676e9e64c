"""The shape of the code: what "one way through" means, checked.

No import cycle among digitnet's modules (counting every import, also those inside functions
and under TYPE_CHECKING), no function over 80 lines, no module over 400, no web framework
internal replaced, each compiled extension loaded by one module, no public name of a package
hiding one of its modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "digitnet"
FILES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in FILES}
#: Compiled extensions, by the name they are imported as (they import nothing of digitnet).
EXTENSIONS = {module_name(p.with_suffix(".py")) for p in PACKAGE.rglob("*.c")}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The digitnet modules an import statement reads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    base = importer if is_package else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    target = (f"{base}.{node.module}" if base else node.module) if node.module else base
    if node.level == 0:
        target = node.module or ""
    found = set()
    for alias in node.names:
        if f"{target}.{alias.name}" in MODULES:
            found.add(f"{target}.{alias.name}")
        elif f"{target}.{alias.name}" in EXTENSIONS:
            continue
        elif target in MODULES:
            found.add(target)
    return found


def imports() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= resolve(name, path.name == "__init__.py", node)
        graph[name] = edges - {name}
    return graph


def test_no_import_cycles():
    graph = imports()
    cycles = []

    def visit(node, path, seen):
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, path + [nxt], seen)

    for start in sorted(graph):
        visit(start, [start], {start})
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_are_short(path):
    lines = path.read_text().splitlines()
    assert len(lines) <= 400, f"{path.name} has {len(lines)} lines"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= 80, f"{path.name}: {node.name} has {length} lines"


def test_no_framework_internal_is_replaced():
    """Attributes of the app (or of anything but our own objects) are not assigned to."""
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    assert target.value.id not in ("app", "router", "starlette", "fastapi",
                                                   "uvicorn"), \
                        f"{path.name}:{node.lineno} assigns {target.value.id}.{target.attr}"


def test_each_compiled_extension_is_loaded_by_one_module():
    extensions = {p.name.split(".")[0] for p in PACKAGE.rglob("*.c")}
    assert extensions == {"_kernel"}
    loaders = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    for ext in extensions:
                        if ext in (alias.name, getattr(node, "module", None)) or \
                                alias.name.endswith("." + ext):
                            loaders.setdefault(ext, set()).add(name)
    assert loaders == {"_kernel": {"digitnet.engines.compiled"}}


def test_no_public_name_hides_a_module():
    for name, path in MODULES.items():
        if path.name != "__init__.py":
            continue
        submodules = {module_name(p).rpartition(".")[2] for p in path.parent.glob("*.py")
                      if p.name != "__init__.py"} | {p.name for p in path.parent.iterdir()
                                                     if (p / "__init__.py").exists()}
        tree = ast.parse(path.read_text())
        bound = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.ImportFrom) and node.module:  # from .x import y binds y
                bound |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Assign):
                bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        hidden = {b for b in bound if b in submodules and not b.startswith("_")}
        assert not hidden, f"{name}: {sorted(hidden)} hide the modules of the same name"


def test_unit_tests_train_nothing_and_start_no_process():
    """Training runs and processes belong in tests/integration (and cli/, web/, e2e/)."""
    unit = Path(__file__).resolve().parent
    for path in sorted(unit.glob("test_*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                 for a in n.names} | {n.module for n in ast.walk(tree)
                                      if isinstance(n, ast.ImportFrom) and n.module}
        assert not names & {"subprocess", "multiprocessing", "digitnet.training"}, path.name
        arguments = {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                     for a in n.args.args}
        assert not arguments & {"small_model", "mnist_small"}, path.name


def test_test_files_have_distinct_names():
    """The test folders are not packages, so pytest imports each test file by its bare name:
    two files called alike in two folders stop the whole run at collection."""
    tests = Path(__file__).resolve().parents[1]
    names = [p.name for p in tests.rglob("test_*.py") if "node_modules" not in p.parts]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
