# r2pgraph: the targets CI uses too. `make help` lists them.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help install system-packages build serve test test-fast lint format bench bench-large bench-scaling clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

system-packages: ## the Debian packages the tests need (apt-get as root or with sudo; otherwise says which)
	@bash scripts/system-packages

build: $(STAMP) ## load data/, validate against shapes/, write a new generation in build/
	$(VENV)/bin/r2pgraph build

PORT ?= 8000
serve: build ## build, then serve on http://127.0.0.1:8000 (another port: make serve PORT=8001)
	$(VENV)/bin/r2pgraph serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP) system-packages ## install what the tests need, then run the whole test suite
	$(PY) -m pytest -q

test-fast: $(STAMP) system-packages ## the tests not marked slow
	$(PY) -m pytest -q -m 'not slow'

lint: $(STAMP) ## ruff (lint and format check), mypy, and the import contracts (lint-imports)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format src tests
	$(VENV)/bin/ruff check --fix src tests

bench: $(STAMP) ## benchmark at 50 and 200 states (builds validated), against rdflib-endpoint too, the world's treaty records, and against Oxigraph server under wrk; results and plot in bench/results/
	$(PY) -m pip install -q -e '.[dev,bench]'
	$(PY) -W ignore bench/run.py --sizes 50,200 --out bench/results
	$(VENV)/bin/r2pgraph build
	$(PY) bench/under_load.py --build-dir build --out bench/results
	$(PY) bench/world.py --out bench/results
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" -ne 0 ] || apt-get install -y -qq wrk >/dev/null
	@if command -v wrk >/dev/null 2>&1; then $(PY) -W ignore bench/vs_oxigraph.py --build-dir build --out bench/results; \
	else echo "make bench: wrk is missing (apt-get install wrk): the comparison with Oxigraph server is skipped"; fi

LARGE ?= 1000
bench-large: $(STAMP) ## build LARGE (default 1000) synthetic states (about 10 min), then serve them: cold start, memory under load
	rm -rf build/bench-large
	$(PY) bench/generate.py --states $(LARGE) --out build/bench-large/data
	$(PY) bench/buildstep.py build/bench-large/data build/bench-large/build > build/bench-large/build.json
	$(PY) -W ignore bench/serve_large.py --build-dir build/bench-large/build --states $(LARGE) \
		--build-json build/bench-large/build.json --out bench/results

SCALING ?= 125,250,500,1000
BEFORE ?= main
bench-scaling: $(STAMP) ## each build step's CPU seconds at SCALING (default 125,250,500,1000) synthetic states, beside the code of git ref BEFORE (default main); bench/results/build-scaling.md
	rm -rf build/bench-scaling && mkdir -p build/bench-scaling/before
	git archive $(BEFORE) src shapes ontology bench | tar -x -C build/bench-scaling/before
	$(PY) bench/build_scaling.py --sizes $(SCALING) --jobs 2 --no-build --before build/bench-scaling/before/src --out bench/results

clean: ## remove build outputs (not the venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
