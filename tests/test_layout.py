"""The code's shape, read from its source with ast: data flows one way, and no module keeps state at module level."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"

# The pipeline, first to last: a module may import only modules before it (README, "How the code is laid out").
ORDER = [
    "generator", "generator.model", "generator.textclean", "generator.urls",
    "generator.readers.base", "generator.readers.hfjson", "generator.readers.html", "generator.readers.jsonapi",
    "generator.readers.text", "generator.readers",
    "generator.store", "generator.manifest", "generator.validate", "generator.ingest", "generator.catalog", "generator.check", "generator.intake",
    "generator.topics", "generator.topic_report", "generator.terms", "generator.tfidf", "generator.related",
    "generator.pages.common", "generator.pages.paper", "generator.pages.topic", "generator.pages.digest", "generator.pages.home", "generator.pages.indexes", "generator.pages.api", "generator.pages",
    "generator.plan", "generator.progress", "generator.parallel", "generator.search", "generator.similar_index", "generator.lookup", "generator.feeds", "generator.fastpages",
    "generator.build", "generator.preview", "generator.watch", "generator.server", "generator.cli", "generator.__main__",
]

# Calls whose result cannot change: anything else bound at module level may be state.
IMMUTABLE_CALLS = {"re.compile", "frozenset", "tuple", "bytes", "types.MappingProxyType", "Path", "datetime", "datetime.min.replace",
                   "etree.XMLParser"}  # a parser's settings: it keeps nothing from one parse to the next


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports, anywhere in its source (a lazy import counts too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            candidates = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c in modules()}
    return found - {name}


def test_every_module_has_a_place_in_the_pipeline():
    assert set(modules()) == set(ORDER), "add the new module to ORDER (and to the README's table)"


@pytest.mark.parametrize("name", ORDER)
def test_no_import_runs_back_up_the_pipeline(name):
    later = {other for other in imports(name, modules()[name]) if ORDER.index(other) > ORDER.index(name)}
    assert not later, f"{name} imports {sorted(later)}, which come after it"


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def module_state(path: Path) -> list[str]:
    """Module-level names bound to something mutable (a dict, list or set, or an object a call made), caches on
    module-level functions, and `global` statements."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if value is not None:
            names = ", ".join(_dotted(t) or ast.unparse(t) for t in targets)
            if names == "__all__":
                continue
            if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
                found.append(f"{path.name}:{node.lineno}: {names} is a {type(value).__name__.lower()}")
            elif isinstance(value, ast.Call) and _dotted(value.func) not in IMMUTABLE_CALLS:
                found.append(f"{path.name}:{node.lineno}: {names} = {_dotted(value.func)}(...)")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                called = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
                if called.split(".")[-1] in {"cache", "lru_cache"}:
                    found.append(f"{path.name}:{node.lineno}: {node.name} keeps a cache")
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{path.name}:{node.lineno}: global {', '.join(node.names)}")
    return found


@pytest.mark.parametrize("name", ORDER)
def test_no_module_keeps_mutable_state(name):
    assert not module_state(modules()[name])


def test_the_state_check_sees_state():
    sample = PACKAGE.parent / "tests" / "data" / "_state_sample.py"
    assert sample.is_file()
    assert len(module_state(sample)) == 5
