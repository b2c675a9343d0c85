#include "common/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace kiln {
namespace {

bool ParseNumber(std::string_view text, double* out) {
  if (text.empty()) return false;
  std::string copy(text);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(*out);
}

size_t SplitUnit(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  return i;
}

}  // namespace

StatusOr<int64_t> ParseByteSize(std::string_view text) {
  size_t split = SplitUnit(text);
  double number = 0;
  if (!ParseNumber(text.substr(0, split), &number)) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a size (examples: 4096, 512M, 10G)");
  }
  std::string unit(text.substr(split));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double multiplier = 0;
  if (unit.empty() || unit == "B") multiplier = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") multiplier = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") multiplier = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") multiplier = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") multiplier = 1024.0 * 1024 * 1024 * 1024;
  else return Status::InvalidArgument("\"" + std::string(text) + "\" has an unknown size unit \"" + unit + "\"");
  double bytes = number * multiplier;
  if (bytes > 9.0e18) return Status::InvalidArgument("\"" + std::string(text) + "\" is too large");
  return static_cast<int64_t>(bytes);
}

std::string FormatByteSize(int64_t bytes) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + units[unit];
}

StatusOr<Duration> ParseDuration(std::string_view text) {
  size_t split = SplitUnit(text);
  double number = 0;
  if (!ParseNumber(text.substr(0, split), &number)) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a duration (examples: 30s, 10m, 2h)");
  }
  std::string_view unit = text.substr(split);
  double seconds_per_unit = 0;
  if (unit.empty() || unit == "s") seconds_per_unit = 1;
  else if (unit == "ms") seconds_per_unit = 0.001;
  else if (unit == "m") seconds_per_unit = 60;
  else if (unit == "h") seconds_per_unit = 3600;
  else return Status::InvalidArgument("\"" + std::string(text) + "\" has an unknown duration unit \"" + std::string(unit) + "\"");
  const double seconds = number * seconds_per_unit;
  // Nanoseconds in 64 bits reach 292 years; converting more would be undefined.
  if (seconds > 9.0e9) return Status::InvalidArgument("\"" + std::string(text) + "\" is too long");
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

std::string FormatDuration(Duration duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  if (seconds != 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds != 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}


}  // namespace kiln
