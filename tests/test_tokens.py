"""Who is calling: forged, tampered, alg-none, expired and garbage tokens are HTTP 401."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from hub.auth import AUDIENCE, InvalidToken, issue_token, verify_token
from hub.disclosure import Role
from hub.settings import Settings
from tests.builders import token

QUERY = {"query": "{ subjects(first: 1) { nodes { uscc } } }"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def _status(client: httpx.AsyncClient, authorization: str) -> httpx.Response:
    return await client.post("/graphql", json=QUERY, headers={"Authorization": authorization})


async def test_a_valid_token_is_accepted(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await _status(client, f"Bearer {token(settings, 'bank', '测试银行甲')}")
    assert response.status_code == 200


async def test_no_header_is_public(client: httpx.AsyncClient) -> None:
    assert (await client.post("/graphql", json=QUERY)).status_code == 200


@pytest.mark.parametrize(("make", "message"), [
    (lambda s: jwt.encode({"role": "admin", "org": "x", "sub": "x", "iss": s.jwt_issuer,
                           "aud": AUDIENCE, "iat": int(time.time()),
                           "exp": int(time.time()) + 600}, "another-key-" + "z" * 40,
                          algorithm="HS256"), "forged or tampered"),
    (lambda s: _tamper(token(s, "bank", "测试银行甲")), "forged or tampered"),
    (lambda s: _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(
        {"role": "admin", "org": "x", "sub": "x"}) + ".", "algorithm 'none' is not accepted"),
    (lambda s: token(s, "agency", "县市场监管局", ttl=1, now=time.time() - 3600), "expired"),
    (lambda s: "not-a-token", "not a JWT"),
    (lambda s: jwt.encode({"role": "admin"}, s.jwt_key * 2, algorithm="HS512"),
     "'HS512' is not accepted"),
], ids=["forged", "tampered", "alg-none", "expired", "garbage", "other-alg"])
async def test_bad_tokens_are_401_with_a_clear_message(
        client: httpx.AsyncClient, settings: Settings, make, message: str) -> None:  # type: ignore[no-untyped-def]
    response = await _status(client, f"Bearer {make(settings)}")
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert message in error["message"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    response = await _status(client, "Basic dXNlcjpwYXNz")
    assert response.status_code == 401


def _tamper(value: str) -> str:
    header, payload, signature = value.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return f"{header}.{_b64(claims)}.{signature}"


def test_tokens_round_trip_and_carry_the_caller() -> None:
    key = "k" * 40
    viewer = verify_token(key, "hub", issue_token(key, "hub", role=Role.AGENCY, org="县市场监管局",
                                                  department="410425-SCJG"))
    assert (viewer.role, viewer.org, viewer.department) == (Role.AGENCY, "县市场监管局", "410425-SCJG")


def test_a_non_public_token_must_name_its_org() -> None:
    with pytest.raises(ValueError, match="must name its organization"):
        issue_token("k" * 40, "hub", role=Role.BANK, org=None)
    forged_without_org = jwt.encode({"role": "bank", "sub": "x", "iss": "hub", "aud": AUDIENCE,
                                     "iat": int(time.time()), "exp": int(time.time()) + 60},
                                    "k" * 40, algorithm="HS256")
    with pytest.raises(InvalidToken, match="must name its organization"):
        verify_token("k" * 40, "hub", forged_without_org)
