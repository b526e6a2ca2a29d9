"""What a clerk reads is in Chinese: every documented error code has its sentence, and every door sends it
as ``extensions.messageZh`` beside the English message."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hub.messages_zh import MESSAGE_ZH
from hub.settings import Settings
from tests.builders import bearer, uscc

DOC = Path("docs/errors.md")
CJK = re.compile(r"[\u4e00-\u9fff]")
SUBJECT = uscc(7500, region="410524")  # 林州市: a code no module stores; the tests below read nothing of it


def documented_codes() -> set[str]:
    """The codes of docs/errors.md's tables (tests/test_errors.py keeps it equal to the error tree)."""
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_documented_code_has_a_chinese_message() -> None:
    codes = documented_codes()
    assert len(codes) >= 25
    missing = sorted(code for code in codes if not CJK.search(MESSAGE_ZH.get(code, "")))
    assert missing == [], f"add a Chinese sentence to hub/messages_zh.py for {missing}"


def test_the_table_names_no_code_the_hub_does_not_have() -> None:
    assert sorted(set(MESSAGE_ZH) - documented_codes()) == []


async def graphql(client: httpx.AsyncClient, body: dict[str, object], headers: dict[str, str] | None = None,
                  **extra: str) -> tuple[int, dict[str, object]]:
    response = await client.post("/graphql", json=body, headers={**(headers or {}), **extra})
    return response.status_code, response.json()["errors"][0]


# A resolver's HubError; an invalid code says its exact rule (hub.codes.InvalidCode.zh) rather than the code's
# general sentence.
_BAD_CODE_ZH = "统一社会信用代码「not-a-code」无效：共 10 位，GB 32100 规定为 18 位"


@pytest.mark.parametrize(("body", "code", "said"), [
    ({"query": "{ subject(uscc: \"not-a-code\") { uscc } }"}, "BAD_USER_INPUT", _BAD_CODE_ZH),
    ({"query": f"{{ subject(uscc: \"{SUBJECT}\") {{ noSuchField }} }}"},
     "GRAPHQL_VALIDATION_FAILED", None),
    ({"query": "{ subject(uscc: "}, "GRAPHQL_PARSE_FAILED", None),
    ({"documentId": "sha256:" + "0" * 64}, "PERSISTED_QUERY_NOT_FOUND", None),  # refused by the HTTP door
    ({"query": "{ warnings(first: 1) { totalCount } }"}, "FORBIDDEN", None),  # a tier refusal
])
async def test_each_door_sends_the_chinese_beside_the_english(client: httpx.AsyncClient, body: dict[str, object],
                                                              code: str, said: str | None) -> None:
    _, error = await graphql(client, body)
    extensions = error["extensions"]
    assert isinstance(extensions, dict) and extensions["code"] == code
    assert extensions["messageZh"] == (said or MESSAGE_ZH[code])  # None: the code's sentence in hub/messages_zh.py
    assert re.search(r"[A-Za-z]{4,} [A-Za-z]+", str(error["message"]))  # the English message stays, for logs


async def test_a_refused_field_and_a_bad_token_in_chinese_too(client: httpx.AsyncClient, settings: Settings) -> None:
    bank = bearer(settings, "bank", "林州市测试银行")
    _, refused = await graphql(client, {"query": "{ warnings(first: 1) { totalCount } }"}, bank)
    assert refused["extensions"] == {"code": "FORBIDDEN", "messageZh": MESSAGE_ZH["FORBIDDEN"]}
    status, forged = await graphql(client, {"query": "{ __typename }"}, Authorization="Bearer not.a.token")
    assert status == 401 and forged["extensions"] == {"code": "UNAUTHENTICATED",
                                                      "messageZh": MESSAGE_ZH["UNAUTHENTICATED"]}
    response = await client.post("/graphql", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["messageZh"] == MESSAGE_ZH["UNSUPPORTED_MEDIA_TYPE"]
