"""Vendoring browser assets through npm, for the pages the hub serves itself (offline first: no CDN).

``npm ci`` installs exactly a folder's ``package-lock.json`` (every package checked against its integrity
hash) in a scratch directory, with that folder's ``.npmrc`` (no install scripts); npm finds its registry in
its own configuration. The chosen files are copied into the folder's ``assets/`` with their packages'
legal files, and ``assets/MANIFEST.json`` names each file's package, version and SHA-256 (checked when the
hub starts). The copies are committed, so an offline machine serves them as they are; vendoring again is
only for changing versions: edit ``package.json``, run ``npm install --package-lock-only`` there, then the
folder's ``vendor`` module (hub/web/graphiql/vendor.py, hub/web/console/vendor.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

NPM_FILES = ("package.json", "package-lock.json", ".npmrc")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vendor(here: Path, files: Mapping[str, tuple[str, str]], *, what: str, module: str,
           legal: Sequence[str] = ("LICENSE*",)) -> dict[str, object]:
    """Copy ``files`` (served name → (npm package, path inside it)) into ``here/assets`` and write the
    manifest; ``legal`` are the glob patterns of each package's files that must travel with its code."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"npm is needed to vendor {what} again (Debian: apt-get install npm); serving the "
                         "committed files needs none")
    assets = here / "assets"
    with tempfile.TemporaryDirectory(prefix="hub-vendor-") as scratch:
        work = Path(scratch)
        for name in NPM_FILES:
            shutil.copy2(here / name, work / name)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=work, check=True)
        modules = work / "node_modules"
        copied: dict[str, object] = {}
        packages: dict[str, str] = {}
        for served, (package, path) in files.items():
            version = json.loads((modules / package / "package.json").read_text())["version"]
            data = (modules / package / path).read_bytes()
            (assets / served).write_bytes(data)
            copied[served] = {"package": package, "version": version, "path": path, "sha256": sha256(data),
                              "bytes": len(data)}
            packages[package] = version
            for pattern in legal:
                source = next((modules / package).glob(pattern), None)
                if source is not None and source.is_file():
                    (assets / "licenses").mkdir(exist_ok=True)
                    shutil.copy2(source, assets / "licenses" / f"{package.replace('/', '__')}.{pattern.rstrip('*')}")
    manifest: dict[str, object] = {"generated_by": f"python -m {module}", "packages": packages, "files": copied}
    (assets / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def report(manifest: Mapping[str, object]) -> None:
    """One line per vendored file, on stderr."""
    files = manifest["files"]
    assert isinstance(files, Mapping)  # as vendor() writes it
    for name, entry in files.items():
        print(f"{name:32} {entry['package']}@{entry['version']}  sha256 {entry['sha256'][:16]}…", file=sys.stderr)


def checked(assets: Path, damaged: type[Exception], remedy: str) -> Iterator[tuple[str, bytes, str]]:
    """Each vendored file as (name, body, SHA-256), read once and checked against the manifest; a file
    missing or altered raises ``damaged`` naming it and the ``remedy``."""
    manifest = json.loads((assets / "MANIFEST.json").read_text())
    for name, entry in manifest["files"].items():
        path = assets / name
        body = path.read_bytes() if path.is_file() else b""
        digest = sha256(body)
        if digest != entry["sha256"]:
            raise damaged(f"{path} is missing or altered: its SHA-256 is not the one in "
                          f"{assets / 'MANIFEST.json'}; {remedy}")
        yield name, body, digest
