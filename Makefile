# orbitsim: two commands, `make demo` and `make test`, from a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out/demo

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/orbitsim run starcloud-demo --out $(OUT)
	@echo "report: $(OUT)/report.html  (summary: $(OUT)/summary.json)"

lint: install
	$(BIN)/ruff check orbitsim tests benchmarks

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
