#include "common/stream_codec.h"

#include <algorithm>

namespace kiln {

Status StreamDecompressor::DecompressTo(std::string_view input, std::string* out, int64_t max_output_total) {
  return Decompress(
      input,
      [out](std::string_view piece) {
        out->append(piece);
        return Status::Ok();
      },
      max_output_total);
}

size_t DecoderRoom(int64_t max_output_total, int64_t produced, size_t buffer_size) {
  const int64_t allowed = max_output_total - produced + 1;
  return static_cast<size_t>(std::clamp<int64_t>(allowed, 1, static_cast<int64_t>(buffer_size)));
}

}  // namespace kiln
