// What the harnesses share: a check that holds in every build (the normal build is Release,
// where assert() is compiled out), and a way to carve several inputs out of one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Aborts, which libFuzzer reports as a crash and saves the input, when `condition` is false.
#define FUZZ_CHECK(condition)                                                             \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

namespace kiln::fuzz {

// Reads an input front to back: a few bytes of parameters, then the rest.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 once the input is used up.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }
  // A piece of the input: its length as two bytes (little endian), then that many bytes
  // (fewer if the input ends first).
  std::string_view Part() {
    const size_t length = Byte() | (size_t{Byte()} << 8);
    std::string_view part = rest_.substr(0, length);
    rest_.remove_prefix(part.size());
    return part;
  }
  std::string_view Rest() {
    std::string_view rest = rest_;
    rest_ = {};
    return rest;
  }

 private:
  std::string_view rest_;
};

}  // namespace kiln::fuzz
