# The only entry points: book, pdf, serve, lab, test, bench, lint, lock, clean.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# The model's matrices are 8 by 8: BLAS threads only add overhead (and, on a busy machine,
# made a batch of matrix exponentials ten times slower), so every target runs BLAS on one.
export OPENBLAS_NUM_THREADS := 1
# The chapters that are notebooks (MyST Markdown with a jupytext header).
CHAPTERS := $(shell grep -l '^jupytext:' book/*.md)

# Every package, with what it pulls in, at the version in constraints.txt: uv installs
# the set pip would, in seconds instead of minutes (uv itself comes from the lock too).
PIP_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python --constraint constraints.txt

.PHONY: book pdf serve lab test bench lint lock clean setup

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint constraints.txt uv
	$(PIP_INSTALL) -e ".[book,test]"
	touch $(STAMP)

setup: $(STAMP)

$(VENV)/.notebook: $(STAMP)
	$(PIP_INSTALL) -e ".[book,test,notebook]"
	touch $@

# Build the site into _build/html, with warnings as errors; explorers are static.
book: $(STAMP)
	IMIQUIMOD_EXPLORER_MODE=static $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

# The whole book as one PDF, offered by the site's download menu: the single-page build
# printed by Debian's Chromium (figures at their defaults, explorers described).
pdf: book
	IMIQUIMOD_EXPLORER_MODE=static $(BIN)/jupyter-book build . --builder singlehtml --warningiserror --nitpick --keep-going
	$(BIN)/python tools/print_pdf.py

serve: book
	@echo "Serving _build/html on http://localhost:$(PORT)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# The reader notebooks in JupyterLab, set up as on Binder (lab_settings.py).
lab: book $(VENV)/.notebook
	$(BIN)/python -m imiquimod_model.book.lab_settings
	$(BIN)/jupyter lab

# Builds the book and its PDF first (the browser and PDF tests open them), then runs the
# whole suite.
test: pdf
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/jupytext --to ipynb --test-strict $(CHAPTERS)
	$(BIN)/python -m pytest

bench: book
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports --no-logo --no-cache

# Re-resolve constraints.txt from pyproject.toml's pins (needs the package index).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 --quiet \
	  --annotation-style line --custom-compile-command "make lock" --output-file constraints.txt

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .import_linter_cache book/*.ipynb
