# The two commands a new user types: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-lowest test-lowest-torch test-slow test-docs lint bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first, pinned to the CPU build through the constraints file, then the package.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,dev,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hardlearn demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples tools
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The fast tests against the LOWEST declared versions of every direct dependency (the `>=`
# bounds of pyproject.toml pinned with `==` by tools/lowest_pins.py), in a separate
# environment rebuilt from scratch. First a wheel is built with the lowest declared
# setuptools; the run-time install then lets setuptools rise, because torch itself requires
# a later one. torch is the exception to the lowest rule: PyPI's Linux wheels of torch are
# CUDA builds of several GB, the only CPU build this environment serves is constraints.txt's
# 2.13.0 (named with its +cpu label so pip never fetches the CUDA build), so torch stays there.
# `make test-lowest-torch` (not run by CI: it downloads about 3 GB) is the same check with
# torch too at its lowest declared version, PyPI's CUDA build, which runs on the CPU.
# tests/test_typing.py (mypy) is left out: the package is typed against the current stubs.
LOWEST := .venv-lowest
ifdef LOWEST_TORCH
LOWEST_CONSTRAINTS :=
LOWEST_TORCH_REQ = $(shell $(PYTHON) tools/lowest_pins.py --extras nn 2>/dev/null | grep '^torch==')
else
LOWEST_CONSTRAINTS := -c constraints.txt
LOWEST_TORCH_REQ := torch==2.13.0+cpu
endif
test-lowest-torch:
	$(MAKE) test-lowest LOWEST=.venv-lowest-torch LOWEST_TORCH=1

test-lowest:
	rm -rf $(LOWEST)
	$(PYTHON) -m venv $(LOWEST)
	$(PYTHON) tools/lowest_pins.py --extras all,dev,docs --skip torch > $(LOWEST)/build-pins.txt
	$(LOWEST)/bin/python -m pip install --quiet -c $(LOWEST)/build-pins.txt setuptools wheel
	$(LOWEST)/bin/python -m pip wheel --quiet --no-build-isolation --no-deps -w $(LOWEST)/dist .
	$(PYTHON) tools/lowest_pins.py --extras all,dev,docs --skip torch,setuptools > $(LOWEST)/pins.txt
	$(LOWEST)/bin/python -m pip install --quiet $(LOWEST_CONSTRAINTS) -c $(LOWEST)/pins.txt \
		'$(LOWEST_TORCH_REQ)'
	$(LOWEST)/bin/python -m pip install --quiet $(LOWEST_CONSTRAINTS) -c $(LOWEST)/pins.txt \
		-e '.[all,dev,docs]'
	$(LOWEST)/bin/python -m pip check
	$(LOWEST)/bin/python -m pip list --format=freeze > $(LOWEST)/installed.txt
	$(LOWEST)/bin/python -m pytest -p no:cacheprovider --ignore=tests/test_typing.py

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples tools
	$(BIN)/mypy

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b --quick || exit 1; done

# The documentation site into docs/_build/html (warnings are errors). The gallery scripts
# run during the build; the API pages and the command-line page are generated from the code.
# The docs extra is in the common install: `make test` also checks every docstring renders.
docs: $(STAMP)
	MPLBACKEND=Agg $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

# The site's own tests (slow): build it, check every public name has a page, render two
# pages in headless Chromium where it is installed.
test-docs: $(STAMP)
	$(BIN)/python -m pytest -q -m slow tests/test_docs.py

clean:
	rm -rf $(VENV) $(LOWEST) build src/*.egg-info .pytest_cache .ruff_cache .mypy_cache \
		docs/_build docs/api docs/auto_examples docs/_generated docs/sg_execution_times.rst
