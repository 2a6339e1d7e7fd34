# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test lint bench release clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# uv installs the very same packages as pip (same resolution, same versions) in about a
	@# third of the time (docs/benchmarks.md, "Installing"); pip is the fallback. Bytecode is
	@# compiled now, as pip does: grading kernels see the packages read-only, and without
	@# .pyc files every kernel would compile TensorFlow's sources again.
	$(PY) -m pip install --quiet uv
	$(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) -e ".[dev]" || \
		$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/autograde demo
	$(PY) -m nst_utils.demo --out demo_output

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder

lint: $(STAMP)
	$(PY) -m ruff check .

BENCHES ?= bench_nst bench_samples bench_cyclegan_data bench_cyclegan bench_course bench_hints

bench: $(STAMP)
	for b in $(BENCHES); do $(PY) -m bench.$$b || exit 1; done

clean:
	rm -rf demo_output .pytest_cache

release: $(STAMP)
	$(VENV)/bin/autograde release
