# Heed — build, test and benchmark entry points.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev pkg-config

.PHONY: all deps build release test conformance bench bench-text demo clean

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

bench: deps
	$(SWIFT) run -c release bench-matmul

bench-text: deps
	$(SWIFT) run -c release bench-text

# Trains the attention text classifier on IMDb's official split (train rows 1-25,000, test rows
# 25,001-50,000) with the Keras recipe, then evaluates it on the test rows. Set HEED_DATA to the
# path of IMDB_Dataset.csv; the default is the shared copy beside the repository.
DEMO_DATA ?= $(or $(HEED_DATA),../shared/datasets/imdb/IMDB_Dataset.csv)
DEMO_OUT ?= out/imdb-text
DEMO_BUILD_FLAGS ?=
HEED_RELEASE = $(SWIFT) build -c release $(DEMO_BUILD_FLAGS)

demo: deps
	@if [ ! -f "$(DEMO_DATA)" ]; then \
		echo "IMDb data not found at $(DEMO_DATA)."; \
		echo "Get IMDB_Dataset.csv (the Kaggle 'IMDB Dataset of 50K Movie Reviews', columns review,sentiment;"; \
		echo "rows 1-25,000 are the official train split) and run: make demo HEED_DATA=/path/to/IMDB_Dataset.csv"; \
		exit 1; \
	fi
	$(HEED_RELEASE) --product heed
	rm -rf "$(DEMO_OUT)"
	$$($(HEED_RELEASE) --show-bin-path)/heed train --data "$(DEMO_DATA)" --text-column review --label-column sentiment \
		--train-rows 1-25000 --test-rows 25001-50000 --model text --vocab-size 10000 --max-len 200 --embed-dim 64 \
		--epochs 3 --batch-size 32 --learning-rate 0.001 --seed 42 --out "$(DEMO_OUT)"
	$$($(HEED_RELEASE) --show-bin-path)/heed evaluate --model "$(DEMO_OUT)" --data "$(DEMO_DATA)" --rows 25001-50000 \
		--roc "$(DEMO_OUT)/roc.svg"
	@echo "Model folder: $(DEMO_OUT) (config.json, model.safetensors, vocab.txt, labels.json, history.csv)"
	@echo "Charts: $(DEMO_OUT)/loss.svg $(DEMO_OUT)/accuracy.svg $(DEMO_OUT)/roc.svg"

clean:
	$(SWIFT) package clean
	rm -rf .build
