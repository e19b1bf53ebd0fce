# Heed — build, test and benchmark entry points.
SWIFT ?= swift
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev pkg-config

.PHONY: all deps build release test conformance bench bench-text bench-memory fuzz sanitize sanitize-address sanitize-thread clean

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

bench-memory: deps
	$(SWIFT) run -c release bench-memory

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

clean:
	$(SWIFT) package clean
	rm -rf .build
