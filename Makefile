# One command builds the site, one runs the tests. `make help` lists them all.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DATA   ?= data
PORT   ?= 8000
JOBS   ?=
BUILD_FLAGS ?=

.PHONY: help book preview pdf test serve bench clean lock
.DEFAULT_GOAL := help

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 10

$(VENV)/.installed: requirements.txt requirements-lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	touch $@

book: $(VENV)/.installed  ## build the site into _build/html (DATA=dir for other data)
	$(PY) -m src.pipeline build --data "$(DATA)" $(if $(JOBS),--jobs $(JOBS)) $(BUILD_FLAGS)

preview: $(VENV)/.installed  ## serve on http://127.0.0.1:8000, rebuild and reload on every change (DATA=dir, PORT=n)
	$(PY) -m src.pipeline preview --data "$(DATA)" --port $(PORT) $(if $(JOBS),--jobs $(JOBS))

pdf: book  ## build the site, then each edition's PDF _build/pdf/*.pdf (reprinted only when its pages changed) and link them
	$(PY) -m src.build.pdf build $(if $(filter --quiet,$(BUILD_FLAGS)),--quiet)

test: $(VENV)/.installed  ## run the test suite
	$(PY) -m pytest $(PYTEST_ARGS)

serve:  ## serve _build/html on http://localhost:8000 (PORT=n for another port)
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

bench: $(VENV)/.installed  ## time clean, no-op and one-CSV rebuilds, ours against jupyter-book's (force, cache)
	$(PY) bench/bench_build.py

lock: $(VENV)/.installed  ## re-pin the full environment after changing requirements.txt
	( echo '# Full environment pin (pip constraints). Regenerate with: make lock'; \
	  $(PY) -m pip freeze --exclude-editable ) > requirements-lock.txt

clean:  ## remove build output (keeps .venv)
	rm -rf _build .pytest_cache
