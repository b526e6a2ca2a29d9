"""The starlette application: the composition root that wires schema/ to the hub service."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from hub.auth import verify_token
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway
from hub.db.server import resolve_credentials
from hub.disclosure import Viewer
from hub.service import CreditHub
from hub.settings import Settings
from hub.web.graphql_http import GraphQLEndpoint
from hub.web.metrics import HubMetrics
from hub.web.subscriptions import SubscriptionEndpoint
from schema import tiers
from schema.build import build_schema
from schema.context import HubContext

log = logging.getLogger("hub")


def gateway_for(settings: Settings) -> Neo4jGateway:
    credentials = resolve_credentials(settings)
    if credentials is None:
        raise SystemExit("no Neo4j configured: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD) "
                         "or run `hub db start` first")
    return Neo4jGateway(credentials.uri, credentials.user, credentials.password,
                        settings.neo4j_database, settings.neo4j_timeout_s)


def create_app(settings: Settings, hub: CreditHub | None = None) -> Starlette:
    service = hub or CreditHub(settings, gateway_for(settings))
    metrics = HubMetrics()
    schema = build_schema(settings)

    def make_context(viewer: Viewer) -> HubContext:
        return HubContext(viewer=viewer, hub=service, now=service.now(), today=service.today())

    async def audit(context: HubContext) -> None:
        events = context.audit_events()
        await service.audit(events)
        metrics.audit_entries.inc(len(events))
        if context.writes:  # a mutation committed: its warnings now, not at the next poll
            service.warnings.nudge()

    graphql = GraphQLEndpoint(
        schema, lambda token: verify_token(settings.jwt_key, settings.jwt_issuer, token),
        make_context, audit, metrics.observe, settings.max_batch_bytes)

    subscriptions = SubscriptionEndpoint(
        schema, lambda token: verify_token(settings.jwt_key, settings.jwt_issuer, token), make_context,
        lambda viewer: tiers.refusal(viewer, "Subscription", "warnings", service.today()))

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ready = await service.ready()
        metrics.neo4j_up.set(1 if ready else 0)
        if ready:
            return JSONResponse({"status": "ready", "neo4j": service.gateway.uri})
        return JSONResponse({"status": "unavailable", "neo4j": service.gateway.uri,
                             "reason": "Neo4j does not answer"}, status_code=503)

    async def metrics_endpoint(_: Request) -> Response:
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
        log.info("Credit Hub serving; Neo4j at %s", service.gateway.uri)
        async with contextlib.AsyncExitStack() as running:
            if settings.warnings_enabled:  # 信用预警: the engine and the broker run as long as the hub serves
                await running.enter_async_context(service.warnings.running())
            yield
        if hub is None:
            await service.close()

    return Starlette(routes=[
        Route("/", home),
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", subscriptions),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
    ], lifespan=lifespan)
