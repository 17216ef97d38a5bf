# Two commands set everything up: `make run` and `make test`.
# The other targets are the steps they are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extra arguments for pytest, for example: make test PYTEST_ARGS="-k journey -x"
PYTEST_ARGS ?=

# Stamps record that a step is up to date, so that `make run` and `make test`
# repeat it only when its inputs change.
INSTALL_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CSS := build/static/css/app.css
SCSS := $(shell find assets/scss -name '*.scss' 2>/dev/null)

.PHONY: help install assets browser run test lint screenshots

help:
	@echo "make run     install, build assets, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test    install, build assets and run the whole test suite (PYTEST_ARGS=... to pass options)"
	@echo "make install create .venv and install the project when pyproject.toml changes"
	@echo "make assets  install npm packages when package-lock.json changes and compile the stylesheet"
	@echo "make lint    ruff check ."
	@echo "make screenshots  run the browser tests and save their pictures of the pages in docs/screenshots/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(INSTALL_STAMP)

# npm ci installs exactly what package-lock.json says. Install scripts are
# not needed by any of the packages, so they are not run.
$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(CSS): $(NPM_STAMP) $(SCSS)
	npm run build

assets: $(CSS)

# The browser tests drive Debian's Chromium (Playwright cannot download its
# own browser here). Install it when missing and we are allowed to.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Chromium is not installed: browser tests will be skipped (run 'sudo apt-get install chromium')."; \
		fi; \
	fi

run: install assets
	DJANGO_SETTINGS_MODULE=config.settings.local scripts/run.sh

# The suite picks its settings from pyproject.toml (config.settings.test); a
# DJANGO_SETTINGS_MODULE left in the shell would override them.
test: install assets browser
	env -u DJANGO_SETTINGS_MODULE $(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The browser journeys take a full-page picture of each key page
# (tests/e2e/conftest.py, the `screenshot` fixture); here they are kept.
SCREENSHOT_DIR := docs/screenshots

screenshots: install assets browser
	mkdir -p $(SCREENSHOT_DIR)
	SCREENSHOT_DIR=$(SCREENSHOT_DIR) env -u DJANGO_SETTINGS_MODULE $(BIN)/pytest tests/e2e -n 2 $(PYTEST_ARGS)

# The scale benchmark (issue 9, docs/scaling.md): builds a dataset in its own
# PostgreSQL database, measures pages, exports, the reminder fan-out, a
# deadline rush and a mixed load, and writes bench/results/latest.json.
# BENCH_ARGS passes options, for example BENCH_ARGS="--only pages --keep-db".
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev,bench]'
	touch $@

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
