# SPDX-License-Identifier: GPL-2.0
# Thin wrapper over the CMake presets. The two commands a newcomer needs:
#   make demo    the main job (model comparison, cosimulation when built)
#   make check   install missing deps, configure, build, run every ctest label that can run here
PRESET ?= default
BUILD_DIR := $(if $(filter default,$(PRESET)),build,build-$(PRESET))
CTEST_ARGS ?=

.PHONY: all deps configure build check check-asan check-tsan demo clean help

all: build

help:
	@sed -n '2,4p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash scripts/deps.sh

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $$(nproc)

check: build
	cd $(BUILD_DIR) && ctest --output-on-failure $(CTEST_ARGS)

check-asan:
	$(MAKE) check PRESET=asan CTEST_ARGS="$(CTEST_ARGS)"

check-tsan:
	$(MAKE) check PRESET=tsan CTEST_ARGS="$(CTEST_ARGS)"

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

clean:
	rm -rf build build-asan build-tsan
