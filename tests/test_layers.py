"""``helpers/`` keeps the layer order written in ARCHITECTURE.md and has no import cycles.

Every ``import`` in every module counts, including the ones written inside a function (a
function-level import that closes a circle is still a circle: it only hides it until call time).
The graph's nodes are modules; ``from pkg import name`` is an edge to ``pkg.name`` when that is a
module, else to ``pkg``. The implicit import of a parent package's ``__init__`` is not an edge.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Cycles that still exist, each the exact set of modules of one strongly connected component.
#: This list may only shrink: a listed cycle that no longer exists fails the test, so remove it.
KNOWN_CYCLES: list[frozenset[str]] = []


# ----------------------------------------------------------------------------------- the graph


def modules_of(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under ``package_dir`` (a package folder)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _owner(name: str, modules) -> str | None:
    """The module that ``name`` (a dotted import target) lives in, if it is one of ``modules``."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package_dir: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of the same package: line of the first such import}."""
    modules = modules_of(package_dir)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [_owner(alias.name, modules) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, is_package)
                targets = [_owner(base, modules)]
                submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
                if len(submodules) == len(node.names):  # `from pkg import submodule`: pkg/__init__ is only a parent
                    targets = []
                targets += submodules
            else:
                continue
            for target in targets:
                if target and target != module:
                    edges.setdefault(target, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


# ----------------------------------------------------------------------------------- the layers


def read_layers(text: str) -> list[tuple[str, list[str]]]:
    """The ```layers block of ARCHITECTURE.md: [(layer name, patterns)], top layer first."""
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "ARCHITECTURE.md has no ```layers block"
    layers = []
    for line in block.group(1).splitlines():
        if line.strip():
            name, _, patterns = line.partition(":")
            layers.append((name.strip(), patterns.split()))
    return layers


def layer_of(module: str, layers) -> int | None:
    """Index (0 = top) of the most specific pattern matching ``module``; ``pkg.*`` matches pkg and below."""
    best, best_length = None, -1
    for position, (_, patterns) in enumerate(layers):
        for pattern in patterns:
            package = pattern[:-2] if pattern.endswith(".*") else None
            matches = (module == package or module.startswith(package + ".")) if package else module == pattern
            if matches and len(pattern) > best_length:
                best, best_length = position, len(pattern)
    return best


def problems(graph, layers, known_cycles=()) -> list[str]:
    """Every broken rule, as a sentence naming the modules and the line: unplaced modules, upward
    imports (except inside a known cycle), cycles not in ``known_cycles`` and known cycles now gone."""
    found = []
    placed = {module: layer_of(module, layers) for module in graph}
    found += [f"{module} is in no layer: add it to ARCHITECTURE.md's layers block"
              for module, layer in placed.items() if layer is None]
    current = cycles(graph)
    for component in current:
        if component not in known_cycles:
            found.append(f"import cycle: {', '.join(sorted(component))}")
    for component in known_cycles:
        if component not in current:
            found.append(f"the known cycle {', '.join(sorted(component))} is gone: remove it from KNOWN_CYCLES")
    excused = {module: component for component in known_cycles for module in component}
    for module, edges in graph.items():
        for target, line in edges.items():
            if placed[module] is None or placed.get(target) is None or placed[target] >= placed[module]:
                continue
            if module in excused and target in excused[module]:
                continue
            found.append(f"{module} (layer {layers[placed[module]][0]}) imports {target} "
                         f"(layer {layers[placed[target]][0]}, above it) at line {line}")
    return found


# ----------------------------------------------------------------------------------- the tests


def test_helpers_keeps_its_layers_and_has_no_cycles():
    layers = read_layers((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    assert problems(import_graph(ROOT / "helpers"), layers, KNOWN_CYCLES) == []


def test_every_bare_name_in_the_layers_block_is_a_module():
    modules = modules_of(ROOT / "helpers")
    layers = read_layers((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    stale = [p for _, patterns in layers for p in patterns if not p.endswith(".*") and p not in modules]
    assert stale == []


#: Private names (``_name``) one package still takes from another's module; may only shrink.
KNOWN_PRIVATE_CROSSINGS: set[str] = set()


def _package_of(module: str, modules) -> str:
    return module if modules[module].name == "__init__.py" else module.rpartition(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(module: str, path: Path, modules) -> list[tuple[str, str]]:
    """(module, private name) for each ``from m import _x`` and ``m._x`` (``m`` an imported module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: dict[str, str] = {}  # local name -> module
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    imported[alias.asname or alias.name] = f"{base}.{alias.name}"
                elif _private(alias.name) and base in modules:
                    uses.append((base, alias.name))
        elif isinstance(node, ast.Import):
            imported.update({alias.asname: alias.name for alias in node.names if alias.asname and alias.name in modules})
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported
                and _private(node.attr)):
            uses.append((imported[node.value.id], node.attr))
    return uses


def private_crossings(package_dir: Path) -> set[str]:
    """Private names a module takes from a module of another package (folder)."""
    modules = modules_of(package_dir)
    return {f"{module} -> {target}.{name}"
            for module, path in modules.items() for target, name in private_uses(module, path, modules)
            if _package_of(target, modules) != _package_of(module, modules)}


def test_no_private_name_crosses_a_package():
    assert private_crossings(ROOT / "helpers") == KNOWN_PRIVATE_CROSSINGS


LAYERS = [("top", ["pkg.top"]), ("middle", ["pkg.middle.*"]), ("bottom", ["pkg", "pkg.bottom"])]


def test_an_upward_import_in_a_synthetic_graph_is_reported():
    graph = {"pkg": {}, "pkg.top": {"pkg.middle": 3}, "pkg.middle": {"pkg.bottom": 4}, "pkg.bottom": {}}
    assert problems(graph, LAYERS) == []
    graph["pkg.bottom"] = {"pkg.middle.x": 9}
    graph["pkg.middle.x"] = {}
    assert problems(graph, LAYERS) == ["pkg.bottom (layer bottom) imports pkg.middle.x (layer middle, above it) at line 9"]


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root / "pkg"


def test_a_function_level_upward_import_in_a_real_package_fails(tmp_path):
    package = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/top.py": "from pkg.middle import helper\n",
        "pkg/middle/__init__.py": "from . import inner\n",
        "pkg/middle/inner.py": "from .. import bottom\n",
        "pkg/bottom.py": "def f():\n    if True:\n        from pkg import top\n    return top\n",
    })
    found = problems(import_graph(package), LAYERS)
    assert "pkg.bottom (layer bottom) imports pkg.top (layer top, above it) at line 3" in found
    assert "import cycle: pkg.bottom, pkg.middle, pkg.middle.inner, pkg.top" in found


def test_a_known_cycle_is_excused_only_while_it_exists():
    graph = {"pkg": {}, "pkg.top": {"pkg.bottom": 1}, "pkg.bottom": {"pkg.top": 2}, "pkg.middle": {}}
    cycle = frozenset({"pkg.top", "pkg.bottom"})
    assert problems(graph, LAYERS, [cycle]) == []
    graph["pkg.bottom"] = {}
    assert problems(graph, LAYERS, [cycle]) == [
        "the known cycle pkg.bottom, pkg.top is gone: remove it from KNOWN_CYCLES"]


def test_a_module_outside_every_layer_is_reported():
    assert problems({"pkg.new": {}}, LAYERS) == ["pkg.new is in no layer: add it to ARCHITECTURE.md's layers block"]


def test_a_private_name_taken_from_another_package_is_found(tmp_path):
    package = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "",
        "pkg/a/one.py": "from pkg.a.two import _fine\n",
        "pkg/a/two.py": "_fine = 1\n",
        "pkg/b.py": "from pkg.a import one as first\n\ndef f():\n    return first._secret\n",
    })
    assert private_crossings(package) == {"pkg.b -> pkg.a.one._secret"}


LAZY_PACKAGES = ("helpers.platform", "helpers.platform.tuning", "helpers.platform.serving",
                 "helpers.platform.pipelines", "helpers.platform.registry")


def test_every_lazy_name_of_the_platform_resolves():
    """These packages load names from import-string tables (``helpers.platform.lazy``; no graph
    edges), so each entry is checked here: a module moved without its table entry fails."""
    import importlib

    for package in LAZY_PACKAGES:
        module = importlib.import_module(package)
        missing = [name for name in module.__all__ if getattr(module, name, None) is None]
        assert missing == [], f"{package}: {missing}"


def test_importing_a_lazy_package_imports_none_of_its_modules():
    """A job process imports helpers.platform on every start, the router and the capture process
    one serving module each: the packages themselves must cost nothing."""
    code = ("import sys, importlib\n"
            f"for package in {LAZY_PACKAGES!r}:\n"
            "    importlib.import_module(package)\n"
            "print(sorted(m for m in sys.modules if m.startswith('helpers.platform.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == str(sorted(LAZY_PACKAGES[1:] + ("helpers.platform.lazy",)))


def test_a_lazy_table_names_a_module_itself_and_refuses_a_name_exported_twice():
    from helpers.platform import lazy

    assert lazy.table({"pkg.one": "a b", "pkg.two": None}) == {
        "a": ("pkg.one", "a"), "b": ("pkg.one", "b"), "two": ("pkg.two", None)}
    with pytest.raises(ValueError, match="'a' is exported from both pkg.one and pkg.three"):
        lazy.table({"pkg.one": "a", "pkg.three": "a"})


def test_only_the_aws_layer_imports_the_sagemaker_sdk():
    modules = modules_of(ROOT / "helpers")
    importers = set()
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(name == "sagemaker" or name.startswith("sagemaker.") for name in names):
                importers.add(module)
    assert importers and all(m.startswith("helpers.platform.aws.") for m in importers), sorted(importers)


# ----------------------------------------------------------------------------------- the tests' own layout

#: Folders of tests/ that hold no unit tests of a helpers package: benchmarks, browser settings, and the
#: ported public SageMaker notebooks (acceptance runs of the whole platform).
NOT_MIRRORS = {"benchmarks", "browser", "ports"}


def layout_problems(tests_dir: Path, package_dir: Path) -> list[str]:
    """What breaks "tests/ mirrors helpers/": a folder with no package of that path, or two test files
    with one name (pytest imports a test file by its name alone, tests/ having no ``__init__.py``)."""
    found, seen = [], {}
    for path in sorted(tests_dir.rglob("test_*.py")):
        folder = path.parent.relative_to(tests_dir)
        if folder.parts and folder.parts[0] not in NOT_MIRRORS and not (package_dir / folder).is_dir():
            found.append(f"{path.relative_to(tests_dir)}: no {package_dir.name}/{folder.as_posix()}/ to mirror")
        if path.name in seen:
            found.append(f"{path.relative_to(tests_dir)}: same name as {seen[path.name]}")
        seen.setdefault(path.name, path.relative_to(tests_dir))
    return found


def test_the_tests_folders_mirror_helpers_and_their_names_are_unique():
    assert layout_problems(ROOT / "tests", ROOT / "helpers") == []


def test_a_folder_without_a_package_and_a_repeated_name_are_reported(tmp_path):
    (tmp_path / "helpers" / "rl").mkdir(parents=True)
    for name in ["rl/test_a.py", "gd/test_b.py", "test_a.py"]:
        (tmp_path / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tests" / name).write_text("")
    assert layout_problems(tmp_path / "tests", tmp_path / "helpers") == [
        "gd/test_b.py: no helpers/gd/ to mirror", "test_a.py: same name as rl/test_a.py"]
