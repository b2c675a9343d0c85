// Sizes and durations as people write them in flags and platform properties: "512M",
// "10G", "4096"; "90s", "10m", "2h", "500ms".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

// "10G", "512MiB", "4096", "1.5GB" -> bytes (K/M/G/T are powers of 1024).
StatusOr<int64_t> ParseByteSize(std::string_view text);
std::string FormatByteSize(int64_t bytes);
// "90s", "10m", "2h", "500ms", plain number = seconds.
StatusOr<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration duration);

}  // namespace kiln
