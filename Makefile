# One command each: run, test, lint, bench. Each installs what it needs.
SHELL := /bin/bash
UV := $(shell ./scripts/ensure-uv)
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
# Where the web app is built (absolute, or relative to web/); the browser suite serves that build.
WEB_OUT ?= dist
export WEB_OUT
E2E_WEB_DIST := $(abspath $(if $(filter /%,$(WEB_OUT)),$(WEB_OUT),web/$(WEB_OUT)))


.PHONY: run install test test-sqlite test-postgres test-web web-check lint format bench migration clean web client demo

install: ## Install Python and dependencies (uv picks Python >= 3.11)
	$(UV) sync --frozen

run: install ## Serve on http://127.0.0.1:8000 with SQLite under ./.relaydesk/ (the web app is built first when needed)
	@./scripts/ensure-web --optional
	$(UV) run relaydesk serve

# The browser suite (tests/e2e) runs once, in the SQLite suite; E2E_REQUIRED makes it fail
# rather than skip when the build, Node.js or Chromium is missing.
test: install lint web-check ## Everything CI runs: lint, the web app's checks, then both suites side by side
	@echo "Running the SQLite and PostgreSQL suites side by side; each one's output follows when it ends."
	E2E_REQUIRED=1 E2E_WEB_DIST=$(E2E_WEB_DIST) $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	$(UV) run pytest $(PYTEST_ARGS)

test-postgres: install
	./scripts/ensure-services
	RELAYDESK_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(UV) run pytest $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench
	$(UV) run mypy

format: install
	$(UV) run ruff check --fix src tests bench
	$(UV) run ruff format src tests bench

demo: install ## A demo workspace with fake Telegram and WhatsApp accounts and simulated customers
	@./scripts/ensure-web --optional
	$(UV) run relaydesk demo

bench: install web ## Benchmarks (figures printed; record them in docs/benchmarks.md)
	./scripts/ensure-chromium
	$(UV) run python -m bench

web: ## Build the web app into web/dist when its sources changed, served at / (needs Node.js 20.19+, npm)
	./scripts/ensure-web

web-check: ## The web app's packages, type check, unit tests and build, and Chromium for the browser suite
	./scripts/ensure-web --install-only
	cd web && npm run --silent typecheck
	cd web && npx --no-install vitest run
	./scripts/ensure-web
	./scripts/ensure-chromium

test-web: install web-check ## web-check, then the browser suite, which rewrites docs/screenshots
	E2E_REQUIRED=1 E2E_WEB_DIST=$(E2E_WEB_DIST) E2E_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(UV) run pytest tests/e2e $(PYTEST_ARGS)

client: install ## Regenerate web/openapi.json and the web app's API types from the app
	./scripts/gen-client

migration: install ## make migration m="what changed"
	$(UV) run alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
