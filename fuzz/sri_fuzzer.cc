// Subresource Integrity strings (src/asset/sri.h), the checksum.sri qualifier of Remote
// Asset requests. Checked: an accepted SRI carries a lowercase hex hash of its function's
// length, and its canonical form parses back to the same hash.
#include <string>

#include "asset/sri.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sri = kiln::ParseSri(text);
  if (!sri.ok()) {
    FUZZ_CHECK(sri.status().code() == kiln::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(sri->hex_hash.size() == kiln::HashHexLength(sri->function));
  FUZZ_CHECK(kiln::Digest::Create(sri->function, sri->hex_hash, 0).ok());
  const std::string canonical = sri->ToString();
  auto again = kiln::ParseSri(canonical);
  FUZZ_CHECK(again.ok() && again->function == sri->function && again->hex_hash == sri->hex_hash);
  FUZZ_CHECK(again->ToString() == canonical);
  return 0;
}
