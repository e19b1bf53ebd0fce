# Heed — build, test and benchmark entry points.
SWIFT ?= swift
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev pkg-config
MPI_APT_PACKAGES := openmpi-bin libopenmpi-dev
MPIRUN := mpirun --allow-run-as-root --oversubscribe

.PHONY: all deps build release test test-orders mutations conformance bench bench-text bench-memory bench-train bench-compare bench-serve bench-scale demo best-imdb best-msrp examples docs mpi-deps test-mpi bench-mpi test-mpi-hosts bench-mpi-hosts fuzz sanitize sanitize-address sanitize-thread clean

all: build

# Installs OpenBLAS and pkg-config when they are missing: with apt when run as root, otherwise
# prints the apt line to run.
deps:
	@if pkg-config --exists openblas 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	else \
		echo "OpenBLAS is missing. Install it with:"; \
		echo "  sudo apt-get install -y $(APT_PACKAGES)"; \
		exit 1; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The test log goes to TEST_LOG; with CI=true a skipped test that .ci/allowed-skips does not
# allow fails the run (Scripts/check-skips.sh).
TEST_LOG ?= .build/test.log
CHECK_SKIPS = if [ "$(CI)" = true ]; then "$(CURDIR)/Scripts/check-skips.sh" $(1); fi

test: deps
	@mkdir -p $(dir $(TEST_LOG))
	$(SWIFT) test --disable-swift-testing 2>&1 | tee $(TEST_LOG); test $${PIPESTATUS[0]} -eq 0
	@$(call CHECK_SKIPS,$(TEST_LOG))

# No test depends on the tests before it: the suite in one process, then every test alone in
# reversed and in shuffled order, with the same results (Scripts/test-orders.sh).
test-orders: deps
	Scripts/test-orders.sh reverse shuffle:1

# Each planted mistake (a dropped KERAS_GOLDEN_DIR, a wrong pullback, an unlisted golden case, a
# lost per-worker dQ sum) fails the tests that guard it, in a scratch copy (Scripts/mutations.sh).
mutations: deps
	Scripts/mutations.sh

# The Keras reference cases alone (KERAS_GOLDEN_DIR selects another folder of the same format).
conformance: deps
	$(SWIFT) test --disable-swift-testing --filter KerasConformanceTests

bench: deps
	$(SWIFT) run -c release bench-matmul
	$(SWIFT) run -c release bench-attention --compare-unfused
	$(SWIFT) run -c release bench-train

# Heed against PyTorch, JAX and TensorFlow/Keras on bench-attention's cases and bench-train's
# step, with BENCH_THREADS threads. Creates $(BENCH_VENV) with pip from PyPI: numpy,
# tensorflow, tf_keras, jax and (unless BENCH_TORCH=0) torch. PyPI's Linux torch wheel
# (540 MB) pulls the CUDA libraries with it: the environment takes about 6 GB.
BENCH_THREADS ?= 2
BENCH_VENV ?= .venv-bench
BENCH_TORCH ?= 1
bench-compare: deps
	$(SWIFT) build -c release
	@if [ ! -x $(BENCH_VENV)/bin/python ]; then python3 -m venv $(BENCH_VENV); fi
	$(BENCH_VENV)/bin/pip install --quiet numpy tensorflow tf_keras jax $(if $(filter 1,$(BENCH_TORCH)),torch,)
	$(BENCH_VENV)/bin/python Benchmarks/reference/compare.py --threads $(BENCH_THREADS) \
		--heed-bin $$($(SWIFT) build -c release --show-bin-path)

# heed serve against tf.keras behind FastAPI + uvicorn (Benchmarks/reference/serve_keras.py),
# each driven by wrk over loopback, then a soak of heed serve with its resident memory
# (Scripts/bench-serve.sh; BENCH_SECONDS per row, SOAK_SECONDS, SKIP_PYTHON=1 and more are read
# from the environment). Trains into out/bench-serve-model unless it exists. Needs wrk; creates
# $(BENCH_VENV) with pip from PyPI: numpy, tensorflow, tf_keras, fastapi and uvicorn.
bench-serve: deps
	$(SWIFT) build -c release
	@if [ "$(SKIP_PYTHON)" != 1 ]; then \
		if [ ! -x $(BENCH_VENV)/bin/python ]; then python3 -m venv $(BENCH_VENV) || exit 1; fi; \
		$(BENCH_VENV)/bin/pip install --quiet numpy tensorflow tf_keras fastapi uvicorn || exit 1; \
	fi
	HEED_BIN=$$($(SWIFT) build -c release --show-bin-path) HEED_DATA="$(DEMO_DATA)" BENCH_VENV="$(BENCH_VENV)" \
		Scripts/bench-serve.sh

