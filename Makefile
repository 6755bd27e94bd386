# Two entry points a newcomer needs: `make site` and `make test`.
# Each creates the virtualenv from the hashed lock files on first use: `make site` installs only what the
# generator needs (requirements/runtime.txt), `make test` adds the test and benchmark tools (requirements/dev.txt).
# Both files are exported from uv.lock by `make lock`; pip installs them, so only Python and make are needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
DUMPS ?= dumps
SITE_DIR ?= site
# Public URL of the site; empty means site_url from mkdocs.yml. CI passes the Pages URL.
SITE_URL ?=
UV_VERSION := 0.13.8
# web-ext (Mozilla's extension linter) for tests/test_extension_build.py, pinned with hashes in package-lock.json;
# installed when npm is there (the test says what is missing when it is not).
NPM ?= npm
# pytest-xdist workers: CI has two cores; every worker builds its own copy of the bundled site once.
TEST_WORKERS ?= 2
NODE_TOOLS := node_modules/.installed

export NO_MKDOCS_2_WARNING := 1

.PHONY: site test check bench serve lock clean

$(RUNTIME): requirements/runtime.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements/runtime.txt
	touch $(RUNTIME)

$(DEV): $(RUNTIME) requirements/dev.txt
	$(PIP_INSTALL) -r requirements/dev.txt
	touch $(DEV)

$(NODE_TOOLS): package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $(NODE_TOOLS)

site: $(RUNTIME)
	$(PY) -m generator build --dumps $(DUMPS) --site-dir $(SITE_DIR) $(if $(SITE_URL),--site-url "$(SITE_URL)")

test: $(DEV) $(if $(shell command -v $(NPM) 2>/dev/null),$(NODE_TOOLS))
	$(PY) -m pytest -n $(TEST_WORKERS)

check: $(RUNTIME)
	$(PY) -m generator check $(DUMPS)

bench: $(DEV)
	$(PY) bench/bench_pipeline.py

serve: $(RUNTIME)
	$(PY) -m generator serve --dumps $(DUMPS) --site-dir $(SITE_DIR)

# Re-resolve pyproject.toml's dependencies into uv.lock (hashes for every file), then export the two sets pip installs.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	.venv-lock/bin/uv lock
	.venv-lock/bin/uv export --quiet --frozen --no-dev --no-emit-project --format requirements.txt -o requirements/runtime.txt
	.venv-lock/bin/uv export --quiet --frozen --only-group dev --no-emit-project --format requirements.txt -o requirements/dev.txt
	rm -rf .venv-lock

clean:
	rm -rf $(SITE_DIR) site_src/papers site_src/tags site_src/digests site_src/api site_src/feeds site_src/index.md
