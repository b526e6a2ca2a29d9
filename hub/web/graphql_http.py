"""GraphQL over HTTP (the GraphQL-over-HTTP spec), as a thin adapter over schema execution.

- ``POST /graphql`` with a JSON body; ``GET /graphql`` with query parameters (queries only:
  a mutation over GET is 405). A browser (``Accept: text/html``) gets GraphiQL, served from the
  hub's own files (hub.web.graphiql).
- Media types: ``application/graphql-response+json`` (preferred) and ``application/json``. With the
  former, a request error (unparsable, invalid, unknown operation) is 400 and a response with data
  is 200; with the latter, every well-formed GraphQL response is 200. Anything else asked for is 406.
- ``Authorization: Bearer …`` decides the viewer; no header is PUBLIC; a bad token is 401 before
  any GraphQL runs. The reads and writes a request made are audited before its response leaves:
  a response that cannot be audited is withheld (503).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from hub.auth import InvalidToken
from hub.db.gateway import DatabaseUnavailable
from hub.disclosure import PUBLIC_VIEWER, Role, Viewer
from hub.errors import (
    HubError,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    RequestError,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_BODY = 100_000  # bytes; platform peers get HUB_MAX_BATCH_BYTES

ViewerFromToken = Callable[[str], Viewer]
ContextFactory = Callable[[Viewer], Any]
Observer = Callable[[Viewer, int, float], None]


class GraphQLEndpoint:
    """The ``/graphql`` endpoint; knows HTTP, delegates execution to the schema."""

    def __init__(self, schema: Schema, verify_token: ViewerFromToken, make_context: ContextFactory,
                 audit: Callable[[Any], Awaitable[None]], observe: Observer,
                 platform_body_limit: int = MAX_BODY, ide_page: Callable[[], Response] | None = None) -> None:
        self.schema = schema
        self.ide_page = ide_page
        self.verify_token = verify_token
        self.make_context = make_context
        self.audit = audit
        self.observe = observe
        self.platform_body_limit = platform_body_limit

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        viewer = PUBLIC_VIEWER
        media_type = JSON
        try:
            if request.method == "GET" and self.ide_page is not None and _wants_html(request):
                return self.ide_page()
            media_type = _negotiate(request.headers.get("accept"))
            viewer = self._viewer(request)
            response = await self._execute(request, viewer, media_type)
        except HubError as exc:
            response = error_response(exc, media_type)
        self.observe(viewer, response.status_code, time.perf_counter() - started)
        return response

    def _viewer(self, request: Request) -> Viewer:
        header = request.headers.get("authorization")
        if header is None:
            return PUBLIC_VIEWER
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("Authorization must be 'Bearer <token>'")
        return self.verify_token(token.strip())

    async def _execute(self, request: Request, viewer: Viewer, media_type: str) -> Response:
        # Platforms push batches of thousands of items; everyone else's requests are small.
        limit = self.platform_body_limit if viewer.role is Role.PLATFORM else MAX_BODY
        params = await _parameters(request, limit)
        allowed = {OperationType.QUERY} if request.method == "GET" else {
            OperationType.QUERY, OperationType.MUTATION}
        context = self.make_context(viewer)
        try:
            result = await self.schema.execute(
                params["query"], variable_values=params.get("variables"),
                context_value=context, operation_name=params.get("operationName"),
                allowed_operation_types=allowed)
        except InvalidOperationTypeError:
            raise MethodNotAllowed("mutations must be sent with POST", {"Allow": "POST"}) from None
        except CannotGetOperationTypeError as exc:
            raise RequestError(exc.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestError("no GraphQL query was given (the 'query' parameter)") from None
        try:
            await self.audit(context)
        except DatabaseUnavailable as exc:
            log.error("response withheld: could not audit it: %s", exc)
            return error_response(DatabaseUnavailable("the response was withheld because its audit entry "
                                                      "could not be written; " + str(exc)), media_type)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        request_error = isinstance(result, PreExecutionError)
        if not request_error:
            body["data"] = result.data
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
        return Response(orjson.dumps(body), status_code=status, media_type=media_type)


async def _parameters(request: Request, limit: int) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        if "variables" in params:
            params["variables"] = _json_object(params["variables"], "variables")
        if "extensions" in params:
            params["extensions"] = _json_object(params["extensions"], "extensions")
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in (JSON, GRAPHQL_RESPONSE, ""):
            raise UnsupportedMediaType(f"POST bodies must be {JSON}, not {content_type!r}")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"request body is larger than {limit:,} bytes")
        raw = await request.body()
        if len(raw) > limit:
            raise PayloadTooLarge(f"request body is larger than {limit:,} bytes")
        try:
            params = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestError("request body is not valid JSON") from None
        if isinstance(params, list):
            raise RequestError("batched requests are not supported; send one operation "
                               "per request (several root fields in one operation are fine)")
        if not isinstance(params, dict):
            raise RequestError("request body must be a JSON object with a 'query'")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestError("no GraphQL query was given (the 'query' parameter)")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("'variables' must be a JSON object")
    operation = params.get("operationName")
    if operation is not None and not isinstance(operation, str):
        raise RequestError("'operationName' must be a string")
    return params


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise RequestError(f"'{name}' is not valid JSON") from None
    if not isinstance(value, dict):
        raise RequestError(f"'{name}' must be a JSON object")
    return value


def _negotiate(accept: str | None) -> str:
    """Pick the response media type; no Accept header is the legacy application/json."""
    if not accept:
        return JSON
    offered = []
    for part in accept.split(","):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    quality = float(option[2:])
                except ValueError:
                    quality = 0.0
        offered.append((media.lower(), quality))
    best: tuple[float, int, str] | None = None
    for media, quality in offered:
        if quality <= 0:
            continue
        for preference, candidate in enumerate((GRAPHQL_RESPONSE, JSON)):
            if media in (candidate, "*/*", "application/*"):
                key = (quality, -preference, candidate)
                best = key if best is None or key > best else best
    if best is None:
        raise NotAcceptable(f"cannot answer with any of {accept!r}; ask for {GRAPHQL_RESPONSE} or {JSON}")
    return best[2]


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def error_response(error: HubError, media_type: str = JSON) -> Response:
    """The HTTP door's one mapping of the error tree: its status, headers and GraphQL-shaped body."""
    body = {"errors": [{"message": str(error), "extensions": {"code": error.code, **error.extensions()}}]}
    return JSONResponse(body, status_code=error.http_status, headers=error.http_headers(), media_type=media_type)
