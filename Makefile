# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint train bench clean

# The marker file is rebuilt when pyproject.toml changes, so a pull that adds a dependency
# installs it on the next make.
$(BIN)/.installed-app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed-app
	$(BIN)/numrec --source demo

test: $(BIN)/.installed-dev
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .

$(BIN)/.installed-train: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[train,dev]'
	touch $@

train: $(BIN)/.installed-train
	$(BIN)/numrec train

bench: $(BIN)/.installed-app
	$(BIN)/numrec bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
