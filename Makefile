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
	touch $(STAMP)

report: $(STAMP)
	$(PY) make_report.py

test: $(STAMP)
	$(PY) -m pytest

# The long property-based run: over 10,000 generated facts files (see tests/test_fuzz.py), about 40 minutes.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/test_fuzz.py -x -q -p no:logging -W ignore::UserWarning --hypothesis-show-statistics

# PEER=/path/to/python with weasyprint (see tools/peer_weasyprint.py) for the ratios to WeasyPrint.
bench: $(STAMP)
	$(PY) tools/bench.py $(if $(PEER),--peer $(PEER))
	$(PY) tools/bench_data.py
	$(PY) tools/bench_map.py
	$(PY) tools/bench_gather.py
	$(PY) tools/bench_provenance.py

clean:
	rm -rf output .pytest_cache
