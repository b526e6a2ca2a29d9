"""GraphiQL's files are the hub's own: pinned, checked, served with their types and caching."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from hub.web import graphiql
from hub.web.graphiql import CONTENT_SECURITY_POLICY, GraphiQLFiles, GraphiQLFilesDamaged
from hub.web.graphiql.vendor import FILES

HERE = Path(graphiql.__file__).parent
MANIFEST = json.loads((HERE / "assets" / "MANIFEST.json").read_text())
LOCK = json.loads((HERE / "package-lock.json").read_text())
PACKAGE = json.loads((HERE / "package.json").read_text())


def test_the_manifest_lists_every_vendored_file_with_its_digest() -> None:
    assert set(MANIFEST["files"]) == set(FILES)
    for name, entry in MANIFEST["files"].items():
        body = (HERE / "assets" / name).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["bytes"], name
        assert (entry["package"], entry["path"]) == FILES[name]


def test_versions_are_pinned_and_agree_with_the_lock() -> None:
    for package, version in PACKAGE["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{package} is not pinned exactly: {version}"
        locked = LOCK["packages"][f"node_modules/{package}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")
        assert MANIFEST["packages"][package] == version
    assert LOCK["packages"][""]["dependencies"] == PACKAGE["dependencies"]


def test_no_registry_is_named_in_the_npm_files() -> None:
    # npm finds its registry in its own configuration: the lock keeps versions and hashes only
    assert all("resolved" not in entry for entry in LOCK["packages"].values())
    settings = [line for line in (HERE / ".npmrc").read_text().splitlines() if line and not line.startswith("#")]
    assert not any(line.startswith(("registry", "@")) or "://" in line for line in settings), settings


def test_a_damaged_file_stops_the_hub(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in [*FILES, "MANIFEST.json"]:
        (assets / name).write_bytes((HERE / "assets" / name).read_bytes())
    GraphiQLFiles(assets)  # an intact copy loads
    (assets / "graphiql.min.js").write_bytes(b"alert('altered')")
    with pytest.raises(GraphiQLFilesDamaged, match=r"graphiql\.min\.js is missing or altered"):
        GraphiQLFiles(assets)


async def test_the_page_loads_only_from_the_hub(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert len(sources) == 9 and all(s.startswith("/graphiql/") or s == "data:," for s in sources), sources
    assert "//" not in "".join(sources)


@pytest.mark.parametrize(("name", "media_type"), [
    ("graphiql.min.js", "text/javascript; charset=utf-8"), ("graphiql.min.css", "text/css; charset=utf-8"),
    ("react.production.min.js", "text/javascript; charset=utf-8"), ("start.js", "text/javascript; charset=utf-8"),
    ("plugin-explorer.css", "text/css; charset=utf-8")])
async def test_files_are_served_with_their_type_and_cached_by_digest(client: httpx.AsyncClient, name: str,
                                                                     media_type: str) -> None:
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    [url] = re.findall(rf'"(/graphiql/{re.escape(name)}\?v=[0-9a-f]{{16}})"', page)
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == media_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    unversioned = await client.get(f"/graphiql/{name}")
    assert unversioned.headers["cache-control"] == "no-cache" and unversioned.content == response.content
    again = await client.get(f"/graphiql/{name}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("name", ["MANIFEST.json", "../page.html", "licenses", "nothing.js", "vendor.py"])
async def test_only_the_listed_files_are_served(client: httpx.AsyncClient, name: str) -> None:
    assert (await client.get(f"/graphiql/{name}")).status_code == 404


def test_the_page_keeps_headers_out_of_storage() -> None:
    start = (HERE / "start.js").read_text()
    assert "shouldPersistHeaders: false" in start and "storage: storage" in start
