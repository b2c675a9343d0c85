#include "common/deflate_codec.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace kiln {
namespace {

// Negative window bits select raw deflate in zlib: no header, no Adler-32 trailer.
constexpr int kRawDeflateWindowBits = -15;
constexpr size_t kOutputStep = 64 * 1024;
// zlib counts in uInt; larger inputs are fed in slices.
constexpr size_t kMaxSlice = size_t{1} << 30;

Bytef* InputBytes(std::string_view input) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
}

}  // namespace

struct DeflateCompressor::State {
  z_stream stream{};
  bool ready = false;
};

DeflateCompressor::DeflateCompressor(int level) : state_(std::make_unique<State>()) {
  state_->ready = deflateInit2(&state_->stream, level, Z_DEFLATED, kRawDeflateWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

DeflateCompressor::~DeflateCompressor() {
  if (state_->ready) deflateEnd(&state_->stream);
}

Status DeflateCompressor::Compress(std::string_view input, bool last, std::string* out) {
  if (!state_->ready) return Status::Internal("zlib could not set up a deflate stream");
  z_stream& stream = state_->stream;
  do {
    const std::string_view slice = input.substr(0, kMaxSlice);
    input.remove_prefix(slice.size());
    stream.next_in = InputBytes(slice);
    stream.avail_in = static_cast<uInt>(slice.size());
    const int flush = last && input.empty() ? Z_FINISH : Z_NO_FLUSH;
    int result = Z_OK;
    // Until deflate leaves room in the buffer: then it has taken all the input (and, when
    // finishing, written the final block).
    do {
      const size_t old_size = out->size();
      out->resize(old_size + kOutputStep);
      stream.next_out = reinterpret_cast<Bytef*>(out->data() + old_size);
      stream.avail_out = static_cast<uInt>(kOutputStep);
      result = deflate(&stream, flush);
      out->resize(old_size + kOutputStep - stream.avail_out);
      if (result == Z_STREAM_ERROR) return Status::Internal("deflate compression failed");
    } while (stream.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
  } while (!input.empty());
  return Status::Ok();
}

struct DeflateDecompressor::State {
  z_stream stream{};
  bool ready = false;
  bool started = false;
  bool ended = false;
  int64_t produced = 0;
  std::unique_ptr<char[]> buffer = std::make_unique<char[]>(kOutputStep);
};

DeflateDecompressor::DeflateDecompressor() : state_(std::make_unique<State>()) {
  state_->ready = inflateInit2(&state_->stream, kRawDeflateWindowBits) == Z_OK;
}

DeflateDecompressor::~DeflateDecompressor() {
  if (state_->ready) inflateEnd(&state_->stream);
}

Status DeflateDecompressor::Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) {
  if (!state_->ready) return Status::Internal("zlib could not set up an inflate stream");
  if (input.empty()) return Status::Ok();
  state_->started = true;
  z_stream& stream = state_->stream;
  while (!input.empty()) {
    if (state_->ended) return Status::InvalidArgument("data follows the end of the deflate stream");
    const std::string_view slice = input.substr(0, kMaxSlice);
    input.remove_prefix(slice.size());
    stream.next_in = InputBytes(slice);
    stream.avail_in = static_cast<uInt>(slice.size());
    for (;;) {
      // As with zstd: never more than the declared total allows, plus one byte to notice a bomb.
      const size_t room = DecoderRoom(max_output_total, state_->produced, kOutputStep);
      stream.next_out = reinterpret_cast<Bytef*>(state_->buffer.get());
      stream.avail_out = static_cast<uInt>(room);
      const int result = inflate(&stream, Z_NO_FLUSH);
      if (result == Z_DATA_ERROR || result == Z_NEED_DICT) {
        return Status::InvalidArgument(std::string("corrupt deflate data: ") + (stream.msg ? stream.msg : "bad stream"));
      }
      if (result == Z_MEM_ERROR) return Status::ResourceExhausted("out of memory inflating deflate data");
      if (result == Z_STREAM_ERROR) return Status::Internal("inflate failed");
      const size_t got = room - stream.avail_out;
      state_->produced += static_cast<int64_t>(got);
      if (state_->produced > max_output_total) {
        return Status::InvalidArgument("deflate data decompresses to more than the declared " +
                                       std::to_string(max_output_total) + " bytes");
      }
      if (got > 0) KILN_RETURN_IF_ERROR(sink(std::string_view(state_->buffer.get(), got)));
      if (result == Z_STREAM_END) {
        state_->ended = true;
        if (stream.avail_in > 0) return Status::InvalidArgument("data follows the end of the deflate stream");
        break;
      }
      // No progress possible (Z_BUF_ERROR), or the buffer was left partly empty with all the
      // input taken: nothing more until more input arrives.
      if (result == Z_BUF_ERROR || (stream.avail_in == 0 && got < room)) break;
    }
  }
  return Status::Ok();
}

int64_t DeflateDecompressor::produced() const { return state_->produced; }

bool DeflateDecompressor::AtEnd() const { return !state_->started || state_->ended; }

}  // namespace kiln
