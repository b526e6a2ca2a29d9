"""GraphiQL, with the explorer plugin, served from the hub's own files: offline first, no CDN.

``GET /graphql`` from a browser gets :func:`GraphiQLFiles.page`; its scripts and stylesheets come
from ``/graphiql/<name>?v=<digest>``: the pinned GraphiQL, React, ReactDOM and explorer files that
``python -m hub.web.graphiql.vendor`` copied into ``assets/`` (``assets/MANIFEST.json`` names each
one's package, version and SHA-256; a file that does not match stops the hub at start), and the
hub's own ``start.js`` and ``page.css``.

Caching: an asset asked for with its digest (as the page asks) is immutable for a year; without
it, or with another, it must be revalidated (``ETag``). The page itself is never cached, and its
Content-Security-Policy lets it load and connect to this origin only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from hub.errors import ConfigurationError
from hub.web import npm_vendor

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
MANIFEST = ASSETS / "MANIFEST.json"
PREFIX = "/graphiql/"

_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Scripts in load order (GraphiQL needs React and ReactDOM as globals; the plugin needs GraphiQL).
_SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "plugin-explorer.umd.js",
            "start.js")
_STYLESHEETS = ("graphiql.min.css", "plugin-explorer.css", "page.css")
_OWN = ("start.js", "page.css")
# GraphiQL and React set inline styles; everything else, scripts included, comes from this origin.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")
_SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class GraphiQLFilesDamaged(ConfigurationError):
    """A vendored GraphiQL file is missing or differs from assets/MANIFEST.json."""


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    media_type: str
    digest: str  # SHA-256, hex

    @property
    def url(self) -> str:
        return f"{PREFIX}{self.name}?v={self.digest[:16]}"


class GraphiQLFiles:
    """The files, read and checked once; the page and the asset endpoint."""

    def __init__(self, assets: Path = ASSETS) -> None:
        self.assets: dict[str, Asset] = {}
        for name, body, digest in npm_vendor.checked(assets, GraphiQLFilesDamaged,
                                                     "run `make graphiql` to vendor it again"):
            self.assets[name] = Asset(name, body, _media_type(name), digest)
        for name in _OWN:
            body = (HERE / name).read_bytes()
            self.assets[name] = Asset(name, body, _media_type(name), hashlib.sha256(body).hexdigest())
        template = (HERE / "page.html").read_text()
        self._page = (template
                      .replace("{stylesheets}", "\n".join(f'<link rel="stylesheet" href="{self.assets[n].url}">'
                                                          for n in _STYLESHEETS))
                      .replace("{scripts}", "\n".join(f'<script src="{self.assets[n].url}"></script>'
                                                      for n in _SCRIPTS)))

    def page(self) -> Response:
        return HTMLResponse(self._page, headers={
            "Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY, **_SECURITY})

    async def asset(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        if asset is None:
            return PlainTextResponse("no such GraphiQL file", status_code=404, headers=_SECURITY)
        etag = f'"{asset.digest[:32]}"'
        versioned = request.query_params.get("v") == asset.digest[:16]
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable" if versioned else "no-cache",
                   **_SECURITY}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)


def _media_type(name: str) -> str:
    return _MEDIA_TYPES[Path(name).suffix]