bench-text: deps
	$(SWIFT) run -c release bench-text

bench-train: deps
	$(SWIFT) run -c release bench-train

bench-memory: deps
	$(SWIFT) run -c release bench-memory

# Streamed training (heed train --stream) on IMDb repeated 10× and 100× (0.66 and 6.6 GB,
# written under out/scale): pass rates, step rate against the in-memory path, resident memory.
bench-scale: deps
	bash Scripts/bench-scale.sh "$(DEMO_DATA)"
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory bench-mpi-hosts; \
	else echo "samples/s on one host against two: make bench-mpi-hosts (as root)"; fi

# libFuzzer targets (Fuzz/): builds them with AddressSanitizer, then runs each for FUZZ_SECONDS,
# starting from the committed seeds in Fuzz/corpus/<target>/. New inputs go to the scratch
# folder; a crash stops the run and leaves its input in $(FUZZ_SCRATCH)/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_TARGETS := fuzz-delimited fuzz-safetensors
FUZZ_BUILD_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz: deps
	cd Fuzz && $(SWIFT) build -c debug --scratch-path ../$(FUZZ_SCRATCH) $(FUZZ_BUILD_FLAGS) 2>&1 \
		| grep -v "Cannot export local symbol"; test $${PIPESTATUS[0]} -eq 0
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/corpus/$$t $(FUZZ_SCRATCH)/artifacts || exit 1; \
		echo "== $$t: $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no $(FUZZ_SCRATCH)/debug/$$t $(FUZZ_SCRATCH)/corpus/$$t Fuzz/corpus/$$t \
			-dict=Fuzz/$${t#fuzz-}.dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_SCRATCH)/artifacts/$$t- || exit 1; \
	done

# The test suite under AddressSanitizer, then under ThreadSanitizer, each in its own scratch
# folder; any report fails the run. LeakSanitizer is off for the test bundle: XCTest on Linux
# never frees its weak reference to a running test case (nor Foundation's Process its own), so
# every test case object, with everything its properties hold, would be reported as leaked.
# Graph memory is checked by GraphLifetimeTests and bench-memory instead. Failed allocations
# return NULL (as without a sanitizer), for the tests that cap the address space.
SANITIZE_SCRATCH ?= .build-sanitize

sanitize: sanitize-address sanitize-thread

sanitize-address: deps
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 SWIFT_BACKTRACE=enable=no \
		$(SWIFT) test --disable-swift-testing --scratch-path $(SANITIZE_SCRATCH)-address -Xswiftc -sanitize=address

sanitize-thread: deps
	TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 SWIFT_BACKTRACE=enable=no \
		$(SWIFT) test --disable-swift-testing --scratch-path $(SANITIZE_SCRATCH)-thread -Xswiftc -sanitize=thread

# Open MPI for the separate Distributed/ package (Heed itself never needs it).
mpi-deps:
	@if pkg-config --exists ompi 2>/dev/null && command -v mpirun >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(MPI_APT_PACKAGES); \
	else \
		echo "Open MPI is missing. Install it with:"; \
		echo "  sudo apt-get install -y $(MPI_APT_PACKAGES)"; \
		exit 1; \
	fi

# Data-parallel training across processes: builds Distributed/ (in MPI_SCRATCH, relative to
# Distributed/), runs one two-rank job, then the tests (which start their own `mpirun -np 2` jobs;
# their log goes to MPI_SCRATCH/test.log, checked for skips as `make test`'s with CI=true).
MPI_SCRATCH ?= .build
MPI_BUILD = $(SWIFT) build --scratch-path $(MPI_SCRATCH)
test-mpi: deps mpi-deps
	cd Distributed && $(MPI_BUILD) --build-tests
	cd Distributed && $(MPIRUN) -np 2 $$($(MPI_BUILD) --show-bin-path)/heed-mpi-train equivalence --optimizer adam
	cd Distributed && $(SWIFT) test --skip-build --scratch-path $(MPI_SCRATCH) --disable-swift-testing 2>&1 \
		| tee $(MPI_SCRATCH)/test.log; test $${PIPESTATUS[0]} -eq 0
	@cd Distributed && $(call CHECK_SKIPS,$(MPI_SCRATCH)/test.log)

