# The two commands of the README: `make demo` and `make test`. Each one builds
# what it needs: the virtual environment and the Fashion-MNIST files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo train test test-fast data browser bench images clean

# Release every assignment, then grade three hand-ins of hw1: the reference, the untouched
# template and a partly done sample; print their class table and where the HTML feedback (the
# student's view) and the instructor's page are.
# ENGINE=docker grades them in containers of the sandbox's image (built first).
ENGINE ?= local
demo: $(STAMP) data $(if $(filter docker,$(ENGINE)),images)
	$(BIN)/autograder release --all
	$(BIN)/autograder grade reference assignments/hw1_autodiff examples/hw1_partial \
	  --assignment hw1 --engine $(ENGINE) --format html --format markdown --format instructor --out runs/demo

# Train the reference MLP on Fashion-MNIST and print its test accuracy.
train: $(STAMP) data
	$(BIN)/python -m mytorch.train --model mlp --epochs 15 --seed 0

test: $(STAMP) data browser
	$(BIN)/autograder release --all --check
	$(BIN)/python -m pytest -q --durations=25

# The quick loop while editing, under 3 minutes: everything but the tests marked slow (grading in
# sandboxes end to end, containers, training; see pyproject.toml).
test-fast: $(STAMP) data
	$(BIN)/autograder release --all --check
	$(BIN)/python -m pytest -q -m "not slow"

# The figures of docs/BENCHMARKS.md (the container ones need a Docker engine: they build the images).
bench: $(STAMP) data images
	$(BIN)/python benchmarks/mlp_epoch.py
	$(BIN)/python benchmarks/cnn_epoch.py
	$(BIN)/python benchmarks/probe_overhead.py
	$(BIN)/python benchmarks/grading_time.py
	$(BIN)/python benchmarks/container_overhead.py
	$(BIN)/python benchmarks/batch_throughput.py

# The sandbox's Docker images, mytorch-sandbox:cpu and :gpu (see infra/README.md): on the
# Dockerfiles' public bases, or on a Debian base made here with debootstrap when no registry answers.
images: $(STAMP) data
	$(BIN)/python -m autograder.sandbox.images all

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,plot,notebooks,cluster]'
	touch $@

# Find and verify Fashion-MNIST. If it is not on this machine: on Debian, as
# root, install the packaged copy; otherwise download the official files.
data: $(STAMP)
	@$(BIN)/python -m mytorch.data.fashion_mnist --no-download 2>/dev/null || { \
	  echo "Fashion-MNIST is not on this machine: trying Debian's package, then the official download"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; } || true; fi; \
	  $(BIN)/python -m mytorch.data.fashion_mnist; }

# Debian's Chromium, which opens the HTML feedback page in the browser test (Playwright drives the
# system's browser; it downloads none). As root with apt-get it is installed; elsewhere the test skips.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the feedback page's browser test"; \
	    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || true; \
	  else echo "no chromium here: the feedback page's browser test will be skipped (apt-get install chromium)"; fi; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis runs
