"""Bounded cost per request, attacked through HTTP: demand control before validation, the deadline,
the concurrency cap, rate limits, bodies and JSON (hub/web/limits.py, schema/limits.py)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse
from starlette.applications import Starlette

from hub import deadline
from hub.app import create_app
from hub.errors import DeadlineExceeded
from hub.service import CreditHub
from hub.settings import Settings
from schema.build import build_schema
from schema.limits import DemandControl, QueryLimits, measure
from tests.builders import add_record, add_subject, bearer, stop_rate_clocks, uscc

SUBJECT = uscc(1300)
GQL_RESPONSE = "application/graphql-response+json"
ATTACK = "{ subjects(first: 100) { nodes { " + " ".join(["evaluations { grade }"] * 398) + " } } }"
RECORD_FIELDS = ("id kind title disclosure status severity issuingDepartment sourcePlatform documentNumber content "
                 "amountWanYuan kept underObjection decidedOn publicityEndsOn decidedAt")
PDF = "query($u: String!) { creditReport(uscc: $u) { pdfBase64 } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await add_subject(hub, SUBJECT, name="郏县限额测试商贸有限公司")
    await add_record(hub, SUBJECT, f"{SUBJECT}-permit", kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC")


@pytest.fixture
def app_with(settings: Settings, hub: CreditHub) -> Any:
    """An app of its own with some settings changed (the shared client keeps the defaults)."""

    def build(**changes: Any) -> Starlette:
        return create_app(settings.model_copy(update=changes), hub)

    return build


def client_of(app: Starlette, address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://hub.test", timeout=60)


async def eventually(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    for _ in range(int(timeout_s / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"not within {timeout_s:g} s")


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


# --- demand control: refused from the parsed document, before validation -------------------------

async def test_the_issues_attack_is_refused_before_validation(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": ATTACK}, headers={"Accept": GQL_RESPONSE})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "more than 500 selections" in error["message"] and "HUB_MAX_SELECTIONS" in error["message"]


async def test_a_field_repeated_in_one_place_is_refused(client: httpx.AsyncClient) -> None:
    # 200 selections (within the cap), but 100 of them at one response path: 4,950 pairs to compare
    query = "{ subjects(first: 2) { nodes { " + " ".join(["evaluations { grade }"] * 100) + " } } }"
    response = await client.post("/graphql", json={"query": query})
    assert code_of(response) == "QUERY_TOO_COSTLY"
    message = response.json()["errors"][0]["message"]
    assert "'subjects.nodes.evaluations' is selected 100 times" in message and "HUB_MAX_FIELD_REPEATS" in message


async def test_a_field_repeated_through_fragments_counts_as_repeated(client: httpx.AsyncClient) -> None:
    fragments = " ".join(f"fragment F{n} on Subject {{ records {{ title }} }}" for n in range(12))
    query = (f'{{ subject(uscc: "{SUBJECT}") {{ {" ".join(f"...F{n}" for n in range(12))} }} }} ' + fragments)
    response = await client.post("/graphql", json={"query": query})
    assert code_of(response) == "QUERY_TOO_COSTLY"
    assert "'subject.records' is selected 12 times" in response.json()["errors"][0]["message"]


async def test_a_page_is_costed_by_its_first(client: httpx.AsyncClient) -> None:
    query = "query($n: Int) { subjects(first: $n) { nodes { uscc records { " + RECORD_FIELDS + " } } } }"
    refused = await client.post("/graphql", json={"query": query, "variables": {"n": 100}})
    assert code_of(refused) == "QUERY_TOO_COSTLY"
    message = refused.json()["errors"][0]["message"]
    assert "would cost about 17,201" in message and "at most 15,000 (HUB_MAX_QUERY_COST)" in message
    served = await client.post("/graphql", json={"query": query, "variables": {"n": 20}})
    assert served.status_code == 200 and "errors" not in served.json()


async def test_a_document_accepted_once_is_costed_again_for_another_first(client: httpx.AsyncClient) -> None:
    # the accepted document is kept with the values its cost read; another value is measured anew
    query = "query($n: Int, $u: String) { subjects(first: $n, search: $u) { nodes { uscc records { " + \
        RECORD_FIELDS + " } } } }"
    for n, search in ((20, "914104"), (20, "914105")):  # accepted, then the same first: with another search
        served = await client.post("/graphql", json={"query": query, "variables": {"n": n, "u": search}})
        assert served.status_code == 200 and "errors" not in served.json()
    refused = await client.post("/graphql", json={"query": query, "variables": {"n": 100, "u": "914104"}})
    assert code_of(refused) == "QUERY_TOO_COSTLY"
    served = await client.post("/graphql", json={"query": query, "variables": {"u": "914104"}})  # first's default
    assert served.status_code == 200 and "errors" not in served.json()
    refused = await client.post("/graphql", json={"query": query, "variables": {"n": 100}})
    assert code_of(refused) == "QUERY_TOO_COSTLY"


async def test_an_exponential_fragment_tree_is_refused_by_the_selection_cap(client: httpx.AsyncClient) -> None:
    # F0 spreads F1 twice, F1 spreads F2 twice … : 2^20 selections from 60 lines of query
    fragments = " ".join(f"fragment F{n} on Subject {{ ...F{n + 1} ...F{n + 1} }}" for n in range(20))
    query = f'{{ subject(uscc: "{SUBJECT}") {{ ...F0 }} }} {fragments} fragment F20 on Subject {{ name }}'
    response = await client.post("/graphql", json={"query": query})
    assert code_of(response) == "QUERY_TOO_COSTLY"
    assert "more than 500 selections" in response.json()["errors"][0]["message"]


async def test_a_fragment_cycle_is_left_to_validation(client: httpx.AsyncClient) -> None:
    query = f'{{ subject(uscc: "{SUBJECT}") {{ ...A }} }} fragment A on Subject {{ name ...B }} ' \
            "fragment B on Subject { uscc ...A }"
    response = await client.post("/graphql", json={"query": query})
    assert code_of(response) == "GRAPHQL_VALIDATION_FAILED"
    assert "Cannot spread fragment 'A' within itself" in response.json()["errors"][0]["message"]


async def test_fragments_nested_beyond_reason_are_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + "... on Query { " * 70 + "__typename" + " }" * 70 + " }"
    response = await client.post("/graphql", json={"query": query})
    assert code_of(response) == "QUERY_TOO_COSTLY"
    assert "more than 64 levels deep" in response.json()["errors"][0]["message"]


async def test_graphiqls_introspection_query_fits_the_default_limits(client: httpx.AsyncClient) -> None:
    # What GraphiQL and code generators send first; if the schema grows past the default cost, this fails
    # and the default (docs/tiers.md, Limits) must be raised with it.
    query = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                    schema_description=True, input_value_deprecation=True)
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200 and "errors" not in response.json()
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_only_accepted_queries_are_kept_prepared(app_with: Any) -> None:
    # Strawberry's parser cache kept the last 1,000 documents whatever they were: 900 MB of AST for
    # an attacker varying one query, and seconds-long pauses of the cycle collector.
    app = app_with()
    prepared = _prepared(app)
    async with client_of(app) as http:
        for variant in range(3):
            refused = await http.post("/graphql", json={"query": f"# {variant}\n{ATTACK}"})
            assert code_of(refused) == "QUERY_TOO_COSTLY"
        assert len(prepared) == 0
        query = {"query": "query($u: String!) { subject(uscc: $u) { name } }", "variables": {"u": SUBJECT}}
        answers = [await http.post("/graphql", json=query) for _ in range(3)]
        invalid = await http.post("/graphql", json={"query": "{ subject { nope } }"})
        again = await http.post("/graphql", json={"query": "{ subject { nope } }"})
    assert all(a.json() == {"data": {"subject": {"name": "郏县限额测试商贸有限公司"}}} for a in answers)
    assert code_of(invalid) == code_of(again) == "GRAPHQL_VALIDATION_FAILED"  # its validation kept with it
    assert invalid.json() == again.json()
    assert len(prepared) == 2


def _prepared(app: Starlette) -> Any:
    extension = next(e for e in app.state.graphql.schema.extensions if getattr(e, "func", None) is DemandControl)
    return extension.keywords["prepared"]


def test_the_cost_model(settings: Settings) -> None:
    schema = build_schema(settings)._schema
    limits = QueryLimits(max_cost=10**9, list_size=10, max_selections=500, max_field_repeats=10,
                         slice_maxima={("Query", "subjects"): 100})

    def cost(query: str, variables: dict[str, Any] | None = None) -> int:
        return measure(schema, parse(query), variables, limits).cost

    # a connection's first: sizes its edges and nodes; a list without first: counts 10 items
    assert cost("{ subjects(first: 50) { nodes { uscc } } }") == 1 + 50 * (1 + 1)
    assert cost("{ subjects(first: 50) { edges { node { uscc } } } }") == 1 + 50 * (1 + 1 + 1)
    assert cost('{ subject(uscc: "x") { records { id title } } }') == 1 + 10 * (1 + 2)
    # the argument's default (20), a variable, a variable's default; capped at what the field accepts
    assert cost("{ subjects { nodes { uscc } } }") == 1 + 20 * 2
    assert cost("query($n: Int) { subjects(first: $n) { nodes { uscc } } }", {"n": 7}) == 1 + 7 * 2
    assert cost("query($n: Int = 3) { subjects(first: $n) { nodes { uscc } } }") == 1 + 3 * 2
    assert cost("{ subjects(first: 100000) { nodes { uscc } } }") == 1 + 100 * 2
    # a page that is not a list counts its items
    assert cost("{ changes(first: 1000) { signed count } }") == 1000 + 2


# --- the deadline ---------------------------------------------------------------------------------

async def test_a_request_past_its_deadline_is_answered_504(app_with: Any, settings: Settings) -> None:
    app = app_with(request_timeout_s=0.2)  # a report's PDF takes the better part of a second to render
    async with client_of(app) as http:
        response = await http.post("/graphql", headers=bearer(settings, "agency", "县市场监管局"),
                                   json={"query": PDF, "variables": {"u": SUBJECT}})
        assert response.status_code == 504
        assert code_of(response) == "DEADLINE_EXCEEDED"
        assert "HUB_REQUEST_TIMEOUT" in response.json()["errors"][0]["message"]
        assert app.state.graphql.admission.running == 0  # its turn was given back
        assert (await http.get("/healthz")).status_code == 200


async def test_neo4j_stops_a_transaction_that_outlives_its_request(hub: CreditHub) -> None:
    slow = ("UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b WITH a * b AS x WHERE x % 7 = 3 "
            "RETURN count(x) AS n")
    with pytest.raises(DeadlineExceeded, match="Neo4j stopped its transaction"):
        async with deadline.request_budget(0.5) as budget:
            assert budget.cut is not None
            budget.cut.reschedule(None)  # only the database's own timeout is left to stop it
            await hub.gateway.run(slow)
    running = await hub.gateway.run("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery")
    assert not [row for row in running if "range(1, 20000)" in row["currentQuery"]]


async def test_a_query_is_cut_at_its_deadline_and_a_mutation_is_not() -> None:
    with pytest.raises(TimeoutError):
        async with deadline.request_budget(0.1) as query:
            await asyncio.sleep(1)
    assert query.expired()
    async with deadline.request_budget(0.1) as mutation:
        mutation.keep_whole()  # schema/limits.py does this once the operation is known to be a mutation
        await asyncio.sleep(0.3)  # past the deadline: not cut midway
        assert deadline.transaction_timeout() == 0.1  # each transaction still bounded, by the whole timeout


async def test_a_body_that_does_not_arrive_is_408(app_with: Any) -> None:
    async def dribble() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename'
        await asyncio.sleep(1.0)
        yield b' }"}'

    async with client_of(app_with(request_timeout_s=0.3)) as http:
        response = await http.post("/graphql", content=dribble(), headers={"Content-Type": "application/json"})
    assert response.status_code == 408
    assert code_of(response) == "REQUEST_TIMEOUT"


async def test_a_dead_report_worker_costs_one_answer_not_the_renderer(client: httpx.AsyncClient,
                                                                       settings: Settings, hub: CreditHub) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    report = {"query": PDF, "variables": {"u": SUBJECT}}
    assert (await client.post("/graphql", headers=agency, json=report)).json()["data"]["creditReport"]["pdfBase64"]
    pool = hub.reports._pool
    assert pool is not None
    for worker in list(pool._processes.values()):  # killed, as the out-of-memory killer would
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
    lost = (await client.post("/graphql", headers=agency, json=report)).json()
    again = (await client.post("/graphql", headers=agency, json=report)).json()
    assert lost["errors"][0]["extensions"]["code"] == "BUSY" and lost["errors"][0]["path"][-1] == "pdfBase64"
    assert again["data"]["creditReport"]["pdfBase64"] and "errors" not in again


# --- the concurrency cap --------------------------------------------------------------------------

async def test_a_full_hub_answers_busy_while_health_and_readiness_answer(app_with: Any,
                                                                         settings: Settings) -> None:
    # Two reports hold both turns while their PDFs render; a third request finds no turn and no room
    # in the queue.
    app = app_with(max_concurrent_requests=2, max_queued_requests=0)
    agency = bearer(settings, "agency", "县市场监管局")
    async with client_of(app) as http:
        reports = [asyncio.create_task(http.post("/graphql", headers=agency,
                                                 json={"query": PDF, "variables": {"u": SUBJECT}}))
                   for _ in range(2)]
        await eventually(lambda: app.state.graphql.admission.running == 2)
        refused = await http.post("/graphql", json={"query": "{ __typename }"})
        health, ready = await http.get("/healthz"), await http.get("/readyz")
        assert app.state.graphql.admission.running == 2, "the reports finished before the hub was full"
        served = await asyncio.gather(*reports)
    assert refused.status_code == 503 and code_of(refused) == "BUSY"
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] == 1.0
    assert health.status_code == 200 and ready.status_code == 200
    assert all(r.status_code == 200 and r.json()["data"]["creditReport"]["pdfBase64"] for r in served)


async def test_a_request_waits_in_the_queue_for_a_turn(app_with: Any, settings: Settings) -> None:
    app = app_with(max_concurrent_requests=1, max_queued_requests=1, queue_timeout_s=60.0)
    async with client_of(app) as http:
        report = asyncio.create_task(http.post("/graphql", headers=bearer(settings, "agency", "县市场监管局"),
                                               json={"query": PDF, "variables": {"u": SUBJECT}}))
        await eventually(lambda: app.state.graphql.admission.running == 1)
        waiting = asyncio.create_task(http.post("/graphql", json={"query": "{ __typename }"}))
        await eventually(lambda: app.state.graphql.admission.waiting == 1)
        third = await http.post("/graphql", json={"query": "{ __typename }"})  # the queue is full
        assert (await waiting).json() == {"data": {"__typename": "Query"}}
        assert (await report).status_code == 200
    assert third.status_code == 503 and code_of(third) == "BUSY"


# --- rate limits ----------------------------------------------------------------------------------

async def test_a_public_caller_is_limited_by_its_address(app_with: Any) -> None:
    app = app_with(rate_limit_public=60, rate_burst=3)
    stop_rate_clocks(app)
    query = {"query": "{ __typename }"}
    async with client_of(app, "203.0.113.7") as greedy, client_of(app, "203.0.113.8") as other:
        answers = [await greedy.post("/graphql", json=query) for _ in range(4)]
        neighbour = await other.post("/graphql", json=query)
        health = await greedy.get("/healthz")
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert code_of(answers[3]) == "TOO_MANY_REQUESTS"
    assert 0 < answers[3].json()["errors"][0]["extensions"]["retryAfter"] <= 1.0
    assert answers[3].headers["retry-after"] == "1"
    assert neighbour.status_code == 200 and health.status_code == 200


async def test_a_bank_is_limited_by_its_organisation(app_with: Any, settings: Settings) -> None:
    app = app_with(rate_limit_bank=60, rate_burst=2, rate_limit_public=0)
    stop_rate_clocks(app)
    query = {"query": "{ __typename }"}
    bank_a, bank_b = bearer(settings, "bank", "甲银行"), bearer(settings, "bank", "乙银行")
    agency = bearer(settings, "agency", "县市场监管局")
    async with client_of(app, "198.51.100.1") as branch1, client_of(app, "198.51.100.2") as branch2:
        first_two = [await branch1.post("/graphql", json=query, headers=bank_a),
                     await branch2.post("/graphql", json=query, headers=bank_a)]
        third = await branch1.post("/graphql", json=query, headers=bank_a)  # the same organisation
        other_bank = await branch1.post("/graphql", json=query, headers=bank_b)
        agencies = [await branch1.post("/graphql", json=query, headers=agency) for _ in range(5)]
    assert [r.status_code for r in first_two] == [200, 200]
    assert third.status_code == 429 and code_of(third) == "TOO_MANY_REQUESTS"
    assert other_bank.status_code == 200
    assert all(r.status_code == 200 for r in agencies)  # INTERNAL callers are not rate-limited


async def test_a_token_comes_back_at_the_rate(app_with: Any) -> None:
    app = app_with(rate_limit_public=30, rate_burst=1)  # one every two seconds
    clock = stop_rate_clocks(app)
    query = {"query": "{ __typename }"}
    async with client_of(app, "203.0.113.9") as http:
        first, refused = await http.post("/graphql", json=query), await http.post("/graphql", json=query)
        clock.now += 1.9
        still = await http.post("/graphql", json=query)
        clock.now += 0.2
        again = await http.post("/graphql", json=query)
    assert [r.status_code for r in (first, refused, still, again)] == [200, 429, 429, 200]
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] == 2.0
    assert 0 < still.json()["errors"][0]["extensions"]["retryAfter"] <= 0.2


async def test_guessing_tokens_is_paid_from_the_address(app_with: Any) -> None:
    app = app_with(rate_limit_public=60, rate_burst=2)
    stop_rate_clocks(app)
    async with client_of(app, "192.0.2.9") as http:
        answers = [await http.post("/graphql", json={"query": "{ __typename }"},
                                   headers={"Authorization": f"Bearer forged-{n}"}) for n in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]


# --- bodies, JSON, media types --------------------------------------------------------------------

async def test_a_post_without_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert response.status_code == 415
    assert code_of(response) == "UNSUPPORTED_MEDIA_TYPE"
    assert "no Content-Type" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("depth", [33, 1000, 1100])
async def test_deeply_nested_json_is_400(client: httpx.AsyncClient, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    bodies = [nested.encode(), b'{"query": "{ __typename }", "variables": {"v": ' + nested.encode() + b"}}"]
    for body in bodies:
        response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert code_of(response) == "BAD_REQUEST"
        assert "nests deeper than 32 levels" in response.json()["errors"][0]["message"]
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": '{"v": ' + nested + "}"})
    assert response.status_code == 400 and "nests deeper than 32 levels" in response.text


async def test_json_as_deep_as_allowed_is_served(client: httpx.AsyncClient) -> None:
    variables = {"v": [[[[[[[[["deep but fine"]]]]]]]]]}
    response = await client.post("/graphql", json={"query": "{ __typename }", "variables": variables})
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_body_is_refused_while_it_streams(client: httpx.AsyncClient) -> None:
    sent = 0

    async def hundred_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "padding": "'
        for _ in range(100 * 1024):
            sent += 1024
            yield b"x" * 1024
        yield b'"}'

    response = await client.post("/graphql", content=hundred_megabytes(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"
    assert sent < 200 * 1024  # the hub stopped reading just past its 100,000 bytes


def test_limits_are_validated_naming_the_variable() -> None:
    from pydantic import ValidationError

    for name, value, message in [("HUB_MAX_CONCURRENT_REQUESTS", "0", "HUB_MAX_CONCURRENT_REQUESTS must be 1..25"),
                                 ("HUB_REQUEST_TIMEOUT", "0", "HUB_REQUEST_TIMEOUT must be seconds"),
                                 ("HUB_MAX_QUERY_COST", "-1", "HUB_MAX_QUERY_COST must be at least 1"),
                                 ("HUB_RATE_LIMIT_PUBLIC", "-5", "HUB_RATE_LIMIT_PUBLIC must be at least 0")]:
        with pytest.raises(ValidationError, match=message):
            Settings(**{name: value})  # type: ignore[arg-type]