# Samples per second on 1 and 2 ranks, gradients exchanged after backward and overlapped with it
# (alternated in each run): the text-classifier shape (its small last layer in a 1 KiB bucket of
# its own) and an MLP whose gradients are spread over 5 layers (1 MiB buckets, the default).
MPI_BENCH = cd Distributed && $(MPIRUN) -np $(1) $$($(MPI_BUILD) -c release --show-bin-path)/heed-mpi-train bench
bench-mpi: deps mpi-deps
	cd Distributed && $(MPI_BUILD) -c release
	$(call MPI_BENCH,1) --model text --bucket-kb 1 --threads 1
	$(call MPI_BENCH,1) --model text --bucket-kb 1 --threads 2
	$(call MPI_BENCH,2) --model text --bucket-kb 1 --threads 1
	$(call MPI_BENCH,1) --model mlp --threads 1
	$(call MPI_BENCH,1) --model mlp --threads 2
	$(call MPI_BENCH,2) --model mlp --threads 1

# Several hosts on this machine (network namespaces joined by veth links, Open MPI over TCP
# between them; Scripts/mpi-hosts.sh): the equivalence checks on 2 hosts x 1 and 2 x 2 ranks,
# a link taken down during training, and nothing left behind. Needs root.
test-mpi-hosts: deps mpi-deps
	@command -v ip >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq iproute2; } \
		|| { echo "ip is missing. Install it with:"; echo "  sudo apt-get install -y iproute2"; exit 1; }
	cd Distributed && $(MPI_BUILD) --product heed-mpi-train
	bash Scripts/mpi-hosts.sh test "$$(cd Distributed && $(MPI_BUILD) --show-bin-path)/heed-mpi-train"

# Samples per second on 1 host x 1 rank, 1 host x 2 ranks and 2 hosts x 1 rank (release build).
bench-mpi-hosts: deps mpi-deps
	cd Distributed && $(MPI_BUILD) -c release --product heed-mpi-train
	bash Scripts/mpi-hosts.sh bench "$$(cd Distributed && $(MPI_BUILD) -c release --show-bin-path)/heed-mpi-train"

# The best IMDb model (docs/quality.md): the bag model (NBSVM) over the distinct word 1-3-grams
# of each review, 1,000,000 of them, naive Bayes weight 0.01, Adam 1e-3, 3 epochs; every
# setting chosen on validation splits of the training rows (10%, this one held out here too),
# the test rows read once at the end. About a minute on 2 cores.
BEST_IMDB_OUT ?= out/best-imdb
best-imdb: deps
	$(HEED_RELEASE) --product heed
	@test -f "$(DEMO_FOUND)" || { echo "IMDb data not found at $(DEMO_DATA): run make demo first, or pass HEED_DATA=/path/to/IMDB_Dataset.csv"; exit 1; }
	@mkdir -p "$(BEST_IMDB_OUT)"
	$(DEMO_HEED) train --data "$(DEMO_FOUND)" --text-column review --label-column sentiment \
		--train-rows 1-25000 --validation-split 0.1 --test-rows 25001-50000 --model bag --ngrams 3 --vocab-size 1000000 \
		--max-len 3000 --keep-digits --nb-weight 0.01 --epochs 3 --batch-size 32 --learning-rate 0.001 \
		--seed 42 --quiet --out "$(BEST_IMDB_OUT)" 2>&1 | tee "$(BEST_IMDB_OUT).log"; test $${PIPESTATUS[0]} -eq 0
	@sed -n 's/^test accuracy: \([0-9.]*\).*/test accuracy: \1/p' "$(BEST_IMDB_OUT).log" | tail -1

# The Microsoft Research Paraphrase Corpus (its train and test files, tab-separated).
MSRP_DIR ?= $(or $(HEED_MSRP),../shared/datasets/msrp)
BEST_MSRP_OUT ?= out/best-msrp
best-msrp: deps
	$(HEED_RELEASE) --product heed
	@test -f "$(MSRP_DIR)/msr_paraphrase_train.txt" -a -f "$(MSRP_DIR)/msr_paraphrase_test.txt" || { echo "MSRP files not found in $(MSRP_DIR): pass HEED_MSRP=/path/to/folder with msr_paraphrase_train.txt and msr_paraphrase_test.txt"; exit 1; }
	@mkdir -p "$(BEST_MSRP_OUT)"
	$(DEMO_HEED) train --data "$(MSRP_DIR)/msr_paraphrase_train.txt" --test-data "$(MSRP_DIR)/msr_paraphrase_test.txt" \
		--text-column '#1 String' --pair-column '#2 String' --label-column Quality --model pair --keep-digits \
		--overlap-features --embed-dim 1 --filters 1 --learning-rate 0.03 --mask-zero --max-len 40 \
		--validation-split 0.2 --early-stopping 5 --epochs 60 \
		--seed 42 --quiet --out "$(BEST_MSRP_OUT)" 2>&1 | tee "$(BEST_MSRP_OUT).log"; test $${PIPESTATUS[0]} -eq 0
	@sed -n 's/^test accuracy: \([0-9.]*\).*/test accuracy: \1/p' "$(BEST_MSRP_OUT).log" | tail -1

