"""Who is calling: forged, tampered, alg-none, expired and garbage tokens are HTTP 401."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from pathlib import Path

import httpx
import jwt
import pytest

from hub.app import create_app
from hub.auth import AUDIENCE, InvalidToken, VerifiedTokens, issue_token, verify_token, verify_token_until
from hub.db.server import Neo4jCredentials
from hub.disclosure import Role
from hub.keyring import Keyring, key_id
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import cli_env, hub_command, token

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
        client: httpx.AsyncClient, settings: Settings, make, message: str) -> None:
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


# --- lifetime, key ids and rotation ------------------------------------------------------------------

def test_issuing_beyond_the_maximum_lifetime_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="longer than the maximum token lifetime of 3600 seconds"):
        issue_token(settings.jwt_keyring, "hub", role=Role.BANK, org="某银行", ttl_s=3601, max_ttl_s=3600)
    issue_token(settings.jwt_keyring, "hub", role=Role.BANK, org="某银行", ttl_s=3600, max_ttl_s=3600)


async def test_a_token_living_longer_than_the_maximum_is_401(client: httpx.AsyncClient, settings: Settings) -> None:
    too_long = token(settings, "bank", "测试银行甲", ttl=settings.token_max_ttl_s + 1)
    response = await _status(client, f"Bearer {too_long}")
    assert response.status_code == 401
    assert "longer than this hub's maximum token lifetime" in response.json()["errors"][0]["message"]
    at_the_limit = token(settings, "bank", "测试银行甲", ttl=settings.token_max_ttl_s)
    assert (await _status(client, f"Bearer {at_the_limit}")).status_code == 200


def test_the_command_refuses_a_ttl_beyond_the_maximum(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_STATE_DIR": str(tmp_path), "HUB_TOKEN_MAX_TTL": "600", "HUB_TOKEN_TTL": "300"}
    refused = hub_command("token", "issue", "--role", "public", "--ttl", "601", env=env)
    assert refused.returncode == 2
    assert "--ttl 601 is longer than the maximum token lifetime of 600 seconds" in refused.stderr
    unset = {**os.environ, "HUB_STATE_DIR": str(tmp_path), "HUB_TOKEN_TTL": "700", "HUB_TOKEN_MAX_TTL": "600"}
    misconfigured = hub_command("token", "issue", "--role", "public", env=unset)
    assert misconfigured.returncode == 2
    assert misconfigured.stderr.strip() == ("error: HUB_TOKEN_TTL: HUB_TOKEN_TTL=700 must be positive and at most "
                                            "HUB_TOKEN_MAX_TTL=600")


def test_tokens_name_their_key_and_verify_after_a_rotation() -> None:
    old, new = "old-secret-" + "o" * 40, "new-secret-" + "n" * 40
    before = Keyring.of("token", old)
    signed_by_old = issue_token(before, "hub", role=Role.AGENCY, org="县市场监管局", department="410425-SCJG")
    assert jwt.get_unverified_header(signed_by_old)["kid"] == key_id("token", old)

    rotated = Keyring.of("token", new, [old])  # HUB_JWT_SECRET=new, HUB_JWT_PREVIOUS_SECRETS=old
    signed_by_new = issue_token(rotated, "hub", role=Role.BANK, org="某银行")
    assert jwt.get_unverified_header(signed_by_new)["kid"] == key_id("token", new)
    assert verify_token(rotated, "hub", signed_by_old).department == "410425-SCJG"  # still on the ring
    assert verify_token(rotated, "hub", signed_by_new).org == "某银行"

    retired = Keyring.of("token", new)  # the old key taken off the ring
    with pytest.raises(InvalidToken, match=r"signed with key .* which this hub does not hold"):
        verify_token(retired, "hub", signed_by_old)
    legacy = jwt.encode({"role": "bank", "org": "某银行", "sub": "某银行", "iss": "hub", "aud": AUDIENCE,
                         "iat": int(time.time()), "exp": int(time.time()) + 60}, old, algorithm="HS256")
    assert verify_token(rotated, "hub", legacy).org == "某银行"  # no kid: tried against every key on the ring
    with pytest.raises(InvalidToken, match="forged or tampered"):
        verify_token(retired, "hub", legacy)


async def test_a_key_rotated_on_the_command_line_is_honoured_by_a_running_hub(
        tmp_path: Path, neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> None:
    """The generated ring (no HUB_JWT_SECRET): `hub token rotate-key` adds a key that issues from then on;
    a running hub takes it at once (an unknown key id makes it read the ring again), and tokens of the older
    key keep working until `hub token retire-key`, which the running hub sees within the refresh interval."""
    env = {**cli_env(neo4j_credentials, HUB_STATE_DIR=str(tmp_path), HUB_REVOCATION_REFRESH="0")}
    del env["HUB_JWT_SECRET"]
    first = hub_command("token", "issue", "--role", "bank", "--org", "轮换测试银行", env=env)
    assert first.returncode == 0, first.stderr
    assert "token " in first.stderr and "for bank:轮换测试银行" in first.stderr  # the jti, for revoking it
    ring_settings = Settings(**{k: v for k, v in env.items() if k.startswith(("HUB_", "NEO4J_"))})  # type: ignore[arg-type]
    service = CreditHub(ring_settings, hub.gateway)
    app = httpx.ASGITransport(app=create_app(ring_settings, service))
    async with httpx.AsyncClient(transport=app, base_url="http://rotate.test") as client:
        old_token = first.stdout.strip()
        assert (await _status(client, f"Bearer {old_token}")).status_code == 200
        rotated = hub_command("token", "rotate-key", env=env)
        assert rotated.returncode == 0 and "1 older key(s) still verify" in rotated.stdout
        second = hub_command("token", "issue", "--role", "bank", "--org", "轮换测试银行", env=env)
        new_token = second.stdout.strip()
        old_kid = jwt.get_unverified_header(old_token)["kid"]
        assert jwt.get_unverified_header(new_token)["kid"] != old_kid
        assert (await _status(client, f"Bearer {new_token}")).status_code == 200
        assert (await _status(client, f"Bearer {old_token}")).status_code == 200
        keys = hub_command("token", "keys", env=env).stdout.split("\n")
        assert sum("(active)" in line for line in keys) == 1 and any(line == old_kid for line in keys)
        retired = hub_command("token", "retire-key", old_kid, env=env)
        assert retired.returncode == 0, retired.stderr
        await asyncio.sleep(0.05)  # the ring file's new mtime
        refused = await _status(client, f"Bearer {old_token}")
        assert refused.status_code == 401 and "which this hub does not hold" in refused.text
        assert (await _status(client, f"Bearer {new_token}")).status_code == 200
    active = jwt.get_unverified_header(new_token)["kid"]
    cannot = hub_command("token", "retire-key", active, env=env)
    assert cannot.returncode == 2 and "is the active token key; rotate first" in cannot.stderr


def test_issuing_a_token_registers_its_organization(neo4j_credentials: Neo4jCredentials) -> None:
    issued = hub_command("token", "issue", "--role", "bank", "--org", "登记测试银行", env=cli_env(neo4j_credentials))
    assert issued.returncode == 0, issued.stderr
    listed = hub_command("org", "list", "--kind", "bank", env=cli_env(neo4j_credentials))
    assert "bank\t登记测试银行" in listed.stdout.split("\n")


def test_a_verified_token_is_kept_for_its_own_ring_and_until_it_expires() -> None:
    secret = "k" * 40
    ring, rotated = Keyring.of("token", secret), Keyring.of("token", secret)  # same key, a ring loaded again
    short = issue_token(ring, "hub", role=Role.BANK, org="缓存测试银行", ttl_s=1)
    viewer, expires = verify_token_until(ring, "hub", short)
    kept = VerifiedTokens(size=2)
    kept.put(short, ring, viewer, expires)
    assert kept.get(short, ring) == viewer
    assert kept.get(short, rotated) is None  # another ring: verified again, whatever it holds
    kept.put(short, ring, viewer, expires)
    kept.put(short + "x", ring, viewer, int(time.time()) - 6)  # past exp and the 5 s leeway
    assert kept.get(short + "x", ring) is None
    for n in range(3):  # bounded: the oldest goes first
        kept.put(f"t{n}", ring, viewer, expires)
    assert kept.get(short, ring) is None and kept.get("t2", ring) == viewer
