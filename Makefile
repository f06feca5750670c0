# swiftvm-tck — the two commands a fresh Debian 12 machine needs:
#   make run    install what building and running need, build, boot every TestGuests kernel on swiftvm
#   make test   also install the test tools, then Swift tests, cmocka tests of the guest library,
#               end-to-end boots, QEMU smoke boots, report checks
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT        ?= swift
RELEASE_BIN  := .build/release/swiftvm
TCK          := .build/release/tck
# Debian packages (dpkg names). `make run` needs only the first list: it builds swiftvm, tck and the
# kernels and runs the suite on swiftvm. The second is for `make test` (and bench, test-hostile): the
# cmocka unit tests, the QEMU driver, iasl, the report consumers (xmllint, junitparser, Chromium), time,
# the libvirt driver's daemons and virsh (libvirt-daemon-system also creates the libvirt-qemu user), and
# qemu-img/qemu-io (qemu-utils), the judges of the qcow2 tests. The release swiftvm is a static executable:
# libc6-dev, g++ (libstdc++), libelf-dev and zlib1g-dev give it libc.a, libstdc++.a, libelf.a and libz.a.
RUN_PACKAGES  := gcc g++ libc6-dev make binutils pkg-config libelf-dev linux-libc-dev zlib1g-dev
TEST_PACKAGES := libcmocka-dev qemu-system-x86 qemu-utils acpica-tools libxml2-utils chromium python3 python3-venv time \
                 libvirt-daemon-system libvirt-clients
# A real JUnit consumer for the report checks (PyPI junitparser), in a venv of the project's own.
VENV         := .build/venv
PYTHON       := $(VENV)/bin/python

FUZZ_SECONDS ?= 60
.PHONY: all setup setup-test build guests run test fuzz startup-order test-swift test-graph test-guests test-qemu test-tck test-startup-order test-libvirt test-unprivileged test-hostile bench clean

all: build guests

# $(call install-missing,TARGET,PACKAGES): apt-get install the PACKAGES that are not installed yet
# (idempotent; apt runs only when one is missing).
define install-missing
	@missing=$$(for p in $(2); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "$(1): installing$$(echo $$missing | sed 's/^/ /')"; \
		if [ "$$(id -u)" != 0 ]; then echo "$(1): need root to install: $$missing" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "$(1): all packages present"; fi
endef

## setup: what building and `make run` need (compiler, libelf, kernel headers); apt runs only when needed
setup:
	$(call install-missing,setup,$(RUN_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "setup: swift not found (expected under /opt/swift)" >&2; exit 1; }

## setup-test: setup, plus what only the tests use (cmocka, QEMU, iasl, xmllint, Chromium, time, junitparser venv)
setup-test: setup
	$(call install-missing,setup-test,$(TEST_PACKAGES))
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
test: setup-test guests test-graph test-guests test-qemu test-tck test-startup-order test-unprivileged test-swift

test-guests:
	$(MAKE) -s -C TestGuests unit

## test-graph: every import declared in Package.swift, and Fuzz/Package.swift in step with it
test-graph:
	$(SWIFT) package dump-package > .build/package.json
	cd Fuzz && $(SWIFT) package dump-package > ../.build/fuzz-package.json
	python3 scripts/check-module-graph.py .build/package.json .build/fuzz-package.json

## test-startup-order: most functions Sources/swiftvm/startup.order lists still exist in the release swiftvm
test-startup-order: build
	scripts/startup-order.sh --check

## test-unprivileged: the smoke group as user tckuser with only /dev/kvm access (root; idempotent)
test-unprivileged: guests
	$(SWIFT) build
	scripts/unprivileged-check.sh .build/debug/tck

## test-hostile: the attack kernels on both drivers, then each VMM's exit status, wall time and peak RSS
test-hostile: setup-test guests
	$(SWIFT) build
	.build/debug/tck run --group hostile --driver swiftvm --driver qemu --jobs 2 --report-dir .build/tck-hostile
	scripts/measure-hostile.sh .build/tck-hostile/results.json

# libvirt's daemons are up for the Swift tests too (LibvirtDriverTests boot through them; they skip,
# saying why, where libvirt cannot run).
test-swift: guests
	$(SWIFT) build --build-tests
	scripts/with-libvirt.sh --always $(SWIFT) test --skip-build

test-qemu: guests
	TestGuests/qemu-smoke.sh

# The real suite on both drivers, then the reports through real consumers (xmllint, junitparser, Chromium).
test-tck: guests
	$(SWIFT) build
	.build/debug/tck run --driver swiftvm --driver qemu --jobs 2 --report-dir .build/tck-selftest
	PYTHON=$(PYTHON) scripts/check-reports.sh .build/tck-selftest
	$(MAKE) -s test-libvirt
	.build/debug/tck abi check
	.build/debug/tck abi dump --machine swiftvm-1.1 -o .build/abi-selftest.json --tables-dir .build/abi-tables
	scripts/check-acpi.sh .build/abi-tables

## test-libvirt: the smoke and conformance groups through libvirt (daemons started and stopped around it
## by scripts/with-libvirt.sh), the reports checked, and no domain left after a SIGKILL of tck
test-libvirt: guests
	$(SWIFT) build
	scripts/with-libvirt.sh sh -c '.build/debug/tck run --driver libvirt --group smoke --group conformance --jobs 2 \
		--report-dir .build/tck-libvirt && PYTHON=$(PYTHON) scripts/check-reports.sh .build/tck-libvirt \
		&& scripts/check-libvirt-report.sh .build/tck-libvirt && scripts/libvirt-kill-check.sh .build/debug/tck'

## bench: boot-to-exit, exit round trip, throughput, suite wall time, scaling (swiftvm vs QEMU vs the C floor),
## in one sitting; writes Reports/bench/bench.json and index.html (benchmarks/README.md)
bench: setup-test build guests
	$(call install-missing,bench,valgrind)
	scripts/bench.sh $(RELEASE_BIN) $(TCK)

## startup-order: trace a hello run instruction by instruction (and its loads and stores under valgrind)
## and write Sources/swiftvm/startup.order, the functions and data the release link places side by side
## (scripts/startup-order.sh; minutes: it single-steps)
startup-order: setup build guests
	$(call install-missing,startup-order,valgrind)
	scripts/startup-order.sh

## fuzz: every libFuzzer target for FUZZ_SECONDS each (default 60); crash inputs land in Fuzz/artifacts/
fuzz: setup
	Fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
	$(MAKE) -s -C TestGuests clean
