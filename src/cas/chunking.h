// Content-defined chunking for SplitBlob and SpliceBlob: the chunking functions REAPI names,
// the parameters kiln uses for them, and the interface through which a stream is cut into
// chunks in one pass (blob_chunk_stream.h) without ever being held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"

namespace kiln {

// Kiln's own values; src/server converts them to and from REAPI's ChunkingFunction.
enum class ChunkingFunction : uint8_t {
  kUnspecified,  // The client did not say: SplitBlob picks, SpliceBlob checks only the sum.
  kFastCdc2020,
  kRepMaxCdc,
};

std::string_view ChunkingFunctionName(ChunkingFunction function);

// What kiln advertises in CacheCapabilities and chunks with. The defaults are upstream's
// recommended values, which clients sharing the cache are expected to use as well.
struct ChunkingConfig {
  // FastCDC 2020: chunks of avg/4 to avg*4 bytes, normalization level 2.
  size_t fast_cdc_avg_bytes = 512 * 1024;
  uint32_t fast_cdc_seed = 0;
  // RepMaxCDC: every chunk of a blob of at least min bytes is in [min, 2*min).
  size_t rep_max_min_bytes = 256 * 1024;
  size_t rep_max_horizon_bytes = 8 * 256 * 1024;
};

// INVALID_ARGUMENT unless every parameter is in the range REAPI allows.
Status ValidateChunkingConfig(const ChunkingConfig& config);

// Places chunk boundaries in a byte stream that is shown to it one chunk at a time.
class ChunkBoundaries {
 public:
  virtual ~ChunkBoundaries() = default;
  // How many bytes, from a chunk's first byte, decide where that chunk ends.
  virtual size_t window_bytes() const = 0;
  // The length of the next chunk, in [1, data.size()]. `data` starts where the previous
  // chunk ended and holds at least window_bytes() bytes, or all that remains of the stream
  // (`last`). A chunker may remember what it computed beyond the chunk it returns, so one
  // instance serves one stream, fed in order.
  // REQUIRES: !data.empty(), and data.size() >= window_bytes() unless `last`.
  virtual size_t NextChunk(std::string_view data, bool last) = 0;
};

// kUnspecified chunks like kFastCdc2020: it is kiln's choice for clients that leave it open.
StatusOr<std::unique_ptr<ChunkBoundaries>> NewChunkBoundaries(ChunkingFunction function, const ChunkingConfig& config);

}  // namespace kiln
