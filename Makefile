# Heed — build, test and benchmark entry points.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev pkg-config

.PHONY: all deps build release test conformance bench clean

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
	$(SWIFT) run -c release bench-attention --compare-unfused

clean:
	$(SWIFT) package clean
	rm -rf .build
