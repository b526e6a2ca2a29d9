"""Error codes the API returns in ``extensions.code``, and the policy that keeps internals out.

Every error a client sees carries a code and a message that says what is wrong. Anything that is
not one of ours — a bug — is logged with a reference and reaches the client only as
``INTERNAL_ERROR`` with that reference: never a stack trace, never a driver message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from enum import StrEnum

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from hub.codes import InvalidCode
from hub.db.gateway import DatabaseUnavailable
from hub.exchange.service import Busy, ExchangeInputError, NotAPeer
from hub.exchange.signing import BatchRefused
from hub.grading.schemes import GradingError, UnknownScheme
from hub.inspections import InspectionError
from hub.rights.objections import ObjectionError
from hub.rights.repair import RepairError
from hub.rights.report_pdf import ReportFontMissing
from hub.service import InvalidInput, NotFound
from hub.supervision.draw import DrawError
from hub.supervision.measures import MeasuresError

log = logging.getLogger("hub.graphql")


class ErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BATCH_REFUSED = "BATCH_REFUSED"  # a signed batch that does not verify or is not for this hub
    BUSY = "BUSY"  # back-pressure: retry after extensions.retryAfter seconds


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.FORBIDDEN.value})


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.BAD_USER_INPUT.value})


_KNOWN: tuple[tuple[type[BaseException], ErrorCode], ...] = (
    (UnknownScheme, ErrorCode.NOT_FOUND),
    (GradingError, ErrorCode.BAD_USER_INPUT),
    (InspectionError, ErrorCode.BAD_USER_INPUT),
    (ObjectionError, ErrorCode.BAD_USER_INPUT),
    (RepairError, ErrorCode.BAD_USER_INPUT),
    (ReportFontMissing, ErrorCode.INTERNAL_ERROR),
    (DrawError, ErrorCode.BAD_USER_INPUT),
    (MeasuresError, ErrorCode.BAD_USER_INPUT),
    (InvalidCode, ErrorCode.BAD_USER_INPUT),
    (InvalidInput, ErrorCode.BAD_USER_INPUT),
    (NotFound, ErrorCode.NOT_FOUND),
    (DatabaseUnavailable, ErrorCode.DATABASE_UNAVAILABLE),
    (NotAPeer, ErrorCode.FORBIDDEN),
    (ExchangeInputError, ErrorCode.BAD_USER_INPUT),
    (BatchRefused, ErrorCode.BATCH_REFUSED),
)


def classify(error: GraphQLError) -> GraphQLError:
    """Give every error a code; replace unexpected ones by a reference."""
    original = error.original_error
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        return _with_code(error, error.message, ErrorCode.GRAPHQL_VALIDATION_FAILED)
    if isinstance(original, GraphQLError) and original.extensions and original.extensions.get("code"):
        return _with_code(error, original.message, ErrorCode(original.extensions["code"]))
    if isinstance(original, Busy):
        return _with_code(error, str(original), ErrorCode.BUSY, retryAfter=original.retry_after_s)
    for kind, code in _KNOWN:
        if isinstance(original, kind):
            return _with_code(error, str(original), code)
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (reference %s) at %s", reference, error.path,
              exc_info=(type(original), original, original.__traceback__))
    return _with_code(error, f"internal error (reference {reference})", ErrorCode.INTERNAL_ERROR)


def _with_code(error: GraphQLError, message: str, code: ErrorCode, **extra: object) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None,
                        extensions={"code": code.value, **extra})


class ErrorPolicy(SchemaExtension):
    """Runs after execution and validation: every error gets its code, internals are masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [classify(error) for error in errors]
        if self.execution_context.pre_execution_errors:
            self.execution_context.pre_execution_errors = [
                classify(error) for error in self.execution_context.pre_execution_errors]
