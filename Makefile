# ClusterBridge - `make run` starts the server, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1

.PHONY: help run test test-fast lint typecheck pytest build bench system-deps node-deps clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

system-deps:  ## Debian packages the tests need (chromium, poppler-utils, qpdf, fonts with CJK, node for axe-core, postgresql), only those missing
	@missing=""; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	  command -v qpdf >/dev/null || missing="$$missing qpdf"; \
	  test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core"; \
	  test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || missing="$$missing fonts-wqy-microhei"; \
	  command -v npm >/dev/null || missing="$$missing npm"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  test -z "$$missing" || { echo "installing:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }

AXE := build/npm/node_modules/axe-core/axe.min.js
$(AXE): | system-deps
	npm install --prefix build/npm --no-audit --no-fund --silent axe-core@4.10.3

node-deps: $(AXE)  ## axe-core from npm, for the accessibility checks of the browser tests

build: $(STAMP)  ## embed the catalogue into models/current
	$(BIN)/clusterbridge build

run: $(STAMP)  ## set up, build the bundle and start the server on the embedded defaults
	$(BIN)/clusterbridge build
	$(BIN)/clusterbridge serve

lint: $(STAMP)  ## ruff, and the layer contracts in pyproject.toml (import-linter)
	$(BIN)/ruff check matcher service cli tests bench scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)  ## mypy --strict on matcher and service
	$(BIN)/mypy

pytest: $(STAMP) system-deps node-deps  ## the test suite, slow and browser tests included
	$(BIN)/pytest

test: lint typecheck pytest  ## set up and run every check (what CI runs)

test-fast: $(STAMP) system-deps  ## the quick loop: no slow or browser tests (about a minute)
	$(BIN)/pytest -m "not slow and not browser"

bench: $(STAMP)  ## the benchmark table (10,000 synthetic profiles)
	$(BIN)/python -m bench.run

clean:  ## remove the environment and built artefacts
	rm -rf $(VENV) models test-output
