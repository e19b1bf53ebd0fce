# Heed — build, test and benchmark entry points.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev pkg-config
MPI_APT_PACKAGES := openmpi-bin libopenmpi-dev
MPIRUN := mpirun --allow-run-as-root --oversubscribe

.PHONY: all deps build release test conformance bench bench-text bench-compare examples docs clean mpi-deps test-mpi bench-mpi

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

test: deps
	$(SWIFT) test --disable-swift-testing

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

bench-text: deps
	$(SWIFT) run -c release bench-text

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

# Data-parallel training across processes: builds Distributed/, runs one two-rank job, then the
# tests (which start their own `mpirun -np 2` jobs).
test-mpi: deps mpi-deps
	cd Distributed && $(SWIFT) build --build-tests
	cd Distributed && $(MPIRUN) -np 2 $$($(SWIFT) build --show-bin-path)/heed-mpi-train equivalence --optimizer adam
	cd Distributed && $(SWIFT) test --disable-swift-testing

# Samples per second on 1 and 2 ranks for a text-classifier-shaped model.
bench-mpi: deps mpi-deps
	cd Distributed && $(SWIFT) build -c release
	cd Distributed && $(MPIRUN) -np 1 $$($(SWIFT) build -c release --show-bin-path)/heed-mpi-train bench --threads 1
	cd Distributed && $(MPIRUN) -np 1 $$($(SWIFT) build -c release --show-bin-path)/heed-mpi-train bench --threads 2
	cd Distributed && $(MPIRUN) -np 2 $$($(SWIFT) build -c release --show-bin-path)/heed-mpi-train bench --threads 1

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

clean:
	$(SWIFT) package clean
	rm -rf .build Distributed/.build
