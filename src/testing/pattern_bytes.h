// Test data whose every byte depends on its offset, also across 4 KiB pages, so that a
// misplaced, repeated or missing block shows in a comparison.
#pragma once

#include <cstddef>
#include <string>

namespace kiln::testing {

inline std::string PatternBytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return bytes;
}

}  // namespace kiln::testing
