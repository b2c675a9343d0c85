// The wire compressions kiln serves for blob transfer, by REAPI's names: ByteStream's
// "compressed-blobs/{compressor}/..." resources and BatchUpdateBlobs/BatchReadBlobs items.
// Each is a streaming codec (stream_codec.h), so that a compressed transfer of a multi-GiB
// blob is never buffered whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/stream_codec.h"
#include "common/zstd_codec.h"

namespace kiln {

enum class Compression { kIdentity, kZstd, kDeflate, kBrotli };

// Every compressor kiln serves besides identity (which REAPI requires and never lists), in
// the order the capabilities advertise them.
inline constexpr Compression kServedCompressions[] = {Compression::kZstd, Compression::kDeflate, Compression::kBrotli};

// REAPI's lowercase names: "identity", "zstd", "deflate", "brotli".
std::string_view CompressionName(Compression compression);
// Parses the name used in "compressed-blobs/{compressor}/..." resource names.
StatusOr<Compression> CompressionFromName(std::string_view name);

// REQUIRES: compression != kIdentity.
std::unique_ptr<StreamCompressor> NewCompressor(Compression compression);
std::unique_ptr<StreamDecompressor> NewDecompressor(Compression compression);

// One-shot forms for batch RPCs. Identity passes the bytes through; decompression fails
// (INVALID_ARGUMENT) on data beyond `max_output` bytes or cut off before its end.
StatusOr<std::string> CompressBytes(Compression compression, std::string_view input);
StatusOr<std::string> DecompressBytes(Compression compression, std::string_view input, int64_t max_output);

}  // namespace kiln
