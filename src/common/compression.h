// Wire compressions for blob transfer, and streaming zstd codecs. Streaming matters: a
// compressed ByteStream transfer of a multi-GiB blob must never be buffered whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

enum class Compression { kIdentity, kZstd };

std::string_view CompressionName(Compression compression);
// Parses the lowercase name used in "compressed-blobs/{compressor}/..." resource names.
StatusOr<Compression> CompressionFromName(std::string_view name);

// Compresses a stream of chunks into one zstd frame.
class ZstdCompressor {
 public:
  explicit ZstdCompressor(int level = 1);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // Appends compressed bytes for `input` to *out; with `last`, also ends the frame.
  Status Compress(std::string_view input, bool last, std::string* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Decompresses a stream of chunks holding one or more zstd frames.
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  // Appends the decompressed bytes for `input` to *out. Fails on corrupt input, or when the
  // output would exceed `max_output_total` bytes over the life of the stream (a bomb guard).
  Status Decompress(std::string_view input, std::string* out, int64_t max_output_total);
  // True if the input so far ends exactly at a frame boundary.
  bool AtFrameBoundary() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One-shot helpers for batch RPCs.
StatusOr<std::string> ZstdCompress(std::string_view input);
StatusOr<std::string> ZstdDecompress(std::string_view input, int64_t max_output);

}  // namespace kiln
