# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make grade                      grade the reference (or SUBMISSION=dir) and print the summary
#   make test                       run the whole test suite
# A system-wide interpreter: the grading process runs as an unprivileged user, who must be
# able to read Python's standard library (a Python installed in root's home is not).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)
VENV := .venv
PY := $(VENV)/bin/python
SUBMISSION ?= reference
RESULTS ?= out/results.json

.PHONY: grade test bench setup

$(VENV)/installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e ".[dev]"
	@# The grading process and the workers never write bytecode: compile the harness once here.
	$(PY) -m compileall -q autograder
	touch $@

setup: $(VENV)/installed

grade: setup
	./run_autograder --submission $(SUBMISSION) --results $(RESULTS)

test: setup
	@$(PY) -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: the harness suite is missing" >&2; exit 1; fi; \
	exit $$status

bench: setup
	$(PY) bench/bench.py
