// DEFLATE (REAPI's DEFLATE compressor: RFC 1951 raw deflate, no zlib or gzip header),
// streaming both ways (stream_codec.h), with Debian's zlib.
#pragma once

#include <memory>

#include "common/stream_codec.h"

namespace kiln {

class DeflateCompressor final : public StreamCompressor {
 public:
  // zlib's levels, 1 (fastest) to 9.
  explicit DeflateCompressor(int level = 1);
  ~DeflateCompressor() override;
  DeflateCompressor(const DeflateCompressor&) = delete;
  DeflateCompressor& operator=(const DeflateCompressor&) = delete;

  Status Compress(std::string_view input, bool last, std::string* out) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One raw deflate stream, in fixed memory: deflate's window is 32 KiB by definition, and
// the output goes through one buffer of 64 KiB. Bytes after the stream's final block are
// refused (there is no framing to say what they would be).
class DeflateDecompressor final : public StreamDecompressor {
 public:
  DeflateDecompressor();
  ~DeflateDecompressor() override;
  DeflateDecompressor(const DeflateDecompressor&) = delete;
  DeflateDecompressor& operator=(const DeflateDecompressor&) = delete;

  Status Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) override;
  int64_t produced() const override;
  bool AtEnd() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiln
