# One command each: run, test, lint, bench. Each installs what it needs.
SHELL := /bin/bash
UV := $(shell ./scripts/ensure-uv)
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=


.PHONY: run install test test-sqlite test-postgres lint format bench migration clean web client demo

install: ## Install Python and dependencies (uv picks Python >= 3.11)
	$(UV) sync --frozen

run: install ## Serve on http://127.0.0.1:8000 with SQLite under ./.relaydesk/
	$(UV) run relaydesk serve

test: install lint ## Everything CI runs: lint, then both suites side by side
	@echo "Running the SQLite and PostgreSQL suites side by side; each one's output follows when it ends."
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

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
	$(UV) run relaydesk demo

bench: install ## Benchmarks (figures printed; record them in docs/benchmarks.md)
	$(UV) run python -m bench

web: ## Build the web app into web/dist, served at / by `relaydesk serve` (needs Node.js 20, npm)
	cd web && npm ci && npm run build

client: install ## Regenerate web/openapi.json and the web app's API types from the app
	./scripts/gen-client

migration: install ## make migration m="what changed"
	$(UV) run alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
