# Two commands do everything: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := app
# The interface languages besides English, the language of the source (config.LANGUAGES).
LOCALES := fr nl de it es
CATALOGUES := hub/translations
MO_FILES := $(LOCALES:%=$(CATALOGUES)/%/LC_MESSAGES/messages.mo)

.PHONY: run test install migrate demo bench clean catalogues translations browser-tools
# A failed compile leaves no .mo behind, so the next make tries (and reports) again.
.DELETE_ON_ERROR:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the requirements change, so a second `make run` starts in seconds.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# A catalogue is compiled again whenever its .po changes. Without -f, fuzzy translations are
# left out (the page shows English there) rather than shown when they may be wrong.
$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --locale $* --input-file $< --output-file $@

catalogues: $(MO_FILES)

# After adding or changing a message in the code or templates: the template (.pot) from the
# sources, then each language's .po updated from it (new messages empty, changed ones fuzzy).
# --ignore-dirs names only dot folders etc.: by default pybabel skips templates/_macros too.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --add-comments=TRANSLATORS: --project="AI Competency Hub" \
		--ignore-dirs=".* __pycache__ node_modules" -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i $(CATALOGUES)/messages.pot -d $(CATALOGUES)

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask hub sync-vocabulary
	$(BIN)/flask hub load-demo --if-empty

run: demo catalogues
	@echo "The hub is at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install catalogues browser-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core for the accessibility tests (package-lock.json), installed again when the lock file is newer
# than the install; without npm, or chromium, those tests are skipped and say why.
browser-tools:
	@if [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund \
			|| echo "npm ci failed: the accessibility tests will be skipped (axe-core missing: run npm ci)"; \
		else echo "npm not found: the accessibility tests will be skipped (axe-core missing: run npm ci)"; fi; \
	fi
	@command -v chromium >/dev/null 2>&1 || echo "chromium not found: the browser tests will be skipped (apt-get install chromium)"

bench: install
	$(BIN)/python bench/import_bench.py --n 100000
	$(BIN)/python bench/search_bench.py --n 100000

clean:
	rm -rf $(VENV) .pytest_cache
