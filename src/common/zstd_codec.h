// Zstandard (REAPI's ZSTD compressor), streaming both ways (stream_codec.h).
#pragma once

#include <memory>

#include "common/stream_codec.h"

namespace kiln {

// Compresses a stream of chunks into one zstd frame.
class ZstdCompressor final : public StreamCompressor {
 public:
  explicit ZstdCompressor(int level = 1);
  ~ZstdCompressor() override;
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  Status Compress(std::string_view input, bool last, std::string* out) override;

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
class ZstdDecompressor final : public StreamDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor() override;
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  Status Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) override;
  int64_t produced() const override;
  // Frames may follow one another: the end of any frame is an end.
  bool AtEnd() const override { return AtFrameBoundary(); }
  // The size of the output buffer, which never grows.
  size_t output_buffer_size() const;
  // True if the input so far ends exactly at a frame boundary.
  bool AtFrameBoundary() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One-shot helpers (batch RPCs, tests).
StatusOr<std::string> ZstdCompress(std::string_view input);
StatusOr<std::string> ZstdDecompress(std::string_view input, int64_t max_output);

}  // namespace kiln
