"""The hub's one error tree: every error a caller can meet is a :class:`HubError` carrying its code.

Like starlette's ``HTTPException`` carries its status, a hub error carries what each door needs:
the GraphQL ``extensions.code``, the HTTP status, the CLI exit code. Each door maps it in one
place — ``schema/errors.py`` (GraphQL), ``hub/web/graphql_http.py`` (HTTP), ``hub/cli/common.py``
(CLI), ``hub/exchange`` (a dead letter's reason) — and ``docs/errors.md`` documents every code
(tests/test_errors.py keeps the two in step). Third-party exceptions are translated at the boundary
with ``raise X from exc``; anything else that escapes is a bug, answered as ``INTERNAL_ERROR`` with a
reference and logged.

    HubError                       INTERNAL_ERROR          500  exit 1
    ├── BadInput                   BAD_USER_INPUT          400  exit 2   what the caller sent breaks a rule
    │   └── InvalidCode …          (hub.codes, hub.rights, hub.supervision, hub.grading …)
    ├── NotFound                   NOT_FOUND               404  exit 1   a named item does not exist
    ├── Conflict                   CONFLICT                409  exit 1   the item's state does not allow it now
    ├── Unauthenticated            UNAUTHENTICATED         401  exit 2   no valid token (forged, expired, revoked)
    ├── Forbidden                  FORBIDDEN               403  exit 1   the caller may not see or do this
    │   └── TrustedDocumentRequired TRUSTED_DOCUMENT_REQUIRED 403        a bank sent query text, not a document id
    ├── Busy                       BUSY                    503  exit 1   back-pressure; retry after ``retry_after_s``
    │   └── TooManyRequests        TOO_MANY_REQUESTS       429           this client's rate limit is spent
    ├── QueryTooCostly             QUERY_TOO_COSTLY        400  exit 2   the query's cost or shape is over a limit
    ├── DeadlineExceeded           DEADLINE_EXCEEDED       504  exit 1   the request ran past HUB_REQUEST_TIMEOUT
    ├── BatchRefused               BATCH_REFUSED           400  exit 1   a signed batch that does not verify
    ├── DatabaseUnavailable        DATABASE_UNAVAILABLE    503  exit 1   Neo4j does not answer
    ├── TransactionTooLarge        TRANSACTION_TOO_LARGE   500  exit 1   a transaction over Neo4j's memory limit
    ├── RequestError               BAD_REQUEST             400           the HTTP request is not GraphQL over HTTP
    │   ├── MethodNotAllowed       METHOD_NOT_ALLOWED      405
    │   ├── NotAcceptable          NOT_ACCEPTABLE          406
    │   ├── PayloadTooLarge        PAYLOAD_TOO_LARGE       413
    │   ├── PersistedQueryNotFound PERSISTED_QUERY_NOT_FOUND 400     a documentId this hub does not hold
    │   ├── RequestTimeout         REQUEST_TIMEOUT         408
    │   └── UnsupportedMediaType   UNSUPPORTED_MEDIA_TYPE  415
    ├── PeerError                  PEER_ERROR              502  exit 1   another platform refused or is down
    │   ├── PeerRefused            PEER_REFUSED
    │   └── PeerUnavailable        PEER_UNAVAILABLE
    └── ConfigurationError         CONFIGURATION_ERROR     500  exit 2   a setting or data file is wrong
        └── DataFileError          (schemes, models, measures, calendars, peers, policies)
"""

from __future__ import annotations

import math
from typing import ClassVar

from hub.messages_zh import message_zh


