// Wire compressions for blob transfer, and streaming zstd codecs. Streaming matters: a
// compressed ByteStream transfer of a multi-GiB blob must never be buffered whole.
#pragma once

#include <cstddef>
#include <functional>
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

// Largest zstd window (history) kiln decodes: 8 MiB, what zstd's levels 1-19 use at most.
// The decoder allocates the window the frame asks for (up to 2 GiB), so without this bound a
// few hostile frames would cost the server gigabytes; frames made with --long or --ultra
// levels are refused instead (INVALID_ARGUMENT saying so).
inline constexpr int kMaxZstdWindowLog = 23;

// Decompresses a stream of chunks holding one or more zstd frames, in bounded memory: the
// output goes through one fixed buffer of output_buffer_size() bytes, whatever the frames
// declare, and the window is at most 2^kMaxZstdWindowLog bytes.
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  // Receives the output piece by piece (each at most output_buffer_size() bytes, valid only
  // during the call); an error it returns stops decompression and is returned.
  using Sink = std::function<Status(std::string_view)>;
  // Decompresses `input` into `sink`. Fails on corrupt input, or as soon as the output
  // exceeds `max_output_total` bytes over the life of the stream (a bomb guard: nothing
  // beyond the limit is produced).
  Status Decompress(std::string_view input, const Sink& sink, int64_t max_output_total);
  // Appends the decompressed bytes to *out (for callers whose output is bounded anyway).
  Status Decompress(std::string_view input, std::string* out, int64_t max_output_total);
  // Bytes produced so far.
  int64_t produced() const;
  // The size of the output buffer, which never grows.
  size_t output_buffer_size() const;
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
