"""The three rooms keep their doors (STYLE.md "The shape of the project"; issue 15 §4).

- schema/ (GraphQL) and connectors/ never import the Neo4j layer (``hub.db``): they reach the graph
  through hub's services and domain types;
- Cypher lives only in hub/db/: no string outside it reads like a Cypher statement, and only hub/db/
  imports the driver;
- hub/ imports neither schema/ nor connectors/, except its composition roots (hub/app.py, hub/cli/);
- schema/ and connectors/ never import each other.

Read from the source with ``ast`` (function-level imports count too), so the rules hold for code not
yet imported by any test. An exemption names its file and why; the test fails when an exempt file no
longer needs it, so the list cannot outlive its reasons.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("hub", "schema", "connectors")
COMPOSITION_ROOTS = ("hub/app.py", "hub/cli/")

# Exempt files, each with its reason (and where its removal is tracked).
DB_IMPORT_EXEMPT: dict[str, str] = {}
CROSS_IMPORT_EXEMPT = {
    # `python -m schema.errors` writes docs/errors.md: it loads every module of hub/ and connectors/ so
    # that every error class is in the tree it prints. A developer's tool, not a runtime dependency.
    "schema/errors.py": "the docs/errors.md generator loads every module",
}

# Clauses that only Cypher writes this way: a clause keyword before a node pattern, an UNWIND or CALL
# subquery, a projection with AS, schema commands. Upper case, as the project writes Cypher.
CYPHER = re.compile("|".join([
    r"\b(?:OPTIONAL\s+MATCH|MATCH|MERGE|CREATE)\s*\(",
    r"\bDETACH\s+DELETE\b",
    r"\bUNWIND\s+\S+\s+AS\s+\w",
    r"\bCALL\s*(?:\(\s*[\w,\s]*\)\s*)?\{",
    r"\bCALL\s+(?:db|dbms|apoc|gds)\.\w",
    r"\bRETURN\b[^\n]*\bAS\s+\w",
    r"\A\s*RETURN\s+[\w$({\[]",  # a statement that only returns (a ping)
    r"\bWITH\b[^\n]*\b(?:ORDER\s+BY|WHERE|LIMIT)\b",
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT|(?:RANGE|TEXT|POINT|FULLTEXT|LOOKUP|VECTOR)?\s*INDEX)\b",
    r"\bDROP\s+(?:CONSTRAINT|INDEX)\b",
    r"\bSHOW\s+(?:INDEXES|CONSTRAINTS|DATABASES?|TRANSACTIONS)\b",
    r"\)\s*<?-\[:\w+[^\]]*\]->?\s*\(",  # a relationship pattern: (a)-[:REL]->(b)
]))


def _sources(*tops: str) -> Iterator[tuple[str, ast.Module]]:
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (``from a import b`` names a and a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(tops: tuple[str, ...], forbidden: tuple[str, ...], *,
                skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, tree in _sources(*tops):
        if name.startswith(skip):
            continue
        hits = sorted({f"line {line}: {module}" for line, module in _imported(tree)
                       if any(_within(module, package) for package in forbidden)})
        if hits:
            found[name] = hits
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes (documentation may quote Cypher; it is never run)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _joined(node: ast.JoinedStr) -> str:
    """An f-string's literal parts joined around ``{}``."""
    return "".join(value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else "{}"
                   for value in node.values)


