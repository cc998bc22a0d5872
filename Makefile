# Two commands for a fresh machine: `make demo` and `make test` (each sets up .venv itself).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test setup clean

$(BIN)/aftersales: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/aftersales

demo: setup
	$(BIN)/aftersales demo --out out

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out dist test-artifacts .pytest_cache
