// The Gear table of content-defined chunking: 256 pseudo-random 64-bit values, one per byte
// value, that the rolling hash adds up. REAPI's FAST_CDC_2020 and REP_MAX_CDC both use the
// table of the FastCDC reference code, so that chunk boundaries agree across clients and
// servers: entry i is the first 8 bytes (big-endian) of the MD5 of 64 bytes of value i.
#pragma once

#include <array>
#include <cstdint>

namespace kiln {

using GearTable = std::array<uint64_t, 256>;

// Computed once, on first use; thread-safe.
const GearTable& StandardGearTable();

}  // namespace kiln
