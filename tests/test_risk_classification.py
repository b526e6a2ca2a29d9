"""`riskClassification`: the newest evaluation in force of a market-risk scheme (seed 004 第六条), picked by
the scheme's kind (SchemeKind.MARKET_RISK), not by its id; and the same rule on the domain object."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub import clock
from hub.disclosure import Role, Viewer
from hub.grading.schemes import SchemeKind
from hub.profiles import ProfilePart
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_subject, bearer, gql, remove_subjects, uscc

pytestmark = pytest.mark.usefixtures("china_clock")  # validity is a China date: run at 15:59 and 16:01 UTC

IN_FORCE, EXPIRED, NONE = uscc(945_001), uscc(945_002), uscc(945_003)
QUERY = ("query($u: String!) { subject(uscc: $u) { riskClassification { id scheme grade } "
         "evaluations(current: true) { id } } }")


def test_the_market_risk_schemes_are_known_by_kind(hub: CreditHub) -> None:
    market_risk = hub.schemes.of_kind(SchemeKind.MARKET_RISK)
    assert market_risk == {"henan-market-risk"}
    assert all(hub.schemes.get(scheme_id).kind is SchemeKind.MARKET_RISK for scheme_id in market_risk)
    assert "henan-public-credit" not in market_risk


async def test_risk_classification_is_the_newest_market_risk_evaluation_in_force(
        client: httpx.AsyncClient, hub: CreditHub, settings: Settings) -> None:
    await remove_subjects(hub, [IN_FORCE, EXPIRED, NONE])
    for code in (IN_FORCE, EXPIRED, NONE):
        await add_subject(hub, code)
    await add_evaluation(hub, IN_FORCE, "risk-old", scheme="henan-market-risk", grade="C", disclosure="INTERNAL")
    await add_evaluation(hub, IN_FORCE, "risk-new", scheme="henan-market-risk", grade="A", disclosure="INTERNAL")
    await add_evaluation(hub, IN_FORCE, "risk-credit", scheme="henan-public-credit", grade="良",
                         disclosure="PUBLIC")
    await add_evaluation(hub, EXPIRED, "risk-expired", scheme="henan-market-risk", grade="B", disclosure="INTERNAL",
                         valid_days=-1)
    await add_evaluation(hub, NONE, "risk-none-credit", scheme="henan-public-credit", grade="中",
                         disclosure="PUBLIC")
    agency = bearer(settings, "agency", "郏县市场监管局")

    found = (await gql(client, QUERY, agency, u=IN_FORCE))["data"]["subject"]
    assert found["riskClassification"] == {"id": "risk-new", "scheme": "henan-market-risk", "grade": "A"}
    assert {e["id"] for e in found["evaluations"]} == {"risk-new", "risk-credit"}  # the old one is superseded
    expired = (await gql(client, QUERY, agency, u=EXPIRED))["data"]["subject"]
    assert expired == {"riskClassification": None, "evaluations": []}  # out of validity: not in force
    credit_only = (await gql(client, QUERY, agency, u=NONE))["data"]["subject"]
    assert credit_only["riskClassification"] is None  # a public credit grade is no risk class

    viewer, history = Viewer(Role.AGENCY, "郏县市场监管局"), frozenset({ProfilePart.EVALUATIONS})
    today = clock.today()
    graded = (await hub.profiles([IN_FORCE], history, viewer))[IN_FORCE]
    newest = graded.newest_current(today, hub.schemes.of_kind(SchemeKind.MARKET_RISK))
    assert newest is not None and newest.id == "risk-new"
    lapsed = (await hub.profiles([EXPIRED], history, viewer))[EXPIRED]
    assert lapsed.current_evaluations(today) == []
    assert [e.id for e in lapsed.current_evaluations(today - timedelta(days=1))] == ["risk-expired"]  # its last day
