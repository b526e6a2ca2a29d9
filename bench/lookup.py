"""Subject lookups and a page of subjects: the hub against its peer (@neo4j/graphql on Apollo Server,
bench/peer.py) and against the raw profile Cypher, on the same Neo4j, in the same run.

Both servers run as one process each on loopback. Before any timing, both are asked for the same 20
subjects, as PUBLIC and as a bank holding each subject's consent, and must return the same data.
Then, each figure printed beside its bound (issue 14):

- sequential lookups, the variants interleaved request by request so noise hits all alike:
  p50 ≤ 1.0× the peer and ≤ 2.0× raw, for PUBLIC and for the bank (its audit entry included);
- 16 clients for ``seconds`` per server and variant, the servers alternating in quarters, in ABBA order
  so that a machine getting busier or quieter during the run weighs on both alike: throughput
  ≥ 1.0× the peer, p99 < 2× the peer's, for PUBLIC, PUBLIC naming a refused field, and the bank;
- a page of 100 subjects with their evaluations, interleaved: p50 ≤ 1.0× the peer.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from neo4j import AsyncGraphDatabase

from bench import peer as peer_queries
from bench.http_load import Connection, Endpoint, LoadResult, load, post_json
from hub import clock
from hub.auth import issue_token
from hub.db import consents, warning_facts
from hub.db.server import Neo4jCredentials
from hub.db.subjects import by_codes_cypher, viewer_parameters
from hub.disclosure import PUBLIC_VIEWER, ConsentScope, Role, Viewer
from hub.models import Consent, OrganizationKind
from hub.profiles import ProfileShape
from hub.service import CreditHub
from hub.settings import Settings
from tests.loopback import free_port, wait_ready

BANK = "基准测试银行"
CHECKED = 20
CLIENTS = 16
WARM_S = 5.0  # untimed seconds at full load per server and variant before the 16-client windows
SLICES = 4  # windows per server and variant at 16 clients: hub, peer, peer, hub, hub, peer, peer, hub

_SUBJECT_FIELDS = "uscc name kind region status"
_ITEMS = "evaluations { scheme grade score disclosure evaluatedAt } records { id kind decidedOn disclosure }"
PUBLIC = "query($uscc: String!) { subject(uscc: $uscc) { " + _SUBJECT_FIELDS + " " + _ITEMS + " } }"
# legalRepresentative is refused to PUBLIC (FORBIDDEN) and audited as a refusal; a bank with consent gets it
WITH_PERSON = PUBLIC.removesuffix(" } }") + " legalRepresentative { name idMasked } } }"
LIST = "{ subjects(first: 100) { nodes { uscc name evaluations { scheme grade score } } } }"



async def derived_shape(hub: CreditHub, settings: Settings, query: str, code: str) -> ProfileShape:
    """The shape the hub's GraphQL face derives from ``query`` (schema.query.requested_shape), taken
    from an in-process execution: raw then runs exactly the hub's Cypher for it."""
    from hub.disclosure import Viewer
    from schema.build import build_schema
    from schema.context import HubContext

    shapes: list[ProfileShape] = []
    profiles = hub.profiles

    async def observed(usccs: Any, shape: Any, viewer: Any) -> Any:
        shapes.append(ProfileShape.of(shape))
        return await profiles(usccs, shape, viewer)

    hub.profiles = observed  # type: ignore[method-assign,assignment]
    try:
        context = HubContext(viewer=Viewer(Role.BANK, BANK), hub=hub, now=hub.now(), today=hub.today())
        await build_schema(settings).execute(query, variable_values={"uscc": code}, context_value=context)
    finally:
        hub.profiles = profiles  # type: ignore[method-assign]
    return shapes[0]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _verdict(ratio: float, bound: float, *, at_least: bool = False) -> str:
    ok = ratio >= bound if at_least else ratio <= bound
    sign = "≥" if at_least else "≤"
    return f"{ratio:5.2f}  (bound {sign} {bound:.1f}: {'met' if ok else 'MISSED'})"


class Servers:
    """Connections and prepared requests for the hub and the peer."""

    def __init__(self, hub_port: int, peer_port: int, bank_token: str, today: str) -> None:
        self.hub = Endpoint("127.0.0.1", hub_port, "/graphql")
        self.hub_bank = Endpoint("127.0.0.1", hub_port, "/graphql", {"Authorization": f"Bearer {bank_token}"})
        self.peer = Endpoint("127.0.0.1", peer_port, "/")
        self.today = today

    def hub_request(self, query: str, uscc: str | None, bank: bool = False) -> bytes:
        variables = {"uscc": uscc} if uscc else {}
        return (self.hub_bank if bank else self.hub).request({"query": query, "variables": variables})

    def peer_request(self, query: str, **variables: str) -> bytes:
        return self.peer.request({"query": query, "variables": {"today": self.today, **variables}})


