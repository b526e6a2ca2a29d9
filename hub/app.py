"""The starlette application: the composition root that wires schema/ to the hub service."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, nullcontext

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from hub.audit import holds_response
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway
from hub.db.server import resolve_credentials
from hub.deadline import RequestBudget
from hub.disclosure import Role, Viewer
from hub.errors import HubError
from hub.service import CreditHub
from hub.settings import Settings
from hub.web.console import Answer, Console
from hub.web.graphiql import PREFIX as GRAPHIQL_PREFIX
from hub.web.graphiql import GraphiQLFiles
from hub.web.graphql_http import Gate, GraphQLEndpoint
from hub.web.limits import Admission, RateLimiter, RequestLimits
from hub.web.metrics import HubMetrics, SyncState, may_scrape
from hub.web.subscriptions import SubscriptionEndpoint
from hub.web.trusted_documents import TrustedDocuments
from schema import tiers
from schema.build import build_schema
from schema.context import HubContext
from schema.trusted import MANIFEST_PATH as TRUSTED_MANIFEST

log = logging.getLogger("hub")


def gateway_for(settings: Settings) -> Neo4jGateway:
    credentials = resolve_credentials(settings)
    if credentials is None:
        raise SystemExit("no Neo4j configured: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD) "
                         "or run `hub db start` first")
    return Neo4jGateway(credentials.uri, credentials.user, credentials.password,
                        settings.neo4j_database, settings.neo4j_timeout_s)


def app_from_environment() -> Starlette:
    """The app of one worker of `hub serve --workers N` (uvicorn imports it by name in each process)."""
    from hub.settings import load_settings

    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(settings)


def create_app(settings: Settings, hub: CreditHub | None = None) -> Starlette:
    service = hub or CreditHub(settings, gateway_for(settings))
    metrics = HubMetrics(service.gateway.stats, service.audit_log)
    schema = build_schema(settings)

    def make_context(viewer: Viewer) -> HubContext:
        return HubContext(viewer=viewer, hub=service, now=service.now(), today=service.today())

    async def audit(context: HubContext) -> None:
        events, wrote = context.audit_events(), bool(context.writes)
        context.release()  # answered: what it loaded goes now, not at the cycle collector's next pass
        await service.audit(events, wait=holds_response(context.viewer, events))
        metrics.audit_entries.inc(len(events))
        if wrote:  # a mutation committed: its warnings now, not at the next poll
            service.warnings.nudge()

    def expecting(viewer: Viewer) -> AbstractContextManager[None]:
        # a request whose answer waits for its audit entries (anyone's but PUBLIC's, hub.audit.holds_response)
        # is one the batch being written may wait a moment for (group commit's commit delay, hub.audit_log)
        return service.audit_log.expecting() if viewer.role is not Role.PUBLIC else nullcontext()

    graphiql = GraphiQLFiles()
    admission = Admission(settings.max_concurrent_requests, settings.max_queued_requests, settings.queue_timeout_s)
    metrics.track(admission, lambda: service.warnings.broker.subscriptions)
    # One gate for both doors to GraphQL: /graphql and the console's pages share the rates and the turns.
    gate = Gate(RequestLimits.from_settings(settings), admission,
                {Role.PUBLIC: RateLimiter(settings.rate_limit_public, settings.rate_burst, "address"),
                 Role.BANK: RateLimiter(settings.rate_limit_bank, settings.rate_burst, "organisation")})
    graphql = GraphQLEndpoint(
        schema, service.authenticate, make_context, audit, metrics.observe, gate,
        ide_page=graphiql.page,
        trusted=TrustedDocuments.load(TRUSTED_MANIFEST, banks_only_trusted=settings.bank_trusted_documents_only),
        expecting=expecting)

    # The console runs GraphQL operations in-process as the signed-in account's viewer: the same gate (rate,
    # deadline, a turn), schema, tiers and audit as /graphql (hub/web/console) — no second path to the data.
    async def console_operation(viewer: Viewer, address: str, query: str, variables: dict[str, object]) -> Answer:
        context = make_context(viewer)

        async def nothing_to_read() -> None:
            return None

        async def run(_: None, budget: RequestBudget) -> Answer:
            with expecting(viewer):
                result = await schema.execute(query, variable_values=variables, context_value=context)
            budget.keep_whole()  # the answer is ready: its audit entry is not cut short
            await audit(context)
            return Answer(result.data, [dict(error.formatted) for error in result.errors or []])

        try:
            gate.charge(viewer, address)
            return await gate.admit(nothing_to_read, run)
        except HubError as exc:  # refused at the gate (or withheld, unaudited): the page says so, in Chinese
            return Answer(None, [{"message": str(exc), "extensions": {"code": exc.code, **exc.extensions()}}])

    console = Console(service.staff, console_operation, service.audit)

    subscriptions = SubscriptionEndpoint(
        schema, service.authenticate, make_context,
        lambda viewer: tiers.refusal(viewer, "Subscription", "warnings", service.today()))

    # /healthz and /readyz take no GraphQL turn and no rate: they answer while GraphQL is saturated.
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ready = await service.ready()
        metrics.neo4j_up.set(1 if ready else 0)
        if ready:
            return JSONResponse({"status": "ready", "neo4j": service.gateway.uri})
        return JSONResponse({"status": "unavailable", "neo4j": service.gateway.uri,
                             "reason": "Neo4j does not answer"}, status_code=503)

    async def metrics_endpoint(request: Request) -> Response:
        address = request.client.host if request.client else None
        if not may_scrape(address, settings.metrics_networks):
            return PlainTextResponse(f"/metrics is served to HUB_METRICS_ALLOW only, not to {address}\n",
                                     status_code=403)
        try:
            health = await service.exchange.health()
        except DatabaseUnavailable:
            pass  # hub_neo4j_up says so; the rest is still worth a scrape
        else:
            now = service.now()
            metrics.sync(SyncState({(peer, direction): (now - at).total_seconds()
                                    for peer, direction, at in health.last_rounds}, health.dead_letters))
        return PlainTextResponse(metrics.render(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            await service.migrate()
        except DatabaseUnavailable as exc:
            log.error("starting without the graph schema applied: %s", exc)
        # The start-up heap (schema, resolvers, modules: 100,000 objects) lives as long as the process;
        # frozen, the cycle collector no longer walks it in every full collection, each of which
        # otherwise stops the event loop for tens of milliseconds (hundreds on a busy machine).
        gc.freeze()
        log.info("Credit Hub serving; Neo4j at %s", service.gateway.uri)
        async with contextlib.AsyncExitStack() as running:
            if settings.warnings_enabled:  # 信用预警: the engine and the broker run as long as the hub serves
                await running.enter_async_context(service.warnings.running())
            yield
        if hub is None:
            await service.close()
        else:
            await service.audit_log.drain()

    app = Starlette(routes=[
        Route("/", home),
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        Route(GRAPHIQL_PREFIX + "{name}", graphiql.asset),
        WebSocketRoute("/graphql", subscriptions),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        *console.routes(),
    ], lifespan=lifespan)
    app.state.graphql = graphql
    return app
