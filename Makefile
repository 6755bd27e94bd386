# Two entry points a newcomer needs: `make site` and `make test`.
# Each creates the virtualenv from the pinned lock file on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-lock
DUMPS ?= dumps
SITE_DIR ?= site
# Public URL of the site; empty means site_url from mkdocs.yml. CI passes the Pages URL.
SITE_URL ?=

export NO_MKDOCS_2_WARNING := 1

.PHONY: site test check bench serve lock clean

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

site: $(STAMP)
	$(PY) -m generator build --dumps $(DUMPS) --site-dir $(SITE_DIR) $(if $(SITE_URL),--site-url "$(SITE_URL)")

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m generator check $(DUMPS)

bench: $(STAMP)
	$(PY) bench/bench_pipeline.py

serve: $(STAMP)
	$(PY) -m generator serve --dumps $(DUMPS) --site-dir $(SITE_DIR)

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	(echo "# Pinned by 'make lock' from requirements.in (pip freeze of a clean venv). Used by the Makefile, .ci/run and the workflows."; \
	 .venv-lock/bin/pip freeze --exclude-editable) > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(SITE_DIR) site_src/papers site_src/tags site_src/digests site_src/api site_src/feeds site_src/index.md
