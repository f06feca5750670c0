# swiftvm-tck — the two commands a fresh Debian 12 machine needs:
#   make run    install what is missing, build, boot every TestGuests kernel on swiftvm
#   make test   Swift tests, cmocka tests of the guest library, end-to-end boots, QEMU smoke boots
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT        ?= swift
RELEASE_BIN  := .build/release/swiftvm
TCK          := .build/release/tck
# Debian packages the build, the tests and the QEMU driver need (dpkg names).
PACKAGES     := gcc make binutils pkg-config libelf-dev linux-libc-dev libcmocka-dev \
                qemu-system-x86 acpica-tools libxml2-utils chromium python3 python3-venv time
# A real JUnit consumer for the report checks (PyPI junitparser), in a venv of the project's own.
VENV         := .build/venv
PYTHON       := $(VENV)/bin/python

FUZZ_SECONDS ?= 60
.PHONY: all setup build guests run test fuzz test-swift test-guests test-qemu test-tck test-unprivileged test-hostile bench clean

all: build guests

## setup: install the Debian packages that are missing (idempotent; apt runs only when needed)
setup:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "setup: installing$$(echo $$missing | sed 's/^/ /')"; \
		if [ "$$(id -u)" != 0 ]; then echo "setup: need root to install: $$missing" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "setup: all packages present"; fi
	@command -v $(SWIFT) >/dev/null || { echo "setup: swift not found (expected under /opt/swift)" >&2; exit 1; }
	@$(MAKE) -s $(PYTHON)

$(PYTHON):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q junitparser

# The Swift runtime linked statically: swiftvm starts in ~6 ms instead of ~11 (benchmarks/README.md).
build:
	$(SWIFT) build -c release --static-swift-stdlib --product swiftvm
	$(SWIFT) build -c release --static-swift-stdlib --product tck

guests:
	$(MAKE) -s -C TestGuests

## run: the main job — the whole suite on swiftvm; reports in Reports/latest/
run: setup build guests
	$(TCK) run --driver swiftvm --jobs 2 --report-dir Reports/latest

## test: everything CI gates on (Swift last: its closing line is the summary CI reads)
test: setup guests test-guests test-qemu test-tck test-unprivileged test-swift

test-guests:
	$(MAKE) -s -C TestGuests unit

## test-unprivileged: the smoke group as user tckuser with only /dev/kvm access (root; idempotent)
test-unprivileged: guests
	$(SWIFT) build
	scripts/unprivileged-check.sh .build/debug/tck

## test-hostile: the attack kernels on both drivers, then each VMM's exit status, wall time and peak RSS
test-hostile: guests
	$(SWIFT) build
	.build/debug/tck run --group hostile --driver swiftvm --driver qemu --jobs 2 --report-dir .build/tck-hostile
	scripts/measure-hostile.sh .build/tck-hostile/results.json

test-swift: guests
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

test-qemu: guests
	TestGuests/qemu-smoke.sh

# The real suite on both drivers, then the reports through real consumers (xmllint, junitparser, Chromium).
test-tck: guests
	$(SWIFT) build
	.build/debug/tck run --driver swiftvm --driver qemu --jobs 2 --report-dir .build/tck-selftest
	PYTHON=$(PYTHON) scripts/check-reports.sh .build/tck-selftest
	.build/debug/tck abi check
	.build/debug/tck abi dump --machine swiftvm-1.1 -o .build/abi-selftest.json --tables-dir .build/abi-tables
	scripts/check-acpi.sh .build/abi-tables

## bench: boot-to-exit, exit round trip, throughput, suite wall time, scaling (swiftvm vs QEMU vs the C floor),
## in one sitting; writes Reports/bench/bench.json and index.html (benchmarks/README.md)
bench: setup build guests
	scripts/bench.sh $(RELEASE_BIN) $(TCK)

## fuzz: every libFuzzer target for FUZZ_SECONDS each (default 60); crash inputs land in Fuzz/artifacts/
fuzz: setup
	Fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
	$(MAKE) -s -C TestGuests clean
