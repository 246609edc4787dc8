# CareMode: every task people and CI run. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SEED_USERS ?= 2000
SEED_MONTHS ?= 6
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-clocks check lint typecheck importlint browser-deps assets install serve clean benchmark

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

caremode/core/static_build/.built: node_modules/.package-lock.json assets/caremode.scss scripts/build-assets.mjs \
		$(wildcard assets/fonts/*.woff*)
	npm run --silent build
	touch $@

install: $(STAMP)

assets: caremode/core/static_build/.built

# The demo: embedded defaults (SQLite, in-memory channel layer, local outbox), seeded trust.
demo: install assets
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed --if-empty --demo-accounts --service-users $(SEED_USERS) --months $(SEED_MONTHS)
	@echo "CareMode is running on http://$(HOST):$(PORT)/ (sign in with the demo accounts above; Ctrl+C stops it)"
	@echo "The worker sends reminders to the local outbox and runs the team checks in the background."
	ALERT_ESCALATION_FALLBACK_EMAILS=$${ALERT_ESCALATION_FALLBACK_EMAILS:-duty.team@example.nhs.uk} \
	  $(PY) manage.py run_worker --interval 5 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

# Chromium for the browser journeys: Debian's package, never a browser download.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Could not install chromium; browser journeys will be skipped."; \
	else echo "chromium is missing: browser journeys will be skipped (as root: apt-get install -y chromium)."; fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy caremode config tests benchmarks conftest.py

importlint: install
	$(VENV)/bin/lint-imports

check: lint typecheck importlint
	$(PY) manage.py makemigrations --check --dry-run -v0

# Every test: unit, service, HTTP, WebSocket and browser journeys (with axe-core).
test: install assets browser-deps check
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/pytest

# The non-browser suite (SQLite) with the session clock at each of CLOCKS (`--clock`, see
# conftest.py): a Friday afternoon, a Saturday, Christmas Day, a bank holiday Monday, both
# clock-change Sundays and a late evening (UK time when no offset is given). CLOCK_JOBS runs at
# once (each is one core's work; each log is in var/clocks/); CLOCK_TESTS narrows the run. Spark's engine comparison is left
# out: it reads no clock and is the slowest test (it stays in `make test`).
CLOCKS ?= 2026-12-04T16:30Z 2026-12-05T10:00Z 2026-12-25T11:00Z 2027-05-03T09:30 \
	2027-03-28T01:30Z 2026-10-25T01:30Z 2027-06-30T23:30
CLOCK_JOBS ?= 2
CLOCK_TESTS ?=  # paths or node ids; empty means the whole non-browser suite
# The evaluation reads no clock (files in, files out; tests/test_clock_matrix.py keeps that true),
# so the matrix leaves it out; `make test` runs it once.
CLOCK_SKIP ?= --ignore=caremode/evaluation
test-clocks: install assets
	@mkdir -p var/clocks; rm -f var/clocks/*.log; SECONDS=0; \
	printf '%s\n' $(CLOCKS) | xargs -P $(CLOCK_JOBS) -I{} sh -c \
	  'env -u DATABASE_URL $(VENV)/bin/pytest -q -m "not browser" -k "not spark" \
	     -p no:cacheprovider --clock={} $(CLOCK_SKIP) $(CLOCK_TESTS) > "var/clocks/{}.log" 2>&1 || true'; \
	passed=0; failed=0; \
	for clock in $(CLOCKS); do \
	  log="var/clocks/$$clock.log"; summary=$$(tail -n 1 "$$log"); echo "at $$clock: $$summary"; \
	  if grep -qE "^(FAILED|ERROR) " "$$log" || ! grep -qE "[0-9]+ passed" <<<"$$summary" \
	     || grep -qE "[0-9]+ (failed|error)" <<<"$$summary"; then \
	    failed=$$((failed + 1)); sed -n '/= FAILURES =/,$$p;/= ERRORS =/,$$p' "$$log" | head -n 200; \
	  else passed=$$((passed + 1)); fi; \
	done; \
	echo "The clock matrix took $${SECONDS}s."; \
	echo "test-clocks: $$passed passed, $$failed failed"; \
	test "$$failed" = 0

# Timings, each printed as a ratio against a baseline measured in the same run.
benchmark: install
	$(PY) benchmarks/seed_trust.py
	$(PY) benchmarks/recommendations.py
	$(PY) benchmarks/monitoring_alerts.py
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) benchmarks/load_booking.py
	$(PY) benchmarks/evaluate_speed.py --rows 2000000 10000000
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) benchmarks/room_connections.py

clean:
	rm -rf $(VENV) node_modules caremode/core/static_build var
