# xroute: commands for people. The real build is CMake (CMakeLists.txt); this file only strings steps together.
#   make          build everything into build/ (binaries in build/bin/)
#   make test     install dependencies, build (plain, ASan+UBSan, fuzz), run every test
#   make demo     install, build, start the local stack, place orders on every venue, show the recorded trades
#   make bench    run the benchmarks, write docs/benchmarks.md
#   make fuzz     run every fuzz target for FUZZ_SECONDS each (default 300)
#   make up / make status / make down   the local stack in the background
#   make clean    remove build outputs and ./var

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
FUZZ_SECONDS ?= 300

.PHONY: all deps build test demo bench fuzz clean up down status

all: build

deps:
	@bash deploy/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test:
	@bash tests/run.sh

demo:
	@bash deploy/local/demo.sh

up: deps build
	@bash deploy/local/stack.sh up

status:
	@bash deploy/local/stack.sh status

down:
	@bash deploy/local/stack.sh down

bench: deps build
	@bash bench/run.sh

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

clean:
	rm -rf build build-asan build-fuzz var
