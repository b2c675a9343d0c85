#include "cas/gear_table.h"

#include <string>

#include "common/hasher.h"

namespace kiln {
namespace {

GearTable ComputeGearTable() {
  GearTable table{};
  for (int value = 0; value < 256; ++value) {
    // Derived rather than typed in: 256 constants are easy to get wrong and hard to review,
    // and the unit test pins a few entries against the published table.
    const std::string hex = HashHex(DigestFunction::kMd5, std::string(64, static_cast<char>(value)));
    table[value] = std::stoull(hex.substr(0, 16), nullptr, 16);
  }
  return table;
}

}  // namespace

const GearTable& StandardGearTable() {
  static const GearTable table = ComputeGearTable();
  return table;
}

}  // namespace kiln
