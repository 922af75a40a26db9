# Convenience wrapper around CMake.  The real build is CMakeLists.txt.
#   make            build (gcc, RelWithDebInfo) into build/gcc
#   make demo       build and run the demonstration (scripts/demo.sh)
#   make check      install what is missing, run every test with gcc and with
#                   clang + ASan/UBSan, then run the fuzzers (scripts/check.sh)
#   make install    install (honours DESTDIR and PREFIX)
#   make format     clang-format every C file
BUILD ?= build/gcc
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build demo check install format clean

all: build

build:
	@command -v cmake >/dev/null || scripts/deps.sh
	cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=gcc -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo:
	scripts/demo.sh

check:
	scripts/check.sh

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
