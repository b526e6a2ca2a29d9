"""What `pip install .` installs (the Docker image does exactly that): every file the product reads at run
time — schemes, measures, warning rules, policies, the pages' assets — must be package data, or the
installed hub starts without it (the warning rules were missing until this test)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).parents[1]
BUILD_ONLY = {".npmrc", "package.json", "package-lock.json"}  # npm's, for vendoring the assets (hub.web.npm_vendor)


def test_every_file_the_product_reads_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = []
    for room in ("hub", "schema", "connectors"):
        for path in (ROOT / room).rglob("*"):
            if (not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts
                    or path.name in BUILD_ONLY):
                continue
            relative = path.relative_to(ROOT)
            packaged = any(
                relative.is_relative_to(package.replace(".", "/"))
                and any(fnmatch(str(relative.relative_to(package.replace(".", "/"))), pattern) for pattern in patterns)
                for package, patterns in config.items())
            if not packaged:
                missing.append(str(relative))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
