"""`python -m schema` prints the SDL (committed as schema/schema.graphql, checked by a test)."""

from __future__ import annotations

import sys

from hub.settings import Settings
from schema.build import build_schema, print_sdl

sys.stdout.write(print_sdl(build_schema(Settings())))
