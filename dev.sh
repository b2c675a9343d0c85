#!/usr/bin/env bash
# The one entry point for people and CI. Installs the Debian packages kiln needs (only the
# missing ones), builds with CMake, then serves or tests.
#   ./dev.sh serve [kiln serve flags]   build (Release) and run kiln serve on 127.0.0.1:8980
#   ./dev.sh test                       build and run the whole test suite
#   ./dev.sh asan                       the test suite under AddressSanitizer + UBSan (build-asan/)
#   ./dev.sh build                      build only
#   ./dev.sh fuzz [SECONDS] [NAME...]   build the libFuzzer harnesses with clang (build-fuzz/) and
#                                       run each for SECONDS (default 60), one at a time
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(g++ cmake make ccache pkg-config protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
          libgrpc++-dev libssl-dev libzstd-dev zlib1g-dev libbrotli-dev libgtest-dev libgmock-dev libbenchmark-dev
          libcurl4-openssl-dev libarchive-dev libhiredis-dev libyaml-cpp-dev libboost-dev git)
# The test suite also drives the real Bazel and BuildStream clients (bst builds in a
# bubblewrap sandbox; python3 also serves one process-group test), and starts its own
# redis-server processes for the farm's backplane, and promtool and a Prometheus server
# for /metrics.
TEST_PACKAGES=(bazel-bootstrap bazel-bootstrap-source libnetty-tcnative-jni buildstream bubblewrap python3 redis-server prometheus chromium)
# Only for `./dev.sh fuzz`: Debian's clang and its libFuzzer runtime.
FUZZ_PACKAGES=(clang libclang-rt-dev)
JOBS=${JOBS:-2}
# ccache keys on absolute paths unless told the source root: lets a fresh clone in another
# directory (as CI makes) reuse earlier compilations.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

install_missing() {  # install_missing [extra packages]
  local missing=()
  for package in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure() {  # configure DIR [extra cmake args]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" > /dev/null
}

case "${1:-}" in
  serve)
    shift
    install_missing
    configure build -DBUILD_TESTING=OFF
    cmake --build build -j"$JOBS" --target kiln
    exec ./build/kiln serve "$@"
    ;;
  test)
    install_missing "${TEST_PACKAGES[@]}"
    configure build -DBUILD_TESTING=ON
    cmake --build build -j"$JOBS"
    cd build && ctest --output-on-failure -j"$JOBS"
    ;;
  asan)
    install_missing "${TEST_PACKAGES[@]}"
    configure build-asan -DBUILD_TESTING=ON -DKILN_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build build-asan -j"$JOBS"
    cd build-asan && ctest --output-on-failure -j"$JOBS"
    ;;
  fuzz)
    shift
    seconds=${1:-60}
    [ $# -gt 0 ] && shift
    install_missing "${FUZZ_PACKAGES[@]}"
    CC=clang CXX=clang++ configure build-fuzz -DKILN_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only"
    cmake --build build-fuzz -j"$JOBS" --target fuzzers
    exec fuzz/run_fuzzers.sh build-fuzz "$seconds" "$@"
    ;;
  build)
    install_missing
    configure build -DBUILD_TESTING=ON
    cmake --build build -j"$JOBS"
    ;;
  *)
    sed -n '2,9p' "$0"
    exit 2
    ;;
esac
