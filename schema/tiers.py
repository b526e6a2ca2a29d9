"""The one tier mechanism. Every guarded field of the schema resolves through :func:`_guard`.

Two kinds of rule, both decided by :class:`hub.disclosure.Access` (the domain's single rule):

- **field rules** (:data:`FIELD_RULES`): a named field needs a tier or a role — for example
  ``Subject.riskClassification`` is INTERNAL, ``Subject.legalRepresentative`` is AUTHORIZED with
  the LEGAL_REPRESENTATIVE consent scope. A refused field resolves to null with an error whose
  ``extensions.code`` is ``FORBIDDEN``.
- **item rules**: every field whose type is a *disclosed* type (:data:`DISCLOSED_TYPES`: records and
  evaluations, which carry their own tier) is filtered — a list silently omits what the viewer may
  not see; a single item the viewer may not see is null with FORBIDDEN.

:func:`install` wraps resolvers on the built graphql-core schema, once, at start-up. It finds the
fields by type, so a new field returning a ``Record`` anywhere is guarded without anyone
remembering to. The cost is one check per guarded field and one pass per list — never a hook on
every scalar of every item (the reason this is not a strawberry permission class or a
``SchemaExtension.resolve``, which run per field per item).

Introspection: :func:`install` also wraps ``__Type.fields`` so that a viewer is not shown the
fields it can never be given (internal-only fields for the public and banks, role-restricted
mutations for other roles). One executable schema is kept on purpose: building a schema per tier
would turn the SPEC's "null with FORBIDDEN" into a validation error that fails a whole query for
a public client that a bank could send, and would triple start-up and cache memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_named_type,
    is_list_type,
    is_non_null_type,
)
from graphql.type.introspection import introspection_types

from hub.disclosure import (
    Access,
    ConsentScope,
    DisclosedItem,
    Disclosure,
    Requirement,
    Role,
    Tier,
    Viewer,
)
from schema.errors import forbidden

_WRITERS = frozenset({Role.ADMIN, Role.PLATFORM})
_SUPERVISORS = frozenset({Role.AGENCY, Role.ADMIN})
_PLATFORMS = frozenset({Role.PLATFORM})
# A subject acts through the platform or an agency (SPEC 2.5); the credit office may file for it too.
_ON_BEHALF = frozenset({Role.PLATFORM, Role.AGENCY, Role.ADMIN})
_SUPERVISION = Requirement(Disclosure.PUBLIC, roles=_SUPERVISORS)
_WARNINGS = Requirement(Disclosure.INTERNAL, reason="warnings are for government departments (内部使用)")

# (GraphQL type, field) → what the field asks of its viewer. Unknown keys fail at start-up.
FIELD_RULES: dict[tuple[str, str], Requirement] = {
    ("Subject", "legalRepresentative"): Requirement(
        Disclosure.AUTHORIZED, ConsentScope.LEGAL_REPRESENTATIVE,
        reason="legal representatives are natural persons (SPEC 2.5)"),
    ("Subject", "riskClassification"): Requirement(
        Disclosure.INTERNAL,
        reason="seed 004 第六条: SAMR risk classes are shared with government departments only"),
    ("CreditReport", "legalRepresentative"): Requirement(
        Disclosure.AUTHORIZED, ConsentScope.LEGAL_REPRESENTATIVE,
        reason="legal representatives are natural persons (SPEC 2.5)"),
    ("Query", "creditReport"): Requirement(
        Disclosure.AUTHORIZED, reason="a credit report is for a bank the subject authorized, or government"),
    ("Person", "idNumber"): Requirement(
        Disclosure.INTERNAL, reason="resident ID numbers are never shown whole outside government"),
    ("Query", "reviewFlags"): Requirement(
        Disclosure.INTERNAL, reason="grade discrepancies are reviewed between departments (seed 001)"),
    ("Subject", "measures"): Requirement(
        Disclosure.INTERNAL, reason="measures lists are applied by government departments"),
    ("Query", "inspectionPlans"): Requirement(
        Disclosure.INTERNAL, reason="a plan's population and rules are internal until results are published"),
    ("Draw", "assignments"): Requirement(
        Disclosure.INTERNAL, reason="targets and inspectors are internal until inspected (双随机)"),
    ("Mutation", "createInspectionPlan"): _SUPERVISION,
    ("Mutation", "setInspectors"): _SUPERVISION,
    ("Mutation", "commitDraw"): _SUPERVISION,
    ("Mutation", "freezeDraw"): _SUPERVISION,
    ("Mutation", "revealDraw"): _SUPERVISION,
    ("Mutation", "recordInspectionResult"): _SUPERVISION,
    ("Query", "objections"): Requirement(Disclosure.INTERNAL, reason="objections are handled by departments"),
    ("Query", "overdueObjections"): Requirement(Disclosure.INTERNAL, reason="objections are handled by departments"),
    ("Query", "outbox"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    ("Query", "departmentReporting"): Requirement(
        Disclosure.INTERNAL, reason="the credit office's oversight of departments' reporting (seed 004 §一.(二))"),
    ("Mutation", "fileObjection"): Requirement(Disclosure.PUBLIC, roles=_ON_BEHALF),
    ("Mutation", "resolveObjection"): _SUPERVISION,
    ("Mutation", "applyForCreditRepair"): Requirement(Disclosure.PUBLIC, roles=_ON_BEHALF),
    ("Mutation", "decideCreditRepair"): _SUPERVISION,
    ("Mutation", "grantConsent"): Requirement(Disclosure.PUBLIC, roles=_WRITERS),
    ("Mutation", "revokeConsent"): Requirement(Disclosure.PUBLIC, roles=_WRITERS),
    # seed 002 §三.(四).1 "谁评价谁共享": between government credit platforms, each a PLATFORM token
    ("Query", "changes"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    ("Mutation", "pushChanges"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    ("Mutation", "acknowledgeChanges"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    ("Query", "deadLetters"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    ("Query", "syncStatus"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    # 信用预警 (docs/warnings.md): warnings are for the departments that must act (seed 001 §二.(四).1 监管预警结果
    # 为各政府部门集中提供查询服务); deciding one is further its routed department's (hub.warnings.service).
    ("Query", "warnings"): _WARNINGS,
    ("Query", "warning"): _WARNINGS,
    ("Query", "warningRules"): _WARNINGS,
    ("Query", "warningStreamCursor"): _WARNINGS,
    ("Query", "relatedParties"): Requirement(
        Disclosure.INTERNAL, reason="links through legal representatives, natural persons (SPEC 2.5)"),
    ("Subscription", "warnings"): _WARNINGS,
    ("Mutation", "acknowledgeWarning"): _SUPERVISION,
    ("Mutation", "handleWarning"): _SUPERVISION,
    ("Mutation", "dismissWarning"): _SUPERVISION,
}

# GraphQL types whose objects carry their own disclosure tier (hub.disclosure.DisclosedItem).
DISCLOSED_TYPES = frozenset({"Record", "Evaluation"})

Resolver = Callable[..., Any]


class TierContext:
    """What the mechanism needs from a request's context (schema.context.HubContext has it)."""

    viewer: Viewer

    def access_for(self, subject_uscc: str | None) -> Any:  # -> hub.disclosure.Access
        raise NotImplementedError

    async def access_for_code(self, uscc: str) -> Any:  # -> hub.disclosure.Access
        raise NotImplementedError


