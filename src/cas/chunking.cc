#include "cas/chunking.h"

#include "cas/fast_cdc.h"
#include "cas/rep_max_cdc.h"

namespace kiln {

std::string_view ChunkingFunctionName(ChunkingFunction function) {
  switch (function) {
    case ChunkingFunction::kUnspecified: return "UNKNOWN";
    case ChunkingFunction::kFastCdc2020: return "FAST_CDC_2020";
    case ChunkingFunction::kRepMaxCdc: return "REP_MAX_CDC";
  }
  return "?";
}

Status ValidateChunkingConfig(const ChunkingConfig& config) {
  // The ranges clients check before they trust an advertisement (REAPI's FastCdc2020Params
  // and RepMaxCdcParams): outside them, clients would ignore the function.
  if (config.fast_cdc_avg_bytes < 1024 || config.fast_cdc_avg_bytes > 1024 * 1024) {
    return Status::InvalidArgument("FastCDC average chunk size must be 1 KiB to 1 MiB, not " +
                                   std::to_string(config.fast_cdc_avg_bytes));
  }
  if (config.rep_max_min_bytes < 64) {
    return Status::InvalidArgument("RepMaxCDC minimum chunk size must be at least 64 bytes, not " +
                                   std::to_string(config.rep_max_min_bytes));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<ChunkBoundaries>> NewChunkBoundaries(ChunkingFunction function, const ChunkingConfig& config) {
  switch (function) {
    case ChunkingFunction::kUnspecified:
    case ChunkingFunction::kFastCdc2020: {
      auto chunker = FastCdc2020::Create(FastCdcParams::ForAverage(config.fast_cdc_avg_bytes, config.fast_cdc_seed));
      if (!chunker.ok()) return chunker.status();
      return std::unique_ptr<ChunkBoundaries>(std::move(chunker).value());
    }
    case ChunkingFunction::kRepMaxCdc: {
      auto chunker = RepMaxCdc::Create(config.rep_max_min_bytes, config.rep_max_horizon_bytes);
      if (!chunker.ok()) return chunker.status();
      return std::unique_ptr<ChunkBoundaries>(std::move(chunker).value());
    }
  }
  return Status::InvalidArgument("unknown chunking function");
}

}  // namespace kiln