def _texts(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every string literal but docstrings; an f-string as its literal parts joined around ``{}``."""
    skipped = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(value) for value in node.values)
            yield node.lineno, _joined(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.lineno, node.value


def _cypher_literals(tops: tuple[str, ...], *, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, tree in _sources(*tops):
        if name.startswith(skip):
            continue
        hits = [f"line {line}: {text[:80]!r}" for line, text in _texts(tree) if CYPHER.search(text)]
        if hits:
            found[name] = sorted(hits)
    return found


def _without(found: dict[str, list[str]], exempt: dict[str, str]) -> dict[str, list[str]]:
    return {name: hits for name, hits in found.items() if name not in exempt}


def test_schema_and_connectors_never_import_the_neo4j_layer() -> None:
    found = _violations(("schema", "connectors"), ("hub.db",))
    assert _without(found, DB_IMPORT_EXEMPT) == {}, "use a hub service or a domain type instead of hub.db"


def test_no_cypher_outside_hub_db() -> None:
    assert _cypher_literals(PRODUCT, skip=("hub/db/",)) == {}, "Cypher belongs in hub/db/, next to its caller"


def test_only_hub_db_uses_the_driver() -> None:
    assert _violations(PRODUCT, ("neo4j",), skip=("hub/db/",)) == {}


def test_hub_imports_neither_schema_nor_connectors_outside_the_composition_roots() -> None:
    assert _violations(("hub",), ("schema", "connectors"), skip=COMPOSITION_ROOTS) == {}


def test_schema_and_connectors_never_import_each_other() -> None:
    found = {**_violations(("schema",), ("connectors",)), **_violations(("connectors",), ("schema",))}
    assert _without(found, CROSS_IMPORT_EXEMPT) == {}


@pytest.mark.parametrize(("exempt", "forbidden"), [(DB_IMPORT_EXEMPT, ("hub.db",)),
                                                   (CROSS_IMPORT_EXEMPT, ("schema", "connectors"))])
def test_every_exemption_is_still_needed(exempt: dict[str, str], forbidden: tuple[str, ...]) -> None:
    for name in exempt:
        top = name.split("/")[0]
        others = tuple(package for package in forbidden if package != top)
        assert (ROOT / name).exists(), f"{name} is gone: drop its exemption"
        assert name in _violations((top,), others), f"{name} no longer needs its exemption: drop it"


def test_the_cypher_detector_sees_every_statement_hub_db_runs() -> None:
    """Every literal statement hub/db/ hands the driver (``.run``/``.query`` with a string first) is
    one the detector flags — so it would flag the same text anywhere else."""
    statements = []
    for name, tree in _sources("hub/db"):
        named = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}  # _PAGE = """…"""
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("run", "query") and node.args):
                first = node.args[0]
                if isinstance(first, ast.Name) and first.id in named:
                    statements.append((name, first.lineno, named[first.id]))
                elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                    statements.append((name, first.lineno, first.value))
                elif isinstance(first, ast.JoinedStr):
                    statements.append((name, first.lineno, _joined(first)))
    assert len(statements) > 100  # the gateway's callers, written literally or as a module constant
    missed = [(name, line, text[:80]) for name, line, text in statements if not CYPHER.search(text)]
    assert missed == []


@pytest.mark.parametrize("text", [
    "MATCH (s:Subject {uscc: $uscc}) RETURN s",
    "MERGE (d:Department {code: $code})",
    "UNWIND $rows AS row SET r += row",
    "CALL () { MATCH (x) RETURN x }",
    "SHOW INDEXES",
    "CREATE CONSTRAINT subject_uscc IF NOT EXISTS FOR (s:Subject) REQUIRE s.uscc IS UNIQUE",
    "MATCH (a)-[:OF]->(b)",
])
def test_the_cypher_detector_flags_statements(text: str) -> None:
    assert CYPHER.search(text)


@pytest.mark.parametrize("text", [
    "no subject with code 91410425MA00000000 is known to this hub",
    "a record's issuing department decides (seed 000 §四.(三)); create an objection with fileObjection",
    "Match the scheme's grades (A, B, C) and return them as a list",
    "first must be between 1 and 100, got 0",
])
def test_the_cypher_detector_leaves_prose_alone(text: str) -> None:
    assert not CYPHER.search(text)


def test_the_readmes_layout_names_every_part_of_the_product() -> None:
    """Issue 15: the README's layout section matches the tree — every module and folder of hub/, schema/'s
    folders and connectors/' folders is named there."""
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):readme.index("## Figures")]
    parts = {path.stem for path in (ROOT / "hub").iterdir()
             if path.name != "__init__.py" and (path.suffix == ".py" or (path.is_dir() and path.name != "__pycache__"))}
    parts |= {path.name for room in ("schema", "connectors") for path in (ROOT / room).iterdir()
              if path.is_dir() and path.name != "__pycache__"}
    missing = sorted(part for part in parts if not re.search(rf"\b{re.escape(part)}\b", layout))
    assert not missing, f"README layout does not name: {missing}"
