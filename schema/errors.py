"""GraphQL's one mapping of the error tree (hub.errors) onto ``extensions.code``, and the policy that
keeps internals out.

Every error a client sees carries a code from docs/errors.md, a message that says what is wrong, and
``messageZh``, its code's sentence in Chinese (hub/messages_zh.py).
A :class:`hub.errors.HubError` brings its own code (and extensions such as ``retryAfter``); GraphQL's
own request errors — syntax, validation, limits — are ``GRAPHQL_PARSE_FAILED`` or
``GRAPHQL_VALIDATION_FAILED``. Anything else is a bug: it is logged with a reference and reaches the
client only as ``INTERNAL_ERROR`` with that reference — never a stack trace, never a driver message.
"""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError

from hub.errors import BadInput, Forbidden, HubError
from hub.messages_zh import message_zh

log = logging.getLogger("hub.graphql")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
REQUEST_CODES = {
    PARSE_FAILED: "the query text is not GraphQL (a syntax error, with its line and column)",
    VALIDATION_FAILED: "the query names a field or argument the schema does not have, or breaks a limit "
                       "(depth, aliases, tokens)",
}


def forbidden(message: str) -> GraphQLError:
    return graphql_error(Forbidden(message))


def bad_input(message: str) -> GraphQLError:
    return graphql_error(BadInput(message))


def graphql_error(error: HubError) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": error.code, "messageZh": message_zh(error.code),
                                                **error.extensions()})


def expected(error: BaseException) -> bool:
    """Whether an error is answered by its code — the hub's own on purpose, a refusal, bad input, graphql-core's —
    rather than replaced by a reference and logged with its traceback (:func:`classify`)."""
    original = error.original_error if isinstance(error, GraphQLError) else error
    return (original is None or isinstance(original, GraphQLError)
            or (isinstance(original, HubError) and type(original) is not HubError))


def classify(error: GraphQLError) -> GraphQLError:
    """Give every error a code; replace unexpected ones by a reference."""
    original = error.original_error
    if not expected(error):
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error (reference %s) at %s", reference, error.path,
                  exc_info=original)
        return _with_code(error, f"internal error (reference {reference})", HubError.code)
    if original is None:
        if error.extensions and "code" in error.extensions:
            return _with_code(error, error.message, str(error.extensions["code"]),
                              **{k: v for k, v in error.extensions.items() if k != "code"})
        code = PARSE_FAILED if error.message.startswith("Syntax Error") else VALIDATION_FAILED
        return _with_code(error, error.message, code)
    if isinstance(original, GraphQLError) and original.extensions and original.extensions.get("code"):
        return _with_code(error, original.message, str(original.extensions["code"]),
                          **{k: v for k, v in original.extensions.items() if k != "code"})
    if isinstance(original, GraphQLError):  # graphql-core's own: a variable's value does not fit its type
        return _with_code(error, error.message, BadInput.code)
    assert isinstance(original, HubError)  # expected(): the hub's own, raised on purpose
    return _with_code(error, str(original), original.code, **original.extensions())


def _with_code(error: GraphQLError, message: str, code: str, **extra: object) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None,
                        extensions={"code": code, "messageZh": message_zh(code), **extra})


def _print_document() -> None:
    """``python -m schema.errors``: docs/errors.md from the error tree, every module loaded."""
    import importlib
    import pkgutil

    import connectors
    import hub
    from hub.errors import document

    for package in (hub, connectors):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    print(document(REQUEST_CODES), end="")


if __name__ == "__main__":
    _print_document()
