"""GraphQL over HTTP: media types, status codes, GET vs POST, bounded queries, no stack traces."""

from __future__ import annotations

import json

import httpx
import pytest

from hub.app import create_app
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_subject, uscc

SUBJECT = uscc(500)
GQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module", autouse=True)
async def subject(hub: CreditHub) -> None:
    await add_subject(hub, SUBJECT, name="郏县协议测试商贸有限公司")


async def test_get_runs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={
        "query": "query($c: String!) { subject(uscc: $c) { name } }",
        "variables": json.dumps({"c": SUBJECT})}, headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GQL_RESPONSE)
    assert response.json()["data"]["subject"]["name"] == "郏县协议测试商贸有限公司"


async def test_get_refuses_mutations_with_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": 'mutation { revokeConsent(id: "x") { id } }'})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_browser_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


@pytest.mark.parametrize(("accept", "expected"), [
    ("", "application/json"),  # no preference: the legacy media type
    ("application/json", "application/json"),
    (GQL_RESPONSE, GQL_RESPONSE),
    (f"application/json;q=0.5, {GQL_RESPONSE}", GQL_RESPONSE),
    ("*/*", GQL_RESPONSE),
])
async def test_content_negotiation(client: httpx.AsyncClient, accept: str, expected: str) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)


async def test_unacceptable_media_type_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"},
                                 headers={"Accept": "text/csv"})
    assert response.status_code == 406


async def test_validation_errors_are_400_with_graphql_response_json(client: httpx.AsyncClient) -> None:
    query = {"query": "{ subject(uscc: 5) { nope } }"}
    modern = await client.post("/graphql", json=query, headers={"Accept": GQL_RESPONSE})
    legacy = await client.post("/graphql", json=query, headers={"Accept": "application/json"})
    assert modern.status_code == 400 and "data" not in modern.json()
    assert legacy.status_code == 200
    assert modern.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_syntax_errors_are_request_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ subject("},
                                 headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 400
    assert "Syntax Error" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("body", "content_type", "status", "message"), [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b'[{"query": "{ __typename }"}]', "application/json", 400, "batched requests are not supported"),
    (b'{"variables": {}}', "application/json", 400, "no GraphQL query"),
    (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400, "must be a JSON object"),
    (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 415, "must be application/json"),
])
async def test_malformed_requests_say_what_is_wrong(client: httpx.AsyncClient, body: bytes,
                                                    content_type: str, status: int,
                                                    message: str) -> None:
    response = await client.post("/graphql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert message in response.json()["errors"][0]["message"]


async def test_unknown_operation_name_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={
        "query": "query A { __typename } query B { __typename }", "operationName": "C"})
    assert response.status_code == 400


async def test_execution_errors_keep_data_and_are_200(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": '{ subject(uscc: "123") { name } }'},
                                 headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"subject": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "has 3 characters" in body["errors"][0]["message"]


async def test_valid_but_unknown_code_is_null_without_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": f'{{ subject(uscc: "{uscc(987654)}") {{ name }} }}'})
    assert response.json() == {"data": {"subject": None}}


async def test_deep_queries_are_refused(settings: Settings, hub: CreditHub) -> None:
    shallow = create_app(settings.model_copy(update={"max_query_depth": 2}), hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shallow),
                                 base_url="http://hub.test") as client:
        response = await client.post("/graphql", headers={"Accept": GQL_RESPONSE}, json={
            "query": "{ subjects { nodes { records { id } } } }"})
    assert response.status_code == 400
    assert "exceeds maximum operation depth of 2" in response.json()["errors"][0]["message"]


async def test_cyclic_introspection_is_refused(client: httpx.AsyncClient) -> None:
    # over every type, its estimated cost refuses it before validation runs (schema/limits.py) …
    cyclic = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
    response = await client.post("/graphql", json={"query": cyclic}, headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # … and from one type, cheap enough to be validated, graphql-core's introspection depth rule does
    cyclic = '{ __type(name: "Query") { fields { type { fields { type { fields { type { name } } } } } } } }'
    response = await client.post("/graphql", json={"query": cyclic}, headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 400
    assert "Maximum introspection depth exceeded" in response.json()["errors"][0]["message"]


async def test_alias_floods_are_refused(client: httpx.AsyncClient) -> None:
    flood = "{ " + " ".join(f'a{i}: subject(uscc: "{SUBJECT}") {{ name }}' for i in range(40)) + " }"
    response = await client.post("/graphql", json={"query": flood}, headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 400
    assert "aliases found" in response.json()["errors"][0]["message"]


async def test_page_size_is_bounded(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ subjects(first: 100000) { nodes { uscc } } }"})
    assert "first must be between 1 and 100" in response.json()["errors"][0]["message"]


async def test_a_forged_cursor_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": '{ subjects(after: "bm9wZQ==") { nodes { uscc } } }'})
    assert "not one this hub issued" in response.json()["errors"][0]["message"]


async def test_errors_never_carry_stack_traces(client: httpx.AsyncClient) -> None:
    for query in ['{ subject(uscc: "I") { name } }', "{ subjects(first: -1) { nodes { uscc } } }", "{ nope }",
                  'mutation { grantConsent(uscc: "x", grantee: "y", purpose: "z", expiresAt: "bad") { id } }']:
        text = (await client.post("/graphql", json={"query": query})).text
        assert "Traceback" not in text and 'File "' not in text


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    metrics = await client.get("/metrics")
    assert "hub_graphql_requests_total" in metrics.text and "hub_neo4j_up 1.0" in metrics.text


async def test_search_by_name_and_code_prefix_pages_through_all(client: httpx.AsyncClient,
                                                               hub: CreditHub) -> None:
    codes = [uscc(600 + n, region="411622") for n in range(7)]
    for n, code in enumerate(codes):
        await add_subject(hub, code, name=f"西华分页测试{n}号店")
    seen: list[str] = []
    after = None
    while True:
        page = (await client.post("/graphql", json={"query": """query($after: String) {
            subjects(search: "91411622", first: 3, after: $after) {
              edges { cursor node { uscc } } pageInfo { hasNextPage endCursor } } }""",
            "variables": {"after": after}})).json()["data"]["subjects"]
        seen += [edge["node"]["uscc"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(codes)
    query = '{ subjects(search: "分页测试3") { nodes { uscc } } }'
    by_name = (await client.post("/graphql", json={"query": query})).json()
    assert [n["uscc"] for n in by_name["data"]["subjects"]["nodes"]] == [codes[3]]
