"""One error tree: every code a client can get is documented, and each door maps it one way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

import connectors.shuanggongshi  # noqa: F401  (registers its errors in the tree)
from hub.errors import BadInput, Busy, HubError, NotFound, all_error_classes, retryable_codes
from hub.web.graphql_http import error_response
from tests.builders import gql

DOC = Path("docs/errors.md")


def test_docs_list_every_code_the_tree_has() -> None:
    generated = subprocess.run([sys.executable, "-m", "schema.errors"], capture_output=True, text=True, check=True)
    assert DOC.read_text(encoding="utf-8") == generated.stdout, \
        "docs/errors.md is stale: python -m schema.errors > docs/errors.md"


def test_every_error_the_hub_raises_descends_from_hub_error() -> None:
    names = {cls.__name__ for cls in all_error_classes()}
    for expected in ("InvalidCode", "InvalidToken", "ObjectionError", "RepairError", "InspectionError",
                     "DrawError", "UnknownScheme", "BatchRefused", "DatabaseUnavailable", "PeerRefused",
                     "Neo4jServerError", "DataFileError", "ShuanggongshiFileError"):
        assert expected in names, expected


def test_not_found_is_one_code_wherever_it_is_raised() -> None:
    codes = {cls.code for cls in all_error_classes() if issubclass(cls, NotFound)}
    assert codes == {"NOT_FOUND"}
    assert {cls.code for cls in all_error_classes() if issubclass(cls, BadInput)} == {"BAD_USER_INPUT"}


def test_the_http_door_maps_status_headers_and_code_from_the_error() -> None:
    response = error_response(Busy("busy now", 2.5))
    assert response.status_code == 503 and response.headers["retry-after"] == "3"
    assert b'"code":"BUSY"' in response.body and b'"retryAfter":2.5' in response.body
    assert retryable_codes() >= {"BUSY", "DATABASE_UNAVAILABLE"}
    assert HubError("x").code == "INTERNAL_ERROR"


async def test_graphql_errors_carry_codes_for_syntax_validation_and_domain(client: httpx.AsyncClient) -> None:
    syntax = await client.post("/graphql", json={"query": "{ subject("})
    assert syntax.status_code == 400  # a request error, in application/graphql-response+json
    assert syntax.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    unknown = await gql(client, "{ nosuchfield }", {"Accept": "application/json"})
    assert unknown["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    bad = await gql(client, '{ subject(uscc: "123") { name } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    missing = await gql(client, '{ gradingSchemes { id } classify(scheme: "no-such-scheme", score: 1) { grade } }')
    assert [e["extensions"]["code"] for e in missing["errors"]] == ["NOT_FOUND"]