EXAMPLES := attention-basics keras-attention-model cnn-attention-pairs transformer-from-scratch custom-op

# Builds every example in release mode, then runs each one.
examples: deps
	@set -e; for e in $(EXAMPLES); do $(SWIFT) build -c release --product $$e; done
	@set -e; for e in $(EXAMPLES); do \
		echo "== $$e"; \
		$(SWIFT) run -c release --skip-build $$e; \
	done

# Builds the DocC documentation of Heed, HeedText and HeedModels (swift-docc-plugin) into
# .build/plugins/Swift-DocC/outputs.
# Fails on any DocC warning and on any public symbol without a `///` summary.
docs:
	$(SWIFT) package generate-documentation --target Heed --target HeedText --target HeedModels \
		--warnings-as-errors
	python3 Scripts/undocumented-symbols.py $$(find .build -type d -name extracted-symbols)

# Trains the attention text classifier on IMDb's official split (train rows 1-25,000, test rows
# 25,001-50,000) with the Keras recipe, then evaluates it on the test rows. Set HEED_DATA to the
# path of IMDB_Dataset.csv; the default is the shared copy beside the repository. Without either,
# the Stanford archive is downloaded into IMDB_DOWNLOAD and converted (heed import-imdb).
DEMO_DATA ?= $(or $(HEED_DATA),../shared/datasets/imdb/IMDB_Dataset.csv)
DEMO_OUT ?= out/imdb-text
DEMO_BUILD_FLAGS ?=
# The demo builds only `heed`; HEED_WITHOUT_SERVER=1 leaves heed serve's packages out of the
# package graph, so that a first build neither fetches nor evaluates them (Package.swift).
HEED_RELEASE = HEED_WITHOUT_SERVER=1 $(SWIFT) build -c release $(DEMO_BUILD_FLAGS)
IMDB_URL ?= https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz
IMDB_DOWNLOAD ?= out/imdb
DEMO_FOUND = $(if $(wildcard $(DEMO_DATA)),$(DEMO_DATA),$(IMDB_DOWNLOAD)/IMDB_Dataset.csv)
DEMO_HEED = $$($(HEED_RELEASE) --show-bin-path)/heed

demo: deps
	$(HEED_RELEASE) --product heed
	@if [ ! -f "$(DEMO_FOUND)" ]; then \
		echo "IMDb data not found at $(DEMO_DATA); downloading $(IMDB_URL) (84 MB) into $(IMDB_DOWNLOAD)"; \
		mkdir -p "$(IMDB_DOWNLOAD)"; \
		archive="$(IMDB_DOWNLOAD)/aclImdb_v1.tar.gz"; \
		if command -v curl >/dev/null; then fetch="curl -fL --retry 2 -o $$archive.part"; \
		elif command -v wget >/dev/null; then fetch="wget -O $$archive.part"; \
		else fetch=""; fi; \
		if [ -n "$$fetch" ] && $$fetch "$(IMDB_URL)" && mv "$$archive.part" "$$archive" \
			&& tar -xzf "$$archive" -C "$(IMDB_DOWNLOAD)" \
			&& $(DEMO_HEED) import-imdb --dir "$(IMDB_DOWNLOAD)/aclImdb" --out "$(DEMO_FOUND)"; then :; else \
			echo "Could not download or convert the archive (curl or wget is needed). Get IMDB_Dataset.csv"; \
			echo "(the Kaggle 'IMDB Dataset of 50K Movie Reviews', columns review,sentiment; rows 1-25,000 are"; \
			echo "the official train split) and run: make demo HEED_DATA=/path/to/IMDB_Dataset.csv"; \
			exit 1; \
		fi; \
	fi
	rm -rf "$(DEMO_OUT)"
	$(DEMO_HEED) train --data "$(DEMO_FOUND)" --text-column review --label-column sentiment \
		--train-rows 1-25000 --test-rows 25001-50000 --model text --vocab-size 10000 --max-len 200 --embed-dim 64 \
		--epochs 3 --batch-size 32 --learning-rate 0.001 --seed 42 --out "$(DEMO_OUT)"
	$(DEMO_HEED) evaluate --model "$(DEMO_OUT)" --data "$(DEMO_FOUND)" --rows 25001-50000 \
		--roc "$(DEMO_OUT)/roc.svg"
	@echo "Model folder: $(DEMO_OUT) (config.json, model.safetensors, vocab.txt, labels.json, history.csv)"
	@echo "Charts: $(DEMO_OUT)/loss.svg $(DEMO_OUT)/accuracy.svg $(DEMO_OUT)/roc.svg"

clean:
	$(SWIFT) package clean
	rm -rf .build Distributed/.build
