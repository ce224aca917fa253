# SPDX-License-Identifier: GPL-2.0
# Thin wrapper over the CMake presets. The two commands a newcomer needs:
#   make demo    the main job (model comparison, cosimulation when built)
#   make check   install missing deps, configure, build, run every ctest label that can run here,
#                then the same userspace tests under ASan+UBSan and the stress tests under TSan
PRESET ?= default
BUILD_DIR := $(if $(filter default,$(PRESET)),build,build-$(PRESET))
CTEST_ARGS ?= -LE mutation-full

.PHONY: all deps configure build check test-default check-asan check-tsan demo clean help

all: build

help:
	@sed -n '2,4p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash scripts/deps.sh

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $$(nproc)

# Sanitizer runs skip what runs no userspace code of ours under the sanitizer (QEMU boots, RTL, fuzz
# which carries its own ASan+UBSan build).
ASAN_CTEST_ARGS ?= -LE 'kernel|kvm|rtl|fuzz|cosim|mutation'
TSAN_CTEST_ARGS ?= -L 'stress|unit'

check: test-default check-asan check-tsan

# --no-tests=error: a label or -R regex that selects nothing (a typo, a part not built) fails.
# -j: one test per CPU; the tests that need the CPUs to themselves are RUN_SERIAL (CMakeLists.txt, vbus_add_test).
CTEST_JOBS ?= $(shell nproc)
test-default: build
	cd $(BUILD_DIR) && ctest --no-tests=error --output-on-failure -j $(CTEST_JOBS) $(CTEST_ARGS)

check-asan:
	$(MAKE) test-default PRESET=asan CTEST_ARGS="$(ASAN_CTEST_ARGS)"

check-tsan:
	$(MAKE) test-default PRESET=tsan CTEST_ARGS="$(TSAN_CTEST_ARGS)"

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

clean:
	rm -rf build build-asan build-tsan
