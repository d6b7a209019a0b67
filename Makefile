# Soma — the two quick-start commands are `make demo` and `make test`.
#
#   make demo    the whole job on the simulated breadboard: somad --sim with seed 000's
#                30 × 10 × 10 network, the digits learned by the full protocol through soma, the
#                log pulled, the report and plots in demo-out/ (HostTools/demo.sh)
#   make test    install what the tests need (apt), then run the whole suite: the front-end's SPICE
#                checks (make check-hardware), debug and release builds, the real-kernel tests
#   make fuzz    libFuzzer over the pattern, profile, run spec, API body and log segment parsers;
#                schemathesis against the running daemon's API
#   make soak    one simulated hour of continuous learning on somad --sim while a client pulls
#   make board   somad for the single-board computer (Board/build.sh; then Board/deploy.sh HOST)
#   make bench   benchmarks, each reported as a ratio to a baseline measured in the same run
#                (the core against a naive one; GPIO in the test VM against C libgpiod; the loop's
#                wake-up latency against cyclictest; the event log against a plain write; event
#                pulls over HTTP against reading the log in-process; the simulated 30 × 10 × 10
#                network's full protocol against the same network in Brian2)
#
# Everything a fresh Debian 12 machine with Swift 6.3 lacks is installed by `make deps`.

SWIFT        ?= swift
APT_PACKAGES := libgpiod-dev libi2c-dev libsqlite3-dev pkg-config chromium ngspice libngspice0-dev
# Root installs directly; anyone else goes through sudo.
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH_OUT    := bench-out

.PHONY: all deps build test test-debug test-release test-hil check-hardware demo bench board fuzz soak clean

all: build

# Python: schemdraw draws Board/hardware/frontend-neuron.svg from the netlist (make check-hardware).
PIP_PACKAGES := schemdraw==0.23

deps:
	@python3 -c "import schemdraw" 2>/dev/null || { \
	  python3 -m pip --version >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-pip; }; \
	  python3 -m pip install --quiet --disable-pip-version-check --break-system-packages $(PIP_PACKAGES) 2>/dev/null \
	    || python3 -m pip install --quiet --disable-pip-version-check $(PIP_PACKAGES); }
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

test: check-hardware test-debug test-release test-hil

# The analog front-end (Board/hardware/frontend.cir) in ngspice against the shipped hardware
# profiles: rails under worst-case load, row edges, read level and read-out span, comparators, the
# safe state at power-up and after the software is gone. One table, each check with its bound.
check-hardware: deps
	python3 Board/hardware/bom.py --check
	python3 -W ignore Board/hardware/draw.py --check
	python3 Board/hardware/check.py

test-debug: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip SomaHILTests

# The release build removes short-lived allocations that debug builds make, and can add others:
# the zero-allocation tests run in both.
test-release: deps
	SOMA_ALLOCATION_TESTS_ONLY=1 $(SWIFT) test -c release --scratch-path .build-release --filter ZeroAllocation

# The real-kernel tests: Debian's own kernel in qemu with gpio-sim and i2c-stub (Tests/hil/vm.sh),
# the test bundle built twice, against Debian's libgpiod v1 and against v2 built from source.
test-hil: deps
	Tests/hil/vm.sh setup
	$(SWIFT) build --build-tests
	PKG_CONFIG_PATH=$$(Tests/hil/vm.sh libgpiod2) $(SWIFT) build --build-tests --scratch-path .build-gpiod2
	Tests/hil/vm.sh run sh Tests/hil/run-tests.sh

demo: deps
	@$(SWIFT) build --product soma
	@$(SWIFT) build --product somad
	@HostTools/demo.sh

bench: deps
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT)
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress \
	  --format metricP90AbsoluteThresholds --path ../$(BENCH_OUT)
	@echo
	python3 Benchmarks/report.py $(BENCH_OUT)
	@echo
	Benchmarks/gpio-vm.sh $(BENCH_OUT)
	@echo
	Benchmarks/service.sh $(BENCH_OUT)
	@echo
	Benchmarks/network.sh $(BENCH_OUT)

# libFuzzer over every parser that takes outside input (Fuzz/run.sh): FUZZ_RUNS executions or
# FUZZ_SECONDS each (defaults 20000 and 30, the CI run); a crash's input lands in
# .build-fuzz/crashes/. Then schemathesis against somad's API (Fuzz/api.sh).
fuzz: deps
	@Fuzz/run.sh
	@Fuzz/api.sh

# somad --sim --speed max through one simulated hour of training and inference while soma pulls;
# RSS sampled, the log checked complete (Tests/soak/soak.py; SOAK_VIRTUAL_SECONDS to change it).
soak: deps
	@python3 Tests/soak/soak.py

# somad for the single-board computer, in .build-board/somad (Board/build.sh): natively on an
# aarch64 board, or static with a Swift static Linux SDK; Board/deploy.sh HOST installs it.
board:
	@Board/build.sh

clean:
	rm -rf .build .build-gpiod2 .build-hil .build-release .build-board .build-fuzz Benchmarks/.build $(BENCH_OUT)