def install(schema: GraphQLSchema) -> None:
    """Wrap every guarded field's resolver and the introspection of fields. Call once."""
    unknown = [key for key in FIELD_RULES if not _has_field(schema, *key)]
    if unknown:
        raise RuntimeError(f"FIELD_RULES name fields the schema does not have: {unknown}")
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            rule = FIELD_RULES.get((type_.name, name))
            filters = get_named_type(field.type).name in DISCLOSED_TYPES
            if rule is not None or filters:
                assert field.resolve is not None, f"{type_.name}.{name} has no resolver"
                field.resolve = _guard(field.resolve, f"{type_.name}.{name}", rule, filters,
                                       is_list_type(_nullable(field.type)))
            if rule is not None and field.subscribe is not None:
                field.subscribe = _guard_subscribe(field.subscribe, f"{type_.name}.{name}", rule)
    _hide_unreachable_fields_from_introspection()


def _guard(resolve: Resolver, what: str, rule: Requirement | None, filters: bool,
           returns_list: bool) -> Resolver:
    async def guarded_by_argument(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        # A root field about one subject (creditReport): its consents are loaded before the check.
        context: TierContext = info.context
        access = await context.access_for_code(args["uscc"])
        assert rule is not None
        if not access.allows(rule):
            access.note_denied(what)
            raise forbidden(access.refusal(rule, what))
        access.note_use(Tier.of(rule.disclosure))
        result = resolve(root, info, **args)
        return await result if isawaitable(result) else result

    def guarded(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        context: TierContext = info.context
        if rule is not None and root is None and "uscc" in args:
            return guarded_by_argument(root, info, **args)
        if rule is not None:
            access = context.access_for(getattr(root, "subject_uscc", None))
            if not access.allows(rule):
                access.note_denied(what)
                raise forbidden(access.refusal(rule, what))
            access.note_use(Tier.of(rule.disclosure))
        result = resolve(root, info, **args)
        if not filters:
            return result
        if isawaitable(result):
            return _filter_later(result, context, what, returns_list)
        return _filter(result, context, what, returns_list)

    return guarded


def _guard_subscribe(subscribe: Resolver, what: str, rule: Requirement) -> Resolver:
    """A subscription is refused before its stream opens (its events are guarded again as they resolve)."""

    def guarded(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        access = info.context.access_for(None)
        if not access.allows(rule):
            access.note_denied(what)
            raise forbidden(access.refusal(rule, what))
        access.note_use(Tier.of(rule.disclosure))
        return subscribe(root, info, **args)

    return guarded


def refusal(viewer: Viewer, type_name: str, field_name: str, today: date) -> str | None:
    """Why ``viewer`` may never be given this field, or None when it may (a WebSocket's connection_init
    asks this of the subscription before accepting the connection)."""
    rule = FIELD_RULES[(type_name, field_name)]
    access = Access(viewer, None, today)
    return None if access.allows(rule) else access.refusal(rule, f"{type_name}.{field_name}")


async def _filter_later(pending: Awaitable[Any], context: TierContext, what: str,
                        returns_list: bool) -> Any:
    return _filter(await pending, context, what, returns_list)


def _filter(result: Any, context: TierContext, what: str, returns_list: bool) -> Any:
    if result is None:
        return None
    if returns_list:
        return [item for item in result if _visible(context, item)]
    if not _visible(context, result):
        access = context.access_for(result.subject_uscc)
        access.note_denied(what)
        raise forbidden(access.refusal(Requirement(result.disclosure, result.consent_scope), what))
    return result


def _visible(context: TierContext, item: DisclosedItem) -> bool:
    access = context.access_for(item.subject_uscc)
    if not access.may_see(item):
        return False
    access.note_use(Tier.of(item.disclosure))
    return True


def visible(context: TierContext, items: Iterable[Any]) -> list[Any]:
    """The item rule, for a resolver that renders items itself (the PDF report)."""
    return [item for item in items if _visible(context, item)]


def field_allowed(context: TierContext, type_name: str, field_name: str, subject_uscc: str) -> bool:
    """A field rule, for a resolver that renders the field itself; refusals are audited as usual."""
    rule = FIELD_RULES[(type_name, field_name)]
    access = context.access_for(subject_uscc)
    if not access.allows(rule):
        access.note_denied(f"{type_name}.{field_name}")
        return False
    access.note_use(Tier.of(rule.disclosure))
    return True


def _hide_unreachable_fields_from_introspection() -> None:
    """``__Type.fields`` lists only the fields this request's viewer could ever be given."""
    type_ = introspection_types["__Type"]
    assert isinstance(type_, GraphQLObjectType)
    field = type_.fields["fields"]
    original = field.resolve
    if getattr(original, "_tier_aware", False):
        return

    def fields(type_: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        items = original(type_, info, **args)  # type: ignore[misc]
        viewer = getattr(info.context, "viewer", None)
        if items is None or not isinstance(viewer, Viewer):
            return items
        return [(name, f) for name, f in items if _reachable(viewer, type_.name, name)]

    fields._tier_aware = True  # type: ignore[attr-defined]
    field.resolve = fields


def _reachable(viewer: Viewer, type_name: str, field_name: str) -> bool:
    rule = FIELD_RULES.get((type_name, field_name))
    if rule is None:
        return True
    if rule.roles is not None and viewer.role not in rule.roles:
        return False
    return viewer.is_internal or rule.disclosure is not Disclosure.INTERNAL


def _has_field(schema: GraphQLSchema, type_name: str, field_name: str) -> bool:
    type_ = schema.type_map.get(type_name)
    return isinstance(type_, GraphQLObjectType) and field_name in type_.fields


def _nullable(type_: Any) -> Any:
    return type_.of_type if is_non_null_type(type_) else type_


def guarded_fields(schema: GraphQLSchema) -> Iterable[str]:
    """Names of the fields the mechanism wraps (for tests and docs)."""
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                if (type_.name, name) in FIELD_RULES or (
                        get_named_type(field.type).name in DISCLOSED_TYPES):
                    yield f"{type_.name}.{name}"


__all__ = ["DISCLOSED_TYPES", "FIELD_RULES", "GraphQLError", "guarded_fields", "install"]
