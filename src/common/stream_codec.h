// The two halves of a wire compression as kiln streams them: a ByteStream Read compresses a
// blob chunk by chunk, and a compressed upload is inflated chunk by chunk as it arrives, so
// neither ever holds the whole blob. zstd_codec.h, deflate_codec.h and brotli_codec.h
// implement them; compression.h picks one by REAPI's compressor name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

class StreamCompressor {
 public:
  virtual ~StreamCompressor() = default;
  // Appends compressed bytes for `input` to *out; with `last`, also ends the stream.
  virtual Status Compress(std::string_view input, bool last, std::string* out) = 0;
};

// Decoders are bounded whatever the data claims: output goes through one fixed buffer,
// and the history window has a fixed ceiling (each implementation says which).
class StreamDecompressor {
 public:
  virtual ~StreamDecompressor() = default;

  // Receives the output piece by piece (each valid only during the call); an error it
  // returns stops decompression and is returned.
  using Sink = std::function<Status(std::string_view)>;
  // Decompresses `input` into `sink`. INVALID_ARGUMENT on corrupt input, on data after the
  // end of the stream, and as soon as the output exceeds `max_output_total` bytes over the
  // life of the stream (a bomb guard: nothing beyond the limit is produced).
  virtual Status Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) = 0;
  // Bytes produced so far.
  virtual int64_t produced() const = 0;
  // True if the input so far is whole compressed data: nothing was received, or it ends
  // where a stream (or, for zstd, a frame) ends. False for data cut off in the middle.
  virtual bool AtEnd() const = 0;

  // Appends the decompressed bytes to *out (for callers whose output is bounded anyway).
  Status DecompressTo(std::string_view input, std::string* out, int64_t max_output_total);
};

// Smallest of the room left under `max_output_total` plus one byte (to notice output beyond
// it) and `buffer_size`: what a decoder may be asked to produce next.
size_t DecoderRoom(int64_t max_output_total, int64_t produced, size_t buffer_size);

}  // namespace kiln
