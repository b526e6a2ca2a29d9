"""Trusted documents (persisted queries): the operations a bank's client sends by id instead of by text.

``bank.graphql`` holds them, written by hand and validated against the schema; ``bank.json`` is their
manifest in Apollo's persisted-query-manifest format (``{"format": "apollo-persisted-query-manifest",
"version": 1, "operations": [{"id", "name", "type", "body"}]}``), each id the SHA-256 (hex) of its body.
A client sends ``{"documentId": "sha256:<id>", "variables": …}`` (hub/web/trusted_documents.py serves them).
``python -m schema.trusted > schema/trusted/bank.json`` regenerates the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode, parse, print_ast

HERE = Path(__file__).parent
SOURCE_PATH = HERE / "bank.graphql"
MANIFEST_PATH = HERE / "bank.json"
FORMAT = "apollo-persisted-query-manifest"


def operations(source: str) -> list[dict[str, Any]]:
    """Each named operation of ``source`` as a manifest entry: its printed text and that text's SHA-256."""
    found = []
    for definition in parse(source).definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            raise ValueError("a trusted document holds named operations only (no fragments, no anonymous ones)")
        body = print_ast(DocumentNode(definitions=(definition,)))
        found.append({"id": hashlib.sha256(body.encode()).hexdigest(), "name": definition.name.value,
                      "type": definition.operation.value, "body": body})
    return found


def manifest(source: str) -> str:
    return json.dumps({"format": FORMAT, "version": 1, "operations": operations(source)},
                      ensure_ascii=False, indent=2) + "\n"
