"""The layers of src/ (issue 23): packages by layer, imports run downwards only, no import cycles,
no private names taken from another module.

Bottom to top: ``src.base`` (what every layer uses), ``src.data``, ``src.charts``, ``src.book``
(what chapters call), ``src.sphinxext`` (Sphinx extensions), ``src.build`` (the build and its
command line), and ``src.pipeline`` (the command line's entry). A module may import its own layer
and the layers below it. Every import counts, at any depth in the file: ``from pkg import mod``
depends on ``pkg.mod``, and importing a module also runs the ``__init__`` of each package around
it (the importer's own packages aside), so a package's ``__init__`` is a module of the graph.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

LAYERS = ["src.base", "src.data", "src.charts", "src.book", "src.sphinxext", "src.build", "src.pipeline"]
SRC = REPO / "src"


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(root: Path = REPO) -> dict[str, Path]:
    """Dotted name → file, for every module of src/ (a package by its ``__init__.py``)."""
    return {module_name(p, root): p for p in sorted((root / "src").rglob("*.py")) if "__pycache__" not in p.parts}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(module imported, name taken from it or "", line) for each src import in ``path``."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names if a.name in modules]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            if base not in modules:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub, "", node.lineno) if sub in modules else (base, alias.name, node.lineno))
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules importing it runs: each imported module, and the packages around it that
    are not packages around the importer (those run first anyway)."""
    graph = {}
    for name, path in modules.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        deps = set()
        for target, _, _ in imports_of(name, path, modules):
            parts = target.split(".")
            deps |= {m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if m in modules and m not in own}
        graph[name] = deps - {name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk, each as a path that returns to its start."""
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def layer_of(module: str) -> int | None:
    hits = [i for i, layer in enumerate(LAYERS) if module == layer or module.startswith(layer + ".")]
    return max(hits, default=None)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [f"{a} ({LAYERS[layer_of(a)]}) imports {b} ({LAYERS[layer_of(b)]})"
            for a, deps in sorted(graph.items()) for b in sorted(deps)
            if layer_of(a) is not None and layer_of(b) is not None and layer_of(b) > layer_of(a)]


def private_imports(modules: dict[str, Path]) -> list[str]:
    """``from src.x import _name`` (and ``x._name`` on a src module bound by import) in another module."""
    found = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_aliases = {}
        for target, taken, line in imports_of(name, path, modules):
            if taken.startswith("_") and not taken.startswith("__") and target != name:
                found.append(f"{name}:{line} imports {taken} from {target}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    base = node.module or ""
                    if node.level:
                        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                        base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
                    if f"{base}.{alias.name}" in modules:
                        module_aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in module_aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{name}:{node.lineno} uses {module_aliases[node.value.id]}.{node.attr}")
    return found


def test_every_module_of_src_is_in_a_layer():
    modules = source_modules()
    assert [m for m in modules if m != "src" and layer_of(m) is None] == []
    assert all(m in modules for m in LAYERS), "each layer is a package (or the entry module) of src/"


def test_src_has_no_import_cycle():
    assert import_cycles(import_graph(source_modules())) == []


def test_imports_run_downwards_only():
    assert upward_imports(import_graph(source_modules())) == []


def test_no_private_name_is_taken_from_another_module():
    assert private_imports(source_modules()) == []


def test_the_entry_module_is_thin():
    """``python -m src.pipeline`` stays the command line; its code lives in the build layer."""
    assert len((SRC / "pipeline.py").read_text(encoding="utf-8").splitlines()) <= 20


# The checks themselves, on made-up trees.

def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return source_modules(tmp_path)


def test_the_checks_find_a_cycle_through_a_package_init(tmp_path):
    modules = _tree(tmp_path, {"src/__init__.py": "", "src/data/__init__.py": "from src.data.files import read\n",
                               "src/data/files.py": "def read(): pass\n",
                               "src/charts/__init__.py": "", "src/charts/builders.py": "from src.data import files\n",
                               "src/base/__init__.py": "", "src/base/i18n.py": "from src.charts import builders\n"})
    graph = import_graph(modules)
    assert "src.data.files" in graph["src.charts.builders"] and "src.data" in graph["src.charts.builders"]
    modules = _tree(tmp_path, {"src/data/files.py": "from src.charts.builders import x\n",
                               "src/charts/builders.py": "from src.data import files\nx = 1\n"})
    # the loop runs through the package's __init__, which imports the module that imports the chart builders
    assert import_cycles(import_graph(modules)) == [["src.charts.builders", "src.data", "src.data.files",
                                                     "src.charts.builders"]]


def test_the_checks_find_an_upward_import_and_a_private_name(tmp_path):
    modules = _tree(tmp_path, {"src/__init__.py": "", "src/data/__init__.py": "",
                               "src/data/package.py": "from src.book.glue import glue_text\nfrom .files import _read\n",
                               "src/data/files.py": "def _read(): pass\n",
                               "src/book/__init__.py": "", "src/book/glue.py": "from src.data import files\nfiles._read()\n"})
    graph = import_graph(modules)
    assert upward_imports(graph) == ["src.data.package (src.data) imports src.book (src.book)",
                                     "src.data.package (src.data) imports src.book.glue (src.book)"]
    assert private_imports(modules) == ["src.book.glue:2 uses src.data.files._read",
                                        "src.data.package:2 imports _read from src.data.files"]