class HubError(Exception):
    """Root of every error the hub raises on purpose; ``str()`` is safe to show the caller."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    retryable: ClassVar[bool] = False  # a platform client retries these (after retryAfter, if given)
    summary: ClassVar[str] = "an unexpected failure inside the hub (logged with a reference)"

    @property
    def message(self) -> str:
        return str(self)

    def extensions(self) -> dict[str, object]:
        """What the error adds to GraphQL ``extensions`` beside its code."""
        return {}

    def http_headers(self) -> dict[str, str]:
        """Headers its HTTP response carries (``Retry-After``, ``WWW-Authenticate``, ``Allow``)."""
        return {}


class BadInput(HubError, ValueError):
    code = "BAD_USER_INPUT"
    http_status = 400
    exit_code = 2
    summary = "the input breaks a rule; the message names the field and the rule"


class NotFound(HubError, LookupError):
    code = "NOT_FOUND"
    http_status = 404
    summary = "a named subject, record, plan, draw, objection or application does not exist"


class Conflict(HubError):
    code = "CONFLICT"
    http_status = 409
    summary = "the item's current state does not allow this step (already decided, already drawn …)"


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"
    http_status = 401
    exit_code = 2
    summary = "the bearer token is missing its parts, forged, tampered with, expired or revoked"

    def http_headers(self) -> dict[str, str]:
        description = str(self).encode("ascii", "replace").decode().replace('"', "'")
        return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}


class Forbidden(HubError):
    code = "FORBIDDEN"
    http_status = 403
    summary = "the viewer's tier, role or department may not see or change this"


class TrustedDocumentRequired(Forbidden):
    """HUB_BANK_TRUSTED_DOCUMENTS_ONLY is on and a bank token sent query text instead of a trusted document's id."""

    code = "TRUSTED_DOCUMENT_REQUIRED"
    summary = ("this hub runs bank tokens' operations from its trusted documents only "
               "(HUB_BANK_TRUSTED_DOCUMENTS_ONLY): send {\"documentId\": \"sha256:…\"} from "
               "schema/trusted/bank.json instead of a query")


class Busy(HubError):
    code = "BUSY"
    http_status = 503
    retryable = True
    summary = "the hub is at capacity; retry after extensions.retryAfter seconds"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def extensions(self) -> dict[str, object]:
        return {"retryAfter": self.retry_after_s}

    def http_headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, math.ceil(self.retry_after_s)))}


class TooManyRequests(Busy):
    """This client (a bank's organisation, or the address of a PUBLIC caller) asked too often."""

    code = "TOO_MANY_REQUESTS"
    http_status = 429
    summary = ("this client's rate limit is spent (per organisation for banks, per address for PUBLIC callers); "
               "retry after extensions.retryAfter seconds")


class QueryTooCostly(HubError):
    """Demand control: refused from the parsed document, before validation or execution runs."""

    code = "QUERY_TOO_COSTLY"
    http_status = 400
    exit_code = 2
    summary = ("the query's estimated cost, its number of selections or a field repeated in one place is over a "
               "limit (docs/tiers.md, Limits); ask for fewer items (first:) or fewer fields")


class DeadlineExceeded(HubError):
    code = "DEADLINE_EXCEEDED"
    http_status = 504
    summary = ("the request ran longer than HUB_REQUEST_TIMEOUT and was stopped (its Neo4j transaction too); "
               "ask for less")


class BatchRefused(HubError):
    code = "BATCH_REFUSED"
    http_status = 400
    summary = "a platform batch whose signature does not verify, or that is not addressed to this hub"


class DatabaseUnavailable(HubError):
    code = "DATABASE_UNAVAILABLE"
    http_status = 503
    retryable = True
    summary = "Neo4j does not answer; nothing was served or written — try again shortly"


class TransactionTooLarge(HubError):
    """Neo4j answered but refused one transaction: it needed more memory than the server lets a transaction
    have. Retrying the same work fails the same way, so it is not retryable; the message names the limit."""

    code = "TRANSACTION_TOO_LARGE"
    summary = ("Neo4j refused a transaction that needed more memory than its limit (the heap, or "
               "db.memory.transaction.total.max); nothing of it was written — the work must go in smaller batches")


class PeerError(HubError):
    code = "PEER_ERROR"
    http_status = 502
    summary = "another platform answered with an error"


class PeerRefused(PeerError):
    """The peer answered and refused (bad token, bad batch, not a peer): retrying will not help."""

    code = "PEER_REFUSED"
    summary = "another platform refused the request; retrying will not help"


class PeerUnavailable(PeerError):
    """The peer could not be reached or kept failing after the retries."""

    code = "PEER_UNAVAILABLE"
    summary = "another platform could not be reached after the retries"


class RequestError(HubError):
    """The HTTP request itself is unusable (GraphQL over HTTP); answered before any GraphQL runs."""

    code = "BAD_REQUEST"
    http_status = 400
    summary = "the HTTP request is not a GraphQL request: not JSON, no query, variables not an object …"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self._headers = headers or {}

    def http_headers(self) -> dict[str, str]:
        return dict(self._headers)


