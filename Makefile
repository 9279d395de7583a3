# Two commands for a newcomer: `make report` builds the example briefs into output/, `make test` runs the tests.
# Both create .venv when it is missing and install the project into it from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: report test bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q briefing  # bytecode at install, as a wheel's: a run never compiles our modules
	-$(PY) -m briefing.prepare  # what depends only on the installation, made once (briefing/prepare.py); a run works without it
	touch $(STAMP)

report: $(STAMP)
	$(PY) make_report.py

test: $(STAMP)
	$(PY) -m pytest

# The long property-based run: over 10,000 generated facts files (see tests/test_fuzz.py), about 40 minutes.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/test_fuzz.py -x -q -p no:logging -W ignore::UserWarning --hypothesis-show-statistics

# The peers (tools/peer_weasyprint.py, tools/peer_typst.py) run in a venv of their own, made on the first
# `make bench` from the `bench` extra's packages; PEER=/path/to/python uses another Python that has them.
PEER_VENV := .venv-peer
PEER ?= $(PEER_VENV)/bin/python

$(PEER_VENV)/.installed:
	test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet 'weasyprint>=60' 'typst>=0.11' 'matplotlib>=3.7' 'pyyaml>=6.0'
	touch $@

bench: $(STAMP) $(if $(filter $(PEER_VENV)/bin/python,$(PEER)),$(PEER_VENV)/.installed)
	$(PY) tools/bench.py --peer $(PEER)
	$(PY) tools/bench_data.py
	$(PY) tools/bench_map.py
	$(PY) tools/bench_gather.py
	$(PY) tools/bench_provenance.py

clean:
	rm -rf output .pytest_cache
