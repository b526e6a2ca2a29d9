# Credit Hub — the two commands: `make run` and `make test`.
# Both install what they need into .venv/ first; neither needs anything but python3 ≥ 3.11,
# Java 17 and Maven (installed from Debian's packages when missing and we are root); `make test`
# also drives Debian's Chromium (installed the same way) for the browser tests.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install tools run test lint bench sdl graphiql console-assets clean-db

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

CHROMIUM := /usr/bin/chromium
FONTS := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf

tools:
	@if [ -z "$$NEO4J_URI" ] && ! (command -v java >/dev/null && command -v mvn >/dev/null); then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Java 17 and Maven (needed to fetch and run the local Neo4j)…"; \
	    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null; \
	  else echo "Java 17 and Maven are needed for the local Neo4j (or set NEO4J_URI)"; exit 1; fi; \
	fi
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Chromium (the browser tests drive it with Playwright)…"; \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	      (apt-get update -qq && apt-get install -y -qq chromium >/dev/null); \
	  else echo "the browser tests need Debian's chromium package ($(CHROMIUM))"; exit 1; fi; \
	fi
	@for font in $(FONTS); do [ -f "$$font" ] || missing=1; done; \
	if [ -n "$$missing" ] && [ -z "$$HUB_PDF_FONTS" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing the fonts the PDF credit report embeds (DejaVu, Droid Sans Fallback)…"; \
	    apt-get install -y -qq fonts-dejavu-core fonts-droid-fallback >/dev/null 2>&1 || \
	      (apt-get update -qq && apt-get install -y -qq fonts-dejavu-core fonts-droid-fallback >/dev/null); \
	  else echo "the PDF report needs fonts-dejavu-core and fonts-droid-fallback (or HUB_PDF_FONTS)"; exit 1; fi; \
	fi

run: install tools
	$(BIN)/hub run

test: install tools
	$(BIN)/ruff check hub schema connectors tests bench examples
	$(BIN)/mypy
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check hub schema connectors tests bench examples
	$(BIN)/mypy

bench: install tools
	$(BIN)/python -m bench

sdl: install
	$(BIN)/python -m schema > schema/schema.graphql

# GraphiQL's files, vendored with npm from hub/web/graphiql/package-lock.json (needs npm; the
# result is committed, so serving needs none).
graphiql: install
	$(BIN)/python -m hub.web.graphiql.vendor

# The console's Apache ECharts, vendored the same way from hub/web/console/package-lock.json.
console-assets: install
	$(BIN)/python -m hub.web.console.vendor
