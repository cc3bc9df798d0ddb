# CCP Field Desk — developer commands. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BUILD := $(VENV)/.installed-build

.PHONY: run test test-long bench bench-quick bench-frozen lint screenshots package package-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP_RUN)

$(STAMP_BUILD): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,build]"
	touch $@ $(STAMP_TEST) $(STAMP_RUN)

## Open the app on its default database in the per-user data folder.
run: $(STAMP_RUN)
	$(BIN)/python main.py

## The whole test suite, offscreen.
test: $(STAMP_TEST)
	$(BIN)/python -m pytest

## The long reliability runs (minutes): 200+ kills, a few thousand fuzzed packages. Seeds are printed.
test-long: $(STAMP_TEST)
	$(BIN)/python -m pytest -m long -s tests/reliability

## Benchmarks (not part of `make test`): ratios against floors measured in the same run; a missed target
## fails. The table goes to bench-results.md. CCP_BENCH_CACHE=folder keeps the big generated databases.
bench: $(STAMP_TEST)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/benchmarks -s -p no:randomly --override-ini="addopts="

## The same at a twentieth of the sizes (a few minutes): for trying a change, not for the figures. At
## that size the import memory row misses its 1.5x (about 2.1x: the import's fixed cost of libraries,
## SQLite statements and threads against a small sheet; README, Performance): compare it with main's.
bench-quick: $(STAMP_TEST)
	CCP_BENCH_SCALE=0.05 CCP_BENCH_RESULTS=bench-results-quick.md QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest tests/benchmarks -s -p no:randomly --override-ini="addopts="

## The frozen app's start to window shown against a frozen bare window (issue 14: <= 1.5x): freezes both
## with PyInstaller first (minutes), so it needs the build extra.
bench-frozen: $(STAMP_BUILD)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks.startup --frozen --build --runs 15

lint: $(STAMP_TEST)
	$(BIN)/ruff check ccp_desktop tests
	$(BIN)/mypy

## Every main screen and dialog rendered offscreen to docs/screenshots/*.png (shown in README.md).
screenshots: $(STAMP_TEST)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ccp_desktop.ui.screenshots docs/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ccp_desktop.ui.hq_screenshots docs/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ccp_desktop.ui.evidence_screenshots docs/screenshots

## The one-folder app in dist/ccp-field-desk/ and dist/ccp-field-desk-<version>-linux-<arch>.tar.gz.
package: $(STAMP_BUILD)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/work build/ccp_desktop.spec
	$(BIN)/python build/make_archive.py

## Build the package, unpack it elsewhere and run its --version and --self-test (CI runs this).
package-check: package
	$(BIN)/python build/check_package.py

clean:
	rm -rf $(VENV) dist build/work .pytest_cache .mypy_cache .ruff_cache
