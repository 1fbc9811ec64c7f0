# ConflictMap — `make run` starts the dashboard on the bundled data, `make test` runs the whole suite.
# Both set up everything on a fresh machine (Python 3.11+, pip; npm and apt-get used when present).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ASSETS := static/vendor/.stamp

.PHONY: install assets browser run test test-fast data bench eval eval-dev clean

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

# Leaflet and plugins come from the npm registry at set-up time and are served by the app itself.
assets: $(ASSETS)

$(ASSETS): package.json scripts/vendor_assets.py $(STAMP)
	npm install --no-audit --no-fund --silent
	$(PY) scripts/vendor_assets.py
	touch $@

# Debian's Chromium for the Playwright end-to-end tests (root: apt-get; skipped if already present).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

run: install assets
	$(VENV)/bin/streamlit run app.py

test: install assets browser
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser"

# Regenerate the bundled data shown by the dashboard from seeds/.
data: install
	$(VENV)/bin/conflictmap ingest seeds --out data/seeds

eval: install
	$(VENV)/bin/conflictmap ingest seeds --out out/seeds
	$(VENV)/bin/conflictmap eval tests/data/seeds_gold.json out/seeds

# Development-set figures (issue #10): the 40 unseen real articles of the shared eval set and the seeds.
DEV ?= ../shared/eval/dev
eval-dev: install
	$(VENV)/bin/conflictmap ingest $(DEV) --out out/dev
	$(VENV)/bin/conflictmap ingest seeds --out out/seeds
	$(VENV)/bin/conflictmap eval-table dev $(DEV)/gold.json out/dev seeds tests/data/seeds_gold.json out/seeds

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules static/vendor out
