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
- Limits (hub/web/limits.py, docs/tiers.md "Limits"), in the order a request meets them: the
  client's rate (429), its body while it streams (413) and its JSON (400), a turn among the
  requests running at once (503 ``BUSY``), the query's cost before validation (schema/limits.py),
  and a deadline over all of it that also bounds its Neo4j transactions (504; 408 for a body that
  does not arrive).
- The console (hub/web/console) runs its pages' operations in-process, through the same :class:`Gate`: the
  rate, the deadline and a turn are those of a ``/graphql`` request, whichever door the request came in by.
- Trusted documents: ``documentId: "sha256:<hex>"`` in place of ``query`` runs a document of
  schema/trusted/bank.json (hub/web/trusted_documents.py); HUB_BANK_TRUSTED_DOCUMENTS_ONLY makes them the only
  thing a bank token may run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from hub import deadline
from hub.auth import InvalidToken
from hub.db.gateway import DatabaseUnavailable, counting
from hub.deadline import RequestBudget
from hub.disclosure import PUBLIC_VIEWER, Role, Viewer
from hub.errors import (
    DeadlineExceeded,
    HubError,
    MethodNotAllowed,
    NotAcceptable,
    RequestError,
    RequestTimeout,
    UnsupportedMediaType,
)
from hub.messages_zh import message_zh
from hub.web.limits import Admission, RateLimiter, RequestLimits, client_address, decode_json, read_body
from hub.web.metrics import RequestOutcome
from hub.web.trusted_documents import TrustedDocuments

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

ViewerFromToken = Callable[[str], Awaitable[Viewer]]  # verifies and checks revocation (hub.revocation)
ContextFactory = Callable[[Viewer], Any]
Observer = Callable[[RequestOutcome], None]
Prepared = TypeVar("Prepared")
Result = TypeVar("Result")


class Gate:
    """What a request meets before the schema runs it, at either door (``/graphql``, the console): its
    client's rate, then a deadline over the rest, and within it a turn among the requests running at once.
    One gate per app, shared by both doors, so a signed-in console page is counted like a token's request."""

    def __init__(self, limits: RequestLimits, admission: Admission, rates: dict[Role, RateLimiter]) -> None:
        self.limits = limits
        self.admission = admission
        self.rates = rates  # PUBLIC callers by address, banks by organisation

    def charge(self, viewer: Viewer, address: str) -> None:
        """Take one from the client's rate (TooManyRequests when none is left): a bank's organisation's
        bucket, whichever door and token or account it comes by; otherwise the address's."""
        limiter = self.rates.get(viewer.role)
        if limiter is None:
            return
        limiter.take(f"org {viewer.org}" if viewer.role is Role.BANK and viewer.org else f"address {address}")

    async def admit(self, prepare: Callable[[], Awaitable[Prepared]],
                    execute: Callable[[Prepared, RequestBudget], Awaitable[Result]]) -> Result:
        """``prepare`` (reading the request) within the deadline, then ``execute`` within it in a turn
        (Busy when none comes). The deadline's cut becomes RequestTimeout while preparing (a body that does
        not arrive), DeadlineExceeded after."""
        limits = self.limits
        prepared = False
        try:
            async with deadline.request_budget(limits.timeout_s) as budget:
                arguments = await prepare()
                prepared = True
                async with self.admission.turn():
                    return await execute(arguments, budget)
        except TimeoutError:
            # Cut by the deadline: before the answer was ready, so nothing was written (a mutation is
            # never cut, see hub/deadline.py) and nothing was served — there is nothing to audit.
            if not budget.expired():
                raise
            if not prepared:
                raise RequestTimeout(f"the request body did not arrive within {limits.timeout_s:g} s "
                                     "(HUB_REQUEST_TIMEOUT)") from None
            raise DeadlineExceeded(f"the request was stopped after {limits.timeout_s:g} s (HUB_REQUEST_TIMEOUT); "
                                   "ask for less (fewer items, fewer fields)") from None


