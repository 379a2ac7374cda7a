# ServiceHall: `make demo` serves the product with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
EVENTS_PORT ?= 8001
# CI runs the whole suite again on this PostgreSQL server.
PG_URL ?= postgres://postgres@127.0.0.1:5432/servicehall

.PHONY: demo test install system-deps lint check pytest pytest-pg bench serve messages clean

# The system packages first: the C extension of ``ledger verify`` is compiled here (setup.py).
$(STAMP): pyproject.toml setup.py servicehall/ledger/_fastverify.c | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

# Debian packages the product needs: Chinese fonts for PDFs, Chromium for the browser tests,
# poppler-utils to read PDFs back in the tests, espeak-ng for the spoken calls, sox to
# check their audio, zbar-tools to read the receipts' QR codes back, valgrind to count
# instructions in `make bench`; gcc and the headers of Python, SQLite and OpenSSL to build
# the C scanner of ``ledger verify`` (setup.py).
# Installed only where this machine allows it (root with apt-get); otherwise a note.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || missing="$$missing fonts-wqy-zenhei"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	test -f /usr/include/sqlite3.h || missing="$$missing libsqlite3-dev"; \
	test -f /usr/include/openssl/sha.h || missing="$$missing libssl-dev"; \
	$(PYTHON) -c "import os, sysconfig; os.stat(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))" 2>/dev/null \
	  || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install the Debian packages:$$missing (sudo apt-get install$$missing)"; \
	  fi; \
	fi

demo: install
	$(BIN)/servicehall migrate --noinput
	$(BIN)/servicehall collectstatic --noinput --verbosity 0
	$(BIN)/servicehall compilemessages --ignore '.venv' --verbosity 0
	$(BIN)/servicehall demo-data
	@echo
	@echo "ServiceHall is starting on http://$(HOST):$(PORT)/ (live events on port $(EVENTS_PORT))"
	@echo "  Portal          http://$(HOST):$(PORT)/"
	@echo "  Service norms   http://$(HOST):$(PORT)/norms/"
	@echo "  Commitments     http://$(HOST):$(PORT)/commitments/"
	@echo "  Staff login     http://$(HOST):$(PORT)/accounts/login/"
	@echo "  Administration  http://$(HOST):$(PORT)/admin/"
	@echo "  Hall display    http://$(HOST):$(PORT)/hall/display/OFF-LJ-SS/"
	@echo "  Kiosk           http://$(HOST):$(PORT)/hall/kiosk/OFF-LJ-SS/"
	@echo "  Counter desk    http://$(HOST):$(PORT)/hall/desk/1/  (log in as clerk)"
	@echo "  Rate a service  http://$(HOST):$(PORT)/feedback/pad/pair/  (rating pad; token printed above)"
	@echo "  Complaints      http://$(HOST):$(PORT)/complaints/new/"
	@echo "  Public figures  http://$(HOST):$(PORT)/figures/"
	@echo "Administrators and supervisors also need a second-factor code:"
	@echo "  $(BIN)/servicehall demo-otp USERNAME   (stands in for the authenticator app)"
	@echo
	@# The event stream (SSE for the hall displays) and the worker (sweeps of deadlines and
	@# warnings, ledger checkpoints, once a minute) run beside the WSGI server and stop with it.
	$(BIN)/servicehall eventstream --host $(HOST) --port $(EVENTS_PORT) & events=$$!; \
	$(BIN)/servicehall worker --every 60 > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$events $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/servicehall serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(STAMP)
	$(BIN)/servicehall check --fail-level WARNING
	$(BIN)/servicehall makemigrations --check --dry-run

pytest: $(STAMP)
	$(BIN)/servicehall compilemessages --ignore '.venv' --verbosity 0
	$(BIN)/pytest

pytest-pg: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

test: install lint check pytest
	@if [ "$$CI" = "true" ]; then $(MAKE) --no-print-directory pytest-pg; fi

bench: install
	$(BIN)/python -m servicehall.bench

messages: $(STAMP)
	cd servicehall && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --add-location file --ignore 'tests/*'
	$(BIN)/servicehall compilemessages --ignore '.venv'

clean:
	rm -rf $(VENV) var
