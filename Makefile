# The two commands a new user types: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow lint bench docs clean

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
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b --quick || exit 1; done

# The documentation site into docs/_build/html (warnings are errors). The gallery scripts
# run during the build; the API pages and the command-line page are generated from the code.
# The docs extra is in the common install: `make test` also checks every docstring renders.
docs: $(STAMP)
	MPLBACKEND=Agg $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache docs/_build docs/api \
		docs/auto_examples docs/_generated docs/sg_execution_times.rst