class GraphQLEndpoint:
    """The ``/graphql`` endpoint; knows HTTP, delegates execution to the schema."""

    def __init__(self, schema: Schema, verify_token: ViewerFromToken, make_context: ContextFactory,
                 audit: Callable[[Any], Awaitable[None]], observe: Observer, gate: Gate,
                 ide_page: Callable[[], Response] | None = None, trusted: TrustedDocuments | None = None,
                 expecting: Callable[[Viewer], AbstractContextManager[None]] = lambda _: nullcontext()) -> None:
        self.schema = schema
        self.expecting = expecting  # around execution: the audit's batch may wait for this request
        self.trusted = trusted
        self.ide_page = ide_page
        self.verify_token = verify_token
        self.make_context = make_context
        self.audit = audit
        self.observe = observe
        self.gate = gate
        self.admission = gate.admission

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        viewer = PUBLIC_VIEWER
        media_type = JSON
        request.state.operation, request.state.error_codes = None, ()
        with counting() as statements:
            try:
                if request.method == "GET" and self.ide_page is not None and _wants_html(request):
                    return self.ide_page()
                media_type = _negotiate(request.headers.get("accept"))
                viewer = await self._viewer(request)
                self.gate.charge(viewer, client_address(request))
                response = await self._execute(request, viewer, media_type)
            except HubError as exc:
                request.state.error_codes = (exc.code,)
                response = error_response(exc, media_type)
        self.observe(RequestOutcome(viewer, response.status_code, time.perf_counter() - started,
                                    request.state.operation, request.state.error_codes, statements))
        return response

    async def _viewer(self, request: Request) -> Viewer:
        header = request.headers.get("authorization")
        if header is None:
            return PUBLIC_VIEWER
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("Authorization must be 'Bearer <token>'")
            return await self.verify_token(token.strip())
        except InvalidToken:
            self.gate.charge(PUBLIC_VIEWER, client_address(request))  # guessing tokens is paid like any PUBLIC call
            raise

    async def _execute(self, request: Request, viewer: Viewer, media_type: str) -> Response:
        # Platforms push batches of thousands of items; everyone else's requests are small.
        limits = self.gate.limits
        body_limit = limits.platform_body_bytes if viewer.role is Role.PLATFORM else limits.body_bytes
        context = self.make_context(viewer)

        async def read() -> dict[str, Any]:
            return await _parameters(request, body_limit, limits.json_depth, self.trusted, viewer)

        async def run(params: dict[str, Any], budget: RequestBudget) -> Any:
            with self.expecting(viewer):
                result = await self._run(request, params, context)
            request.state.operation = getattr(context, "operation", None)
            request.state.error_codes = tuple(str((error.extensions or {}).get("code", "UNCODED"))
                                              for error in result.errors or ())
            budget.keep_whole()  # the answer is ready: its audit entry is not cut short
            try:
                await self.audit(context)
            except DatabaseUnavailable as exc:
                log.error("response withheld: could not audit it: %s", exc)
                return error_response(DatabaseUnavailable(
                    "the response was withheld because its audit entry could not be written; " + str(exc)),
                    media_type)
            return result

        result = await self.gate.admit(read, run)
        if isinstance(result, Response):
            return result
        return _response(result, media_type)

    async def _run(self, request: Request, params: dict[str, Any], context: Any) -> Any:
        allowed = {OperationType.QUERY} if request.method == "GET" else {
            OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                params["query"], variable_values=params.get("variables"),
                context_value=context, operation_name=params.get("operationName"),
                allowed_operation_types=allowed)
        except InvalidOperationTypeError:
            raise MethodNotAllowed("mutations must be sent with POST", {"Allow": "POST"}) from None
        except CannotGetOperationTypeError as exc:
            raise RequestError(exc.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestError("no GraphQL query was given (the 'query' parameter)") from None


def _response(result: Any, media_type: str) -> Response:
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    request_error = isinstance(result, PreExecutionError)
    if not request_error:
        body["data"] = result.data
    status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)


async def _parameters(request: Request, limit: int, json_depth: int, trusted: TrustedDocuments | None,
                      viewer: Viewer) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        if "variables" in params:
            params["variables"] = _json_object(params["variables"], "variables", json_depth)
        if "extensions" in params:
            params["extensions"] = _json_object(params["extensions"], "extensions", json_depth)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type:
            raise UnsupportedMediaType(f"POST bodies must be {JSON}; the request has no Content-Type")
        if content_type not in (JSON, GRAPHQL_RESPONSE):
            raise UnsupportedMediaType(f"POST bodies must be {JSON}, not {content_type!r}")
        raw = await read_body(request, limit)
        params = decode_json(raw or b"null", "request body", json_depth)
        if isinstance(params, list):
            raise RequestError("batched requests are not supported; send one operation "
                               "per request (several root fields in one operation are fine)")
        if not isinstance(params, dict):
            raise RequestError("request body must be a JSON object with a 'query'")
    if trusted is not None:  # a trusted document's id stands for its text (hub/web/trusted_documents.py)
        params = trusted.apply(params, viewer)
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


def _json_object(text: str, name: str, json_depth: int) -> dict[str, Any]:
    value = decode_json(text, f"'{name}'", json_depth)
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
    body = {"errors": [{"message": str(error), "extensions": {"code": error.code, "messageZh": message_zh(error.code),
                                                              **error.extensions()}}]}
    return JSONResponse(body, status_code=error.http_status, headers=error.http_headers(), media_type=media_type)
