# Together We Can — the commands in README.  Everything runs from the project's own .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint bench catalogs clean

install: $(STAMP)  ## create .venv and install the bot with its test tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: install  ## migrate, load the demo data and serve on http://127.0.0.1:8080
	$(BIN)/twc run --demo

test: install  ## lint, check flows and catalogs, run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/twc flows check
	$(BIN)/pytest

bench: install  ## onboarding throughput and latency (TWC_BENCH_POSTGRES_URL adds PostgreSQL); 100 000 due nudges
	$(BIN)/python -m benchmarks.onboarding
	$(BIN)/python -m benchmarks.nudges

catalogs: install  ## re-extract texts into locales/twc.pot, merge into every catalog, check them
	$(BIN)/pybabel extract -F locales/babel.cfg -k msg:1c,2 --add-comments=TRANSLATORS: \
	  --no-wrap --sort-by-file --project="Together We Can" --copyright-holder="Together We Can" \
	  -o locales/twc.pot .
	$(BIN)/pybabel update -i locales/twc.pot -d locales -D twc --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d locales -D twc --statistics
	find locales -name '*.mo' -delete

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