async def lookup_section(settings: Settings, credentials: Neo4jCredentials, hub: CreditHub, runs: int,
                         seconds: float, start_hub: Callable[..., Any]) -> None:
    codes = [row["s"] for row in await hub.gateway.run(
        "MATCH (s:Subject)<-[:ABOUT]-(:Record) WITH s, count(*) AS n ORDER BY n DESC, s.uscc "
        "LIMIT $n RETURN s.uscc AS s", {"n": CHECKED})]
    now = clock.now()
    await hub.register_organization(BANK, OrganizationKind.BANK)  # a consent names a registered bank
    for code in codes:
        await consents.create_consent(hub.gateway, Consent(
            id=f"bench-{code}-{uuid.uuid4().hex[:8]}", subject_uscc=code, grantee=BANK, purpose="benchmark",
            granted_at=now, expires_at=now + timedelta(days=30), scopes=frozenset(ConsentScope)))
    bank_token = issue_token(settings.jwt_key, settings.jwt_issuer, role=Role.BANK, org=BANK, ttl_s=3600)
    # The hub's warning engine follows the change feed from where it stopped: behind evaluations written
    # outside a served hub (an `--only evaluation` run writes 210,000; 26,000 were enough) it spent half the
    # served hub's CPU catching up during timed windows (a page of 100: 37-61 ms of hub CPU instead of 18,
    # p50 45-52 ms instead of 26). The peer has no such engine;
    # the bench's history raises nothing that is timed here, so the engine starts at the head (as
    # bench/warnings.py's latency section does).
    behind = (await warning_facts.poll(hub.gateway, clock.now())).backlog
    if behind:
        await hub.warnings.engine.skip_history()
        print(f"(the warning engine was {behind:,} feed items behind: moved to the head before timing)")
    hub_port = free_port()
    server = start_hub(credentials, {"HUB_JWT_SECRET": settings.jwt_key, "HUB_DATA_KEY": settings.personal_data_key},
                       hub_port)
    try:
        with peer_queries.running_peer(credentials, settings.neo4j_database) as peer_port:
            await wait_ready(f"http://127.0.0.1:{hub_port}", 60, server.poll)
            await peer_queries.wait_for_peer(peer_port)
            servers = Servers(hub_port, peer_port, bank_token, clock.today().isoformat())
            await _same_data(servers, codes)
            print(f"\n## Subject lookup: hub vs peer (@neo4j/graphql on Apollo Server, one process each) vs raw "
                  f"— same Neo4j; {len(codes)} subjects returned alike by both, as PUBLIC and as a bank")
            shapes = (await derived_shape(hub, settings, PUBLIC, codes[0]),
                      await derived_shape(hub, settings, WITH_PERSON, codes[0]))
            await _sequential(servers, credentials, settings.neo4j_database, codes[0], runs, shapes)
            await _throughput(servers, codes[0], seconds)
            await _list(servers, max(20, runs // 5))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- same data ---------------------------------------------------------------------------------

def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    text = text.split("[")[0].replace("Z", "+00:00")
    if "." in text:  # at most microseconds for fromisoformat
        head, _, rest = text.partition(".")
        digits = rest[:len(rest) - len(rest.lstrip("0123456789"))]  # the fraction's digits, not the offset's
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    return datetime.fromisoformat(text)


def _normal(subject: dict[str, Any], person: Any) -> dict[str, Any]:
    return {
        **{name: subject[name] for name in _SUBJECT_FIELDS.split()},
        "evaluations": sorted((e["scheme"], e["grade"], None if e["score"] is None else float(e["score"]),
                               e["disclosure"], _instant(e["evaluatedAt"])) for e in subject["evaluations"]),
        "records": sorted((r["id"], r["kind"], r["decidedOn"], r["disclosure"]) for r in subject["records"]),
        "person": person,
    }


def _grade(evaluation: dict[str, Any]) -> tuple[str, str, float | None]:
    score = evaluation["score"]
    return evaluation["scheme"], evaluation["grade"], None if score is None else float(score)


async def _same_data(servers: Servers, codes: list[str]) -> None:
    hub, peer = Connection(servers.hub), Connection(servers.peer)
    try:
        for code in codes:
            for bank in (False, True):
                mine = await post_json(hub, servers.hub_request(WITH_PERSON if bank else PUBLIC, code, bank))
                theirs = await post_json(peer, servers.peer_request(
                    peer_queries.BANK if bank else peer_queries.PUBLIC, uscc=code, bank=BANK))
                assert "errors" not in theirs, theirs
                subject = mine["data"]["subject"]  # type: ignore[index]
                [other] = theirs["data"]["subjects"]  # type: ignore[index]
                people = other.get("legalRepresentative")
                a = _normal(subject, subject.get("legalRepresentative"))
                b = _normal(other, people[0] if people else None)
                if a != b:
                    differing = [key for key in a if a[key] != b[key]]
                    raise SystemExit(f"hub and peer disagree on {code} ({'bank' if bank else 'PUBLIC'}): "
                                     f"{differing}\n hub:  {a}\n peer: {b}")
        first_page = await post_json(hub, servers.hub_request(LIST, None))
        other_page = await post_json(peer, servers.peer_request(peer_queries.LIST, after=""))
        mine_page = [(s["uscc"], sorted(map(_grade, s["evaluations"])))
                     for s in first_page["data"]["subjects"]["nodes"]]  # type: ignore[index]
        peer_page = [(s["uscc"], sorted(map(_grade, s["evaluations"])))
                     for s in other_page["data"]["subjects"]]  # type: ignore[index]
        if mine_page != peer_page:
            pairs = [(a, b) for a, b in zip(mine_page, peer_page, strict=False) if a != b][:3]
            raise SystemExit(f"hub and peer disagree on the first page of 100 subjects: {pairs} "
                             f"({len(mine_page)} and {len(peer_page)} subjects)")
    finally:
        await hub.close()
        await peer.close()


# --- sequential --------------------------------------------------------------------------------

async def _sequential(servers: Servers, credentials: Neo4jCredentials, database: str, code: str,
                      runs: int, shapes: tuple[ProfileShape, ProfileShape]) -> None:
    # configured as the hub's gateway is: no notifications (a property key the data set lacks, such as a
    # consent's revoked_at, would otherwise be logged by the driver on every raw call)
    driver = AsyncGraphDatabase.driver(credentials.uri, auth=(credentials.user, credentials.password),
                                       notifications_min_severity="OFF")
    hub, peer = Connection(servers.hub), Connection(servers.peer)

    def raw(shape: ProfileShape, viewer: Viewer) -> Callable[[], Awaitable[object]]:
        # the hub's own statement and parameters for this viewer (its reach leaves out what it may not see)
        query = by_codes_cypher(shape, consents=viewer.grantee is not None)
        parameters = {"usccs": [code], **viewer_parameters(viewer)}

        async def run() -> object:
            async with driver.session(database=database) as session:
                return await (await session.run(query, parameters)).data()

        return run

    def http(connection: Connection, request: bytes) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            status, body = await connection.post(request)
            assert status == 200 and b'"subject' in body, body[:300]
            return body

        return run

    variants: dict[str, Callable[[], Awaitable[object]]] = {
        "raw Cypher, PUBLIC selection": raw(shapes[0], PUBLIC_VIEWER),
        "hub, PUBLIC": http(hub, servers.hub_request(PUBLIC, code)),
        "peer, PUBLIC": http(peer, servers.peer_request(peer_queries.PUBLIC, uscc=code)),
        "hub, PUBLIC naming a refused field": http(hub, servers.hub_request(WITH_PERSON, code)),
        "raw Cypher, bank selection": raw(shapes[1], Viewer(Role.BANK, BANK)),
        "hub, bank with consent (+audit)": http(hub, servers.hub_request(WITH_PERSON, code, bank=True)),
        "peer, bank (consent as filters)": http(peer, servers.peer_request(peer_queries.BANK, uscc=code, bank=BANK)),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(min(50, runs) + runs):  # the first rounds warm caches and pools
        for name, action in variants.items():
            started = time.perf_counter()
            await action()
            if round_ >= min(50, runs):
                samples[name].append(time.perf_counter() - started)
    await driver.close()
    await hub.close()
    await peer.close()
    print(f"\n### Sequential, {runs} rounds, the {len(variants)} requests interleaved in each round")
    for name, values in samples.items():
        p50, p99 = percentile(values, .5) * 1000, percentile(values, .99) * 1000
        print(f"  {name:<40} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    medians = {name: percentile(values, .5) for name, values in samples.items()}
    for label, mine, theirs, raw_name in (
            ("PUBLIC", "hub, PUBLIC", "peer, PUBLIC", "raw Cypher, PUBLIC selection"),
            ("bank with consent", "hub, bank with consent (+audit)", "peer, bank (consent as filters)",
             "raw Cypher, bank selection")):
        print(f"  {label:<18} hub/peer p50 {_verdict(medians[mine] / medians[theirs], 1.0)}   "
              f"hub/raw p50 {_verdict(medians[mine] / medians[raw_name], 2.0)}")


# --- 16 clients --------------------------------------------------------------------------------

async def _throughput(servers: Servers, code: str, seconds: float) -> None:
    pairs = {
        "PUBLIC": ((servers.hub, servers.hub_request(PUBLIC, code)),
                   (servers.peer, servers.peer_request(peer_queries.PUBLIC, uscc=code))),
        "PUBLIC naming a refused field": ((servers.hub, servers.hub_request(WITH_PERSON, code)),
                                          (servers.peer, servers.peer_request(peer_queries.PUBLIC, uscc=code))),
        "bank with consent (+audit)": ((servers.hub_bank, servers.hub_request(WITH_PERSON, code, bank=True)),
                                       (servers.peer, servers.peer_request(peer_queries.BANK, uscc=code, bank=BANK))),
    }
    print(f"\n### {CLIENTS} clients, {seconds:.0f} s per server and variant (alternating in {SLICES} windows "
          "each, ABBA; both servers first warmed with every variant)")
    # Node's JIT keeps speeding the peer up under concurrent load long after the sequential rounds: its
    # second variant ran 34 % faster than its first for the same request (2026-11-30). Untimed, each server
    # serves every variant at full load first, so no variant is timed against a server still warming up.
    for (hub_endpoint, hub_request), (peer_endpoint, peer_request) in pairs.values():
        await load(hub_endpoint, hub_request, CLIENTS, WARM_S)
        await load(peer_endpoint, peer_request, CLIENTS, WARM_S)
    for label, ((hub_endpoint, hub_request), (peer_endpoint, peer_request)) in pairs.items():
        results: dict[str, list[LoadResult]] = {"hub": [], "peer": []}
        windows = {"hub": (hub_endpoint, hub_request), "peer": (peer_endpoint, peer_request)}
        for slice_ in range(SLICES):
            for who in ("hub", "peer") if slice_ % 2 == 0 else ("peer", "hub"):
                endpoint, request = windows[who]
                results[who].append(await load(endpoint, request, CLIENTS, seconds / SLICES))
        rate = {who: sum(r.requests for r in rs) / sum(r.seconds for r in rs) for who, rs in results.items()}
        p99 = {who: percentile([x for r in rs for x in r.latencies], .99) for who, rs in results.items()}
        print(f"  {label:<30} hub {rate['hub']:6.1f} req/s p99 {p99['hub'] * 1000:6.1f} ms   "
              f"peer {rate['peer']:6.1f} req/s p99 {p99['peer'] * 1000:6.1f} ms")
        spread = sorted(h.rate / p.rate for h, p in zip(results["hub"], results["peer"], strict=True))
        print(f"  {'':<30} throughput hub/peer {_verdict(rate['hub'] / rate['peer'], 1.0, at_least=True)}   "
              f"p99 hub/peer {_verdict(p99['hub'] / p99['peer'], 2.0)}   "
              f"(window pairs {spread[0]:.2f}–{spread[-1]:.2f})")


# --- a page of 100 -----------------------------------------------------------------------------

async def _list(servers: Servers, runs: int) -> None:
    hub, peer = Connection(servers.hub), Connection(servers.peer)
    requests = {"hub": (hub, servers.hub_request(LIST, None)),
                "peer": (peer, servers.peer_request(peer_queries.LIST, after=""))}
    samples: dict[str, list[float]] = {"hub": [], "peer": []}
    sizes: dict[str, int] = {}
    for round_ in range(10 + runs):
        for who, (connection, request) in requests.items():
            started = time.perf_counter()
            status, body = await connection.post(request)
            assert status == 200, body[:300]
            if round_ >= 10:
                samples[who].append(time.perf_counter() - started)
            sizes[who] = len(orjson.loads(body)["data"]["subjects"] if who == "peer"
                             else orjson.loads(body)["data"]["subjects"]["nodes"])
    await hub.close()
    await peer.close()
    p50 = {who: percentile(values, .5) for who, values in samples.items()}
    print(f"\n### A page of {sizes['hub']} subjects with their evaluations, PUBLIC, {runs} rounds interleaved "
          "(the peer given the hub's index predicate, uscc > $after)")
    print(f"  hub p50 {p50['hub'] * 1000:7.2f} ms   peer p50 {p50['peer'] * 1000:7.2f} ms   "
          f"hub/peer {_verdict(p50['hub'] / p50['peer'], 1.0)}")
