"""The structure limits of `jobs/`, read from the code with `ast`: no module over 600 lines, no
function over 60 (from its `def` line to its last, docstring included; a nested function counts
within its parent and on its own), no class over 300, and no modules that import each other in
a circle (an import inside a function counts: it ties the two modules all the same)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

JOBS = Path(__file__).resolve().parent.parent / "jobs"
LIMITS = {"module": 600, "function": 60, "class": 300}

#: What is over a limit on this branch in rooms that other parts of issue 21 are restructuring, with
#: its size today: each may shrink or go, never grow (a ratchet), and one that is within the limit
#: (or gone) must leave this list. Empty it once those parts have landed.
KNOWN_EXCEPTIONS: dict[tuple[str, str, str], int] = {}
#: Import circles on this branch in those rooms, likewise to go.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def modules() -> list[Path]:
    """Every Python module of the package."""
    return sorted(JOBS.rglob("*.py"))


def name_of(path: Path) -> str:
    """A module's path as the messages name it: jobs/engines/gloss/engine.py."""
    return path.relative_to(JOBS.parent).as_posix()


def sizes(path: Path) -> Iterator[tuple[str, str, int, int]]:
    """Each thing a limit holds for in a module: its kind, its qualified name, its first line and its size in lines."""
    text = path.read_text(encoding="utf-8")
    yield "module", "", 1, len(text.splitlines())

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                name = f"{prefix}{child.name}"
                yield kind, name, child.lineno, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, f"{name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(text, filename=str(path)), "")


def over_the_limits() -> dict[tuple[str, str, str], tuple[int, str]]:
    """Everything over its limit: (kind, module, name) -> (size, where it starts)."""
    over = {}
    for path in modules():
        for kind, name, line, size in sizes(path):
            if size > LIMITS[kind]:
                over[kind, name_of(path), name] = (size, f"{name_of(path)}:{line}")
    return over


def test_the_size_limits_hold() -> None:
    over = over_the_limits()
    failures = []
    for (kind, module, name), (size, where) in sorted(over.items()):
        known = KNOWN_EXCEPTIONS.get((kind, module, name))
        what = f"{where} {kind} {name}: {size} lines" if name else f"{module}: {size} lines"
        if known is None:
            failures.append(f"{what}, over the limit of {LIMITS[kind]}")
        elif size > known:
            failures.append(f"{what}, more than the {known} it had (a known exception may only shrink)")
    for kind, module, name in sorted(KNOWN_EXCEPTIONS):
        if (kind, module, name) not in over:
            failures.append(f"{module} {kind} {name}: within the limit now (or gone): take it off KNOWN_EXCEPTIONS")
    assert not failures, "\n".join(failures)


def imported_modules(path: Path) -> Iterator[Path]:
    """The modules of the package that a module imports, anywhere in it."""
    package = path.parent
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[tuple[Path, tuple[str, ...]]]
        if isinstance(node, ast.Import):
            targets = [(JOBS.parent.joinpath(*alias.name.split(".")), ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.parent
            if node.level == 0:
                base = JOBS.parent
            where = base.joinpath(*node.module.split(".")) if node.module else base
            targets = [(where, tuple(alias.name for alias in node.names))]
        else:
            continue
        for where, names in targets:
            if where.is_relative_to(JOBS):
                yield from _module_files(where, names)


def _module_files(where: Path, names: tuple[str, ...]) -> Iterator[Path]:
    """The module files an import of `where` (a module or a package) and of `names` from it reaches."""
    if where.with_suffix(".py").is_file():
        yield where.with_suffix(".py")
    elif (where / "__init__.py").is_file():
        submodules = [where / f"{name}.py" for name in names if (where / f"{name}.py").is_file()]
        yield from submodules
        if len(submodules) < len(names) or not names:
            yield where / "__init__.py"


def circles() -> set[frozenset[str]]:
    """The sets of modules that import each other, directly or around a loop (Tarjan's components)."""
    graph = {path: set(imported_modules(path)) for path in modules()}
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    found: set[frozenset[str]] = set()

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.add(frozenset(map(name_of, component)))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other() -> None:
    found = circles()
    failures = [f"an import circle: {', '.join(sorted(circle))}" for circle in found - KNOWN_CIRCLES]
    failures += [
        f"no longer a circle: {', '.join(sorted(circle))}: take it off KNOWN_CIRCLES"
        for circle in KNOWN_CIRCLES - found
    ]
    assert not failures, "\n".join(failures)


def test_the_limits_are_measured_as_stated(tmp_path: Path) -> None:
    # A function of 61 lines with a nested one of 3: the outer counts whole, the inner on its own.
    body = "\n".join(f"    x{i} = {i}" for i in range(56))
    source = f'def outer():\n    """Doc."""\n    def inner():\n        return 1\n{body}\n    return inner\n'
    module = tmp_path / "module.py"
    module.write_text(source, encoding="utf-8")
    measured = {(kind, name): size for kind, name, _, size in sizes(module)}
    assert measured == {("module", ""): 61, ("function", "outer"): 61, ("function", "outer.inner"): 2}
