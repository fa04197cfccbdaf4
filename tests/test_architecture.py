"""The shape of the source tree, checked on the source itself (``ast``), so it stays true:

* the import graph of ``fakebench`` has no cycle, counting imports inside functions (a
  lazy import hides a cycle, it does not remove it);
* plugins import fakebench only through ``fakebench.api`` (plus their own private
  helper modules), and no plugin imports another plugin;
* no module imports a private name (``_name``) of another module;
* plugin modules do not import heavy libraries at module level (``fakebench list`` must
  not load torch).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"fakebench": REPO / "harness", "fakebench.plugins": REPO / "plugins"}
HEAVY = {"torch", "torchaudio", "transformers", "scipy", "sklearn", "matplotlib", "av", "librosa", "gradio", "ray",
         "msclap", "panns_inference", "speechbrain", "resemblyzer", "faster_whisper", "sentence_transformers",
         "pyroomacoustics", "pandas"}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg, root in ROOTS.items():
        for path in root.rglob("*.py"):
            rel = path.relative_to(root).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([pkg, *parts]) if parts else pkg
            if pkg == "fakebench" and parts[:1] == ["plugins"]:
                continue
            out[name] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> list[tuple[str, list[str], int, bool]]:
    """(module imported, names imported from it, line, at module level) for each import."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    top = set(id(n) for n in tree.body)
    # `if TYPE_CHECKING:` imports never run: annotations only
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
                   for part in node.body for n in ast.walk(part)}
    package = name if _is_package(name) else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, [], node.lineno, id(node) in top))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((mod, [a.name for a in node.names], node.lineno, id(node) in top))
    return out


def _targets(mod: str, names: list[str]) -> list[str]:
    """The fakebench modules an import statement loads: the module, or its submodules."""
    hits = []
    for n in names:
        if f"{mod}.{n}" in MODULES:
            hits.append(f"{mod}.{n}")
    if mod in MODULES and (len(hits) < len(names) or not names):
        hits.append(mod)
    return hits


def _graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = defaultdict(set)
    for name in MODULES:
        for mod, names, _, _ in _imports(name):
            for target in _targets(mod, names):
                if target != name:
                    g[name].add(target)
    return g


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    import sys

    sys.setrecursionlimit(10000)
    for v in list(MODULES):
        if v not in index:
            visit(v)
    return out


def _is_package_parent(a: str, b: str) -> bool:
    """A package and its own submodule: the package's ``__init__`` re-exporting is not a cycle
    of design (Python loads the package first)."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_import_graph_has_no_cycle():
    g = _graph()
    # a package's __init__ importing its submodules is fine; drop child -> parent-package edges
    pruned = {a: {b for b in bs if not (_is_package(b) and a.startswith(b + "."))} for a, bs in g.items()}
    cycles = _cycles(pruned)
    assert not cycles, "import cycles (including imports inside functions):\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


def _plugin_modules() -> list[str]:
    return [m for m in MODULES if m.startswith("fakebench.plugins.") and m.count(".") >= 3]


def test_plugins_import_fakebench_only_through_the_api():
    bad = []
    for name in _plugin_modules():
        for mod, names, line, _ in _imports(name):
            if not mod.startswith("fakebench"):
                continue
            if mod == "fakebench.api" or mod.startswith("fakebench.api."):
                continue
            kind = ".".join(name.split(".")[:3])  # fakebench.plugins.<kind>
            # the plugin family's own private helpers (_common.py, _ssl/...), beside it
            targets = _targets(mod, names) or [mod]
            if all(t.startswith(kind + ".") and any(p.startswith("_") for p in t.split(".")[3:]) for t in targets):
                continue
            bad.append(f"{MODULES[name].relative_to(REPO)}:{line} imports {mod}")
    assert not bad, "plugins must import fakebench only through fakebench.api:\n" + "\n".join(bad)


def test_no_plugin_imports_another_plugin():
    plugins = set(_plugin_modules())
    public = {p for p in plugins if not any(part.startswith("_") for part in p.split(".")[3:])}
    bad = []
    for name in plugins:
        for mod, names, line, _ in _imports(name):
            for target in _targets(mod, names):
                if target in public and target != name:
                    bad.append(f"{MODULES[name].relative_to(REPO)}:{line} imports the plugin {target}")
    assert not bad, "\n".join(bad)


def test_no_module_imports_a_private_name_of_another():
    bad = []
    for name in MODULES:
        for mod, names, line, _ in _imports(name):
            if not mod.startswith("fakebench"):
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__") and f"{mod}.{n}" not in MODULES:
                    bad.append(f"{MODULES[name].relative_to(REPO)}:{line} imports {mod}.{n}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(m for m in _plugin_modules()
                                        if not any(p.startswith("_") for p in m.split(".")[3:])))
def test_plugin_modules_import_no_heavy_library_at_module_level(name):
    heavy = [f"line {line}: {mod}" for mod, _, line, top in _imports(name)
             if top and mod.split(".")[0] in HEAVY]
    assert not heavy, f"{MODULES[name].relative_to(REPO)} imports at module level: {heavy} (import inside load()/fit())"
