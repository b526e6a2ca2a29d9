"""GraphQL subscriptions over WebSocket (graphql-transport-ws), as a thin adapter over strawberry's own.

``/graphql`` over WebSocket speaks the graphql-transport-ws protocol (the ``graphql-ws`` library's;
strawberry's handler). The bearer token travels in the ``connection_init`` payload —
``{"Authorization": "Bearer <token>"}`` (or ``{"token": "<token>"}``) — since browsers cannot set
headers on a WebSocket. It is checked there, before anything else is accepted: a forged or expired
token, or a viewer whose tier may not subscribe (PUBLIC, banks), gets the connection closed with
4403 and nothing else; the close frame's reason says why (the protocol has no other place for it).
The rule itself is the tier mechanism's (schema/tiers.py), passed in as ``may_subscribe``; this
module knows HTTP and WebSocket only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, NoReturn

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage
from strawberry.types.unset import UnsetType

from hub.disclosure import PUBLIC_VIEWER, Viewer
from hub.errors import HubError
from hub.messages_zh import message_zh

log = logging.getLogger(__name__)

ViewerFromToken = Callable[[str], Awaitable[Viewer]]  # verifies and checks revocation (hub.revocation)
ContextFactory = Callable[[Viewer], Any]
MaySubscribe = Callable[[Viewer], str | None]  # None when allowed, else why not

FORBIDDEN = 4403  # graphql-transport-ws: connection_init refused
CLOSE_REASON_BYTES = 123  # RFC 6455 §5.5: a control frame's payload is 125 bytes, 2 of them the code


class _SubscriptionsOnly(BaseGraphQLTransportWSHandler):
    """Only subscriptions travel over the socket: queries and mutations go over HTTP, where every one is
    audited before its answer leaves (hub.web.graphql_http)."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        # strawberry closes a refused connection_init with 4403 "Forbidden" and drops the refusal's
        # payload; the close frame carries the refusal instead, so a client can say what was wrong
        close = self.websocket.close

        async def close_saying_why(code: int, reason: str) -> None:
            refusal = getattr(self.context, "refusal", None)
            await close(code, close_reason(refusal) if code == FORBIDDEN and refusal else reason)

        self.websocket.close = close_saying_why  # type: ignore[method-assign]
        try:
            await super().handle_connection_init(message)
        finally:
            self.websocket.close = close  # type: ignore[method-assign]

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message.get("id") not in self.operations:
            kind = _operation_type(message["payload"].get("query"), message["payload"].get("operationName"))
            if kind is not None and kind is not OperationType.SUBSCRIPTION:
                error = GraphQLError(f"only subscriptions are served over WebSocket; send this {kind.value} with "
                                     "POST /graphql", extensions={"code": "BAD_REQUEST",
                                                                     "messageZh": message_zh("BAD_REQUEST")})
                await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
                return
        await super().handle_subscribe(message)


def close_reason(text: str) -> str:
    """``text`` cut to what a close frame can carry, on a character boundary (Chinese is 3 bytes a character)."""
    data = text.encode()
    if len(data) <= CLOSE_REASON_BYTES:
        return text
    return data[:CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "…"


def _operation_type(query: object, name: object) -> OperationType | None:
    """The type of the operation a message asks for; None when the query does not parse (strawberry
    answers that itself)."""
    if not isinstance(query, str):
        return None
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in operations if name is None or (d.name is not None and d.name.value == name)]
    return chosen[0].operation if len(chosen) == 1 else None


class SubscriptionEndpoint(GraphQL):
    """The WebSocket side of ``/graphql``; the HTTP side stays hub.web.graphql_http.GraphQLEndpoint."""

    graphql_transport_ws_handler_class = _SubscriptionsOnly

    def __init__(self, schema: Schema, verify_token: ViewerFromToken, make_context: ContextFactory,
                 may_subscribe: MaySubscribe, *, max_subscriptions: int = 10) -> None:
        super().__init__(schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         connection_init_wait_timeout=timedelta(seconds=10),
                         max_subscriptions_per_connection=max_subscriptions)
        self.verify_token = verify_token
        self.make_context = make_context
        self.may_subscribe = may_subscribe

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Any:
        context = self.make_context(PUBLIC_VIEWER)  # who it is is known at connection_init
        context.connection_params = None
        context.refusal = None  # why connection_init was refused (the close frame's reason)
        return context

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        token = params.get("token")
        if isinstance(header, str):
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                token = None
        if not isinstance(token, str) or not token.strip():
            self._refuse(context, "no bearer token in connection_init: subscriptions are internal-only (内部使用)")
        try:
            viewer = await self.verify_token(token.strip())  # signature, lifetime, revocation
        except HubError as exc:
            self._refuse(context, str(exc))
        refusal = self.may_subscribe(viewer)
        if refusal is not None:
            self._refuse(context, refusal)
        context.viewer = viewer
        return {"viewer": viewer.label}

    @staticmethod
    def _refuse(context: Any, why: str) -> NoReturn:
        context.refusal = why
        raise ConnectionRejectionError({"message": why})
