# Together We Can — the commands in README.  Everything runs from the project's own .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

STAND_IN := tests/telegram_stand_in

.PHONY: install node-deps peers run test audit lint bench catalogs clean

install: $(STAMP)  ## create .venv and install the bot with its test tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: install  ## migrate, load the demo data (with past months for the reports) and serve on http://127.0.0.1:8080
	$(BIN)/twc run --demo --history

# The Telegram stand-in (npm telegram-test-api), installed by npm from the lock file; skipped
# when node_modules is newer than the lock file.  Without npm the Telegram e2e tests skip
# (and fail under CI).
node-deps:  ## install the Node packages the tests start (npm ci)
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: the Telegram end-to-end tests will be skipped"; \
	elif [ ! -f $(STAND_IN)/node_modules/.package-lock.json ] || \
	     [ $(STAND_IN)/package-lock.json -nt $(STAND_IN)/node_modules/.package-lock.json ]; then \
	  cd $(STAND_IN) && npm ci --no-audit --no-fund --loglevel=error; \
	fi


# Test peers: Prism (Twilio's API description as a mock server), pinned in package-lock.json.
PEERS := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

peers: $(PEERS)  ## install the Node test peers (Prism) if npm is available

$(PEERS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && rm -f node_modules/.installed-* && touch $@; \
	else echo "npm not found: the WhatsApp tests against Prism will be skipped (fail if CI is set)"; fi


test: install node-deps peers  ## lint, type-check, check imports, flows and catalogs, run every test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/twc flows check
	$(BIN)/pytest -n 2 --dist loadfile

# Known vulnerabilities of the installed packages (pip-audit, PyPI's advisory service): fails on
# one not reviewed in .ci/pip-audit-ignore.txt; only warns when the service cannot be reached.
audit: install  ## pip-audit the installed packages against PyPI's advisories
	$(BIN)/python .ci/pip_audit.py

bench: install  ## onboarding throughput and latency (TWC_BENCH_POSTGRES_URL adds PostgreSQL); 100 000 due nudges; a broadcast to 10 000; HTTP into `twc run` with wrk; a bystander's replies during a flood; a team's reply from send to her screen; the staff web app with a district's data; the weekly job digest for 10 000 women
	$(BIN)/python -m benchmarks.onboarding
	$(BIN)/python -m benchmarks.nudges
	$(BIN)/python -m benchmarks.broadcast
	$(BIN)/python -m benchmarks.http
	$(BIN)/python -m benchmarks.flood
	$(BIN)/python -m benchmarks.inbox_reply
	$(BIN)/python -m benchmarks.staff
	$(BIN)/python -m benchmarks.jobs_digest

STAFF_LANGUAGES := en it pt el

catalogs: install  ## re-extract texts into locales/twc.pot, merge into every catalog, check them
	$(BIN)/pybabel extract -F locales/babel.cfg --no-default-keywords -k msg:1c,2 -k pgettext:1c,2 \
	  --add-comments=TRANSLATORS: \
	  --no-wrap --sort-by-file --project="Together We Can" --copyright-holder="Together We Can" \
	  -o locales/twc.pot .
	$(BIN)/pybabel update -i locales/twc.pot -d locales -D twc --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d locales -D twc --statistics
	$(BIN)/pybabel extract -F locales/staff-babel.cfg --add-comments=TRANSLATORS: \
	  --no-wrap --sort-by-file --project="Together We Can" --copyright-holder="Together We Can" \
	  -o locales/staff.pot .
	for lang in $(STAFF_LANGUAGES); do \
	  $(BIN)/pybabel update -i locales/staff.pot -d locales -D staff -l $$lang --init-missing \
	    --no-wrap --ignore-obsolete || exit 1; \
	done
	$(BIN)/pybabel compile -d locales -D staff --statistics
	find locales -name '*.mo' -delete

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules $(STAND_IN)/node_modules
