# One task runner for FitGuide: run, test, lint, eval, bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck eval eval-sizing eval-guide bench demo-data models clean

# Creates the venv when missing and installs the pinned dependency tree, then the project itself.
$(INSTALLED): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(INSTALLED)

run: $(INSTALLED)
	$(VENV)/bin/fitguide serve

test: $(INSTALLED)
	$(PY) -m pytest -q -rs

test-fast: $(INSTALLED)
	$(PY) -m pytest -q -m "not slow and not browser"

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

eval: eval-sizing eval-guide

eval-sizing: $(INSTALLED)
	$(VENV)/bin/fitguide eval sizing

eval-guide: $(INSTALLED)
	$(VENV)/bin/fitguide eval guide

bench: $(INSTALLED)
	$(PY) -m bench.run_all

demo-data: $(INSTALLED)
	$(PY) scripts/build_demo_data.py

models: $(INSTALLED)
	$(PY) scripts/train_body_model.py
	$(PY) scripts/train_fit_model.py

clean:
	rm -rf var reports .pytest_cache .mypy_cache .ruff_cache
