// Brotli (REAPI's BROTLI compressor, RFC 7932), streaming both ways (stream_codec.h), with
// Debian's libbrotli.
#pragma once

#include <memory>

#include "common/stream_codec.h"

namespace kiln {

class BrotliCompressor final : public StreamCompressor {
 public:
  // Brotli's qualities, 0 (fastest) to 11; the window is libbrotli's default (4 MiB), which
  // is what a client's decoder then needs.
  explicit BrotliCompressor(int quality = 1);
  ~BrotliCompressor() override;
  BrotliCompressor(const BrotliCompressor&) = delete;
  BrotliCompressor& operator=(const BrotliCompressor&) = delete;

  Status Compress(std::string_view input, bool last, std::string* out) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One brotli stream. Memory is bounded by the format: a standard stream's window is at
// most 16 MiB, which libbrotli grows to only as the output does; the "large window"
// extension (up to 1 GiB) is left off, so such streams are refused as corrupt. The output
// goes through one buffer of 64 KiB. Bytes after the stream's last meta-block are refused.
class BrotliDecompressor final : public StreamDecompressor {
 public:
  BrotliDecompressor();
  ~BrotliDecompressor() override;
  BrotliDecompressor(const BrotliDecompressor&) = delete;
  BrotliDecompressor& operator=(const BrotliDecompressor&) = delete;

  Status Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) override;
  int64_t produced() const override;
  bool AtEnd() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiln
