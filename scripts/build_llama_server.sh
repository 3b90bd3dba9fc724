#!/usr/bin/env bash
# Build llama.cpp's OpenAI-compatible `llama-server` from the llama.cpp sources vendored in
# the llama-cpp-python sdist of the version installed in the venv, so the C++ server and
# the embedded backend run the same llama.cpp. `make server` calls this; it needs cmake, a
# C++ compiler, and PyPI (pip download); no other network.
#
#   PYTHON=.venv/bin/python LLAMA_SERVER_DIR=build/llama-server scripts/build_llama_server.sh
#
# Result: $LLAMA_SERVER_DIR/bin/llama-server, a static binary (no shared libraries to find).
# A second run with the same version and flags only touches it. LLAMA_CMAKE_ARGS are passed
# to cmake as well (the Makefile passes -DGGML_NATIVE=OFF: native builds crash on machines
# that advertise instructions they do not allow, see scripts/check_llama.py). The build
# compiles ggml, llama, common, mtmd and the server: 25 CPU-minutes, about 13 minutes on 2
# idle cores.
set -euo pipefail

PYTHON=${PYTHON:-.venv/bin/python}
DIR=${LLAMA_SERVER_DIR:-build/llama-server}
EXTRA_ARGS=${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { echo "build_llama_server: $*" >&2; exit 1; }

for tool in cmake c++ tar; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian/Ubuntu: apt-get install cmake g++)"
done
[[ -x $PYTHON ]] || die "$PYTHON not found: run 'make setup' first"
version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("llama-cpp-python"))') \
  || die "llama-cpp-python is not installed in $PYTHON's environment: run 'make setup' first"

bin="$DIR/bin/llama-server"
stamp="$bin.built-from"
wanted="llama-cpp-python $version, cmake args: $EXTRA_ARGS"
if [[ -x $bin && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]; then
  touch "$bin"  # newer than its prerequisites: make considers it up to date
  echo "llama-server is up to date ($wanted): $bin"
  exit 0
fi

started=$SECONDS
sdist_dir="$DIR/sdist"
mkdir -p "$sdist_dir"
sdist=$(find "$sdist_dir" -maxdepth 1 -name "llama_cpp_python-$version.tar.gz" | head -n 1)
if [[ -z $sdist ]]; then
  echo "downloading the llama-cpp-python $version sdist from the package index"
  "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
    --dest "$sdist_dir" "llama-cpp-python==$version"
  sdist=$(find "$sdist_dir" -maxdepth 1 -name "llama_cpp_python-$version.tar.gz" | head -n 1)
  [[ -n $sdist ]] || die "pip download left no llama_cpp_python-$version.tar.gz in $sdist_dir"
fi

src="$DIR/src"
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$sdist" -C "$src" --strip-components=1
[[ -f $src/vendor/llama.cpp/tools/server/CMakeLists.txt ]] \
  || die "$sdist has no vendor/llama.cpp/tools/server (an unexpected sdist layout)"

# Static libraries: one self-contained binary. No web UI (it would be downloaded or built
# with npm), no HTTPS (needs OpenSSL headers; the server listens on 127.0.0.1), and only
# the llama-server target is built.
echo "building llama-server from llama-cpp-python $version's llama.cpp with $JOBS jobs (about 13 minutes on 2 idle cores, 25 CPU-minutes)"
# shellcheck disable=SC2086  # EXTRA_ARGS is a list of cmake arguments
cmake -S "$src/vendor/llama.cpp" -B "$DIR/cmake" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_OPENSSL=OFF \
  $EXTRA_ARGS >"$DIR/cmake-configure.log" \
  || { tail -n 40 "$DIR/cmake-configure.log" >&2; die "cmake configure failed (log: $DIR/cmake-configure.log)"; }
cmake --build "$DIR/cmake" --target llama-server -j "$JOBS"

built="$DIR/cmake/bin/llama-server"
[[ -x $built ]] || die "the build produced no $built"
"$built" --version >/dev/null 2>&1 || die "$built --version fails on this machine (a CPU-tuned build?)"
mkdir -p "$DIR/bin"
cp "$built" "$bin.tmp"
mv -f "$bin.tmp" "$bin"
echo "$wanted" >"$stamp"
echo "built $bin in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