class MethodNotAllowed(RequestError):
    code = "METHOD_NOT_ALLOWED"
    http_status = 405
    summary = "a mutation sent with GET (mutations need POST)"


class NotAcceptable(RequestError):
    code = "NOT_ACCEPTABLE"
    http_status = 406
    summary = "the Accept header asks for neither application/graphql-response+json nor application/json"


class PayloadTooLarge(RequestError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413
    summary = "the request body is larger than the hub takes from this caller"


class PersistedQueryNotFound(RequestError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    summary = ("the request's documentId names no trusted document this hub holds (schema/trusted/bank.json lists "
               "them); ids are \"sha256:\" and 64 hexadecimal digits")


class RequestTimeout(RequestError):
    code = "REQUEST_TIMEOUT"
    http_status = 408
    summary = "the request body did not arrive within HUB_REQUEST_TIMEOUT"


class UnsupportedMediaType(RequestError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415
    summary = "a POST body that is not declared application/json (no Content-Type, or another one)"


class ConfigurationError(HubError):
    code = "CONFIGURATION_ERROR"
    exit_code = 2
    summary = "a setting or one of the hub's data files is wrong; the message names it"


def all_error_classes() -> list[type[HubError]]:
    """Every class of the tree that is imported now, root first (docs and their test use it)."""
    found: list[type[HubError]] = []
    stack: list[type[HubError]] = [HubError]
    while stack:
        cls = stack.pop(0)
        found.append(cls)
        stack.extend(sorted(cls.__subclasses__(), key=lambda sub: sub.__qualname__))
    return found


def retryable_codes() -> frozenset[str]:
    """The codes a platform client retries (after the ``retryAfter`` the answer gives)."""
    return frozenset(cls.code for cls in all_error_classes() if cls.retryable)


def document(request_codes: dict[str, str]) -> str:
    """docs/errors.md: every code a client can get, from the tree itself (``python -m schema.errors``)."""
    lines = [
        "# Error codes",
        "",
        "Every error the hub answers carries `extensions.code` (GraphQL), an HTTP status when the request",
        "fails as a whole, and an exit code when a `hub` command stops on it. The codes come from one tree",
        "of exceptions, `hub/errors.py`, mapped once per door: `schema/errors.py` (GraphQL), ",
        "`hub/web/graphql_http.py` (HTTP), `hub/cli/common.py` (CLI), `hub/exchange` (dead letters).",
        "This page is generated from the tree (`python -m schema.errors > docs/errors.md`);",
        "`tests/test_errors.py` fails when they differ.",
        "",
        "A field the viewer may not see is `null` with `FORBIDDEN` and the rest of the response stands;",
        "a list silently omits what the viewer may not see (docs/tiers.md).",
        "",
        "`extensions.messageZh` carries the code's sentence in Chinese beside the English `message` (what a clerk",
        "reads; one table, `hub/messages_zh.py`); the English message names the field and rule at fault. An",
        "invalid code (`InvalidCode`: 统一社会信用代码, 公民身份号码, 行政区划代码) says its exact rule in `messageZh`",
        "instead (统一社会信用代码「…」无效：第 18 位校验码…), and a refused item of a batch has its own `messageZh`.",
        "",
        "| code | HTTP | exit | retry | when | raised as | messageZh |",
        "|---|---|---|---|---|---|---|",
    ]
    by_code: dict[str, list[type[HubError]]] = {}
    for cls in dict.fromkeys(all_error_classes()):  # a class reached by two parents is listed once
        if cls is not HubError and cls.code == HubError.code:
            continue  # a grouping base (GradingError, MeasuresError): never raised itself
        by_code.setdefault(cls.code, []).append(cls)
    for code, classes in by_code.items():
        first = classes[0]
        names = ", ".join(f"`{cls.__module__}.{cls.__qualname__}`" for cls in classes)
        lines.append(f"| `{code}` | {first.http_status} | {first.exit_code} | "
                     f"{'yes' if first.retryable else 'no'} | {first.summary} | {names} | {message_zh(code)} |")
    lines += ["", "GraphQL's own request errors (the query is not run):", "", "| code | when | messageZh |",
              "|---|---|---|"]
    lines += [f"| `{code}` | {when} | {message_zh(code)} |" for code, when in request_codes.items()]
    return "\n".join(lines) + "\n"
