# The two commands of the README: `make book` builds the book, `make test` runs the
# tests. Each one first installs what it needs into .venv (once; again when
# requirements.txt, pyproject.toml or the default backend change).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: book test install clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml dlcourse/backend.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m dlcourse.backend --install   # the course's Keras backend, for every process
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build -W --keep-going .

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf _build
