# The two commands of the README: `make book` builds the book, `make test` runs the
# tests. Each one first installs what it needs into .venv (once; again when
# requirements.txt, pyproject.toml or the default backend change).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core, which the browser tests inject into each page to check its accessibility:
# npm's package at the version tests/axe/package-lock.json pins, into a git-ignored folder.
AXE := tests/axe/node_modules/axe-core/axe.min.js
PYTEST_ARGS ?=
# TensorFlow stays a supported backend: `make test` also runs the course's own code's
# tests on it (the fast ones, and the short trainings marked training_smoke), after the whole suite on the
# default backend (dlcourse/backend.py).
TF_TESTS := tests/dlcourse/test_training.py tests/dlcourse/test_seeding.py tests/dlcourse/test_schedules.py \
	tests/dlcourse/test_cifar10.py tests/dlcourse/test_initialization.py tests/dlcourse/test_regularization.py \
	tests/dlcourse/test_datasets.py tests/dlcourse/test_results.py tests/dlcourse/test_profiles.py \
	tests/dlcourse/test_phenomena.py

.PHONY: book test install clean

install: $(STAMP) $(AXE)

$(STAMP): requirements.txt pyproject.toml dlcourse/backend.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m dlcourse.backend --install   # the course's Keras backend, for every process
	touch $@

$(AXE): tests/axe/package.json tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build -W --keep-going .

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest -m "not slow or training_smoke" \
		-p no:cacheprovider $(TF_TESTS) $(PYTEST_ARGS)

clean:
	rm -rf _build
