// Sizes and durations as written in flags and in the kiln:max-* platform properties that
// clients send with actions (src/common/units.h). Checked: a parsed size is not negative and
// its formatted form parses back to the same value; a parsed duration is not negative.
#include <string>

#include "common/units.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bytes = kiln::ParseByteSize(text);
  if (bytes.ok()) {
    FUZZ_CHECK(*bytes >= 0);
    auto again = kiln::ParseByteSize(kiln::FormatByteSize(*bytes));
    FUZZ_CHECK(again.ok() && *again == *bytes);
  } else {
    FUZZ_CHECK(bytes.status().code() == kiln::StatusCode::kInvalidArgument);
  }
  auto duration = kiln::ParseDuration(text);
  if (duration.ok()) {
    FUZZ_CHECK(duration->count() >= 0);
    (void)kiln::FormatDuration(*duration);
  } else {
    FUZZ_CHECK(duration.status().code() == kiln::StatusCode::kInvalidArgument);
  }
  return 0;
}
