#include "common/brotli_codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>

namespace kiln {
namespace {

constexpr size_t kOutputStep = 64 * 1024;

const uint8_t* Bytes(std::string_view data) { return reinterpret_cast<const uint8_t*>(data.data()); }

}  // namespace

struct BrotliCompressor::State {
  BrotliEncoderState* encoder = nullptr;
};

BrotliCompressor::BrotliCompressor(int quality) : state_(std::make_unique<State>()) {
  state_->encoder = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
  if (state_->encoder) BrotliEncoderSetParameter(state_->encoder, BROTLI_PARAM_QUALITY, static_cast<uint32_t>(quality));
}

BrotliCompressor::~BrotliCompressor() {
  if (state_->encoder) BrotliEncoderDestroyInstance(state_->encoder);
}

Status BrotliCompressor::Compress(std::string_view input, bool last, std::string* out) {
  BrotliEncoderState* encoder = state_->encoder;
  if (!encoder) return Status::Internal("libbrotli could not set up an encoder");
  const BrotliEncoderOperation operation = last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
  size_t available_in = input.size();
  const uint8_t* next_in = Bytes(input);
  for (;;) {
    // No output buffer of our own: the encoder's is taken after each step, uncopied until here.
    size_t available_out = 0;
    if (!BrotliEncoderCompressStream(encoder, operation, &available_in, &next_in, &available_out, nullptr, nullptr)) {
      return Status::Internal("brotli compression failed");
    }
    size_t size = 0;
    const uint8_t* output = BrotliEncoderTakeOutput(encoder, &size);
    out->append(reinterpret_cast<const char*>(output), size);
    const bool done = available_in == 0 && !BrotliEncoderHasMoreOutput(encoder) &&
                      (!last || BrotliEncoderIsFinished(encoder));
    if (done) return Status::Ok();
  }
}

struct BrotliDecompressor::State {
  BrotliDecoderState* decoder = nullptr;
  bool started = false;
  bool ended = false;
  int64_t produced = 0;
  std::unique_ptr<uint8_t[]> buffer = std::make_unique<uint8_t[]>(kOutputStep);
};

BrotliDecompressor::BrotliDecompressor() : state_(std::make_unique<State>()) {
  state_->decoder = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
}

BrotliDecompressor::~BrotliDecompressor() {
  if (state_->decoder) BrotliDecoderDestroyInstance(state_->decoder);
}

Status BrotliDecompressor::Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) {
  if (!state_->decoder) return Status::Internal("libbrotli could not set up a decoder");
  if (input.empty()) return Status::Ok();
  if (state_->ended) return Status::InvalidArgument("data follows the end of the brotli stream");
  state_->started = true;
  size_t available_in = input.size();
  const uint8_t* next_in = Bytes(input);
  for (;;) {
    // As with zstd: never more than the declared total allows, plus one byte to notice a bomb.
    const size_t room = DecoderRoom(max_output_total, state_->produced, kOutputStep);
    size_t available_out = room;
    uint8_t* next_out = state_->buffer.get();
    const BrotliDecoderResult result =
        BrotliDecoderDecompressStream(state_->decoder, &available_in, &next_in, &available_out, &next_out, nullptr);
    if (result == BROTLI_DECODER_RESULT_ERROR) {
      return Status::InvalidArgument(std::string("corrupt brotli data: ") +
                                     BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_->decoder)));
    }
    const size_t got = room - available_out;
    state_->produced += static_cast<int64_t>(got);
    if (state_->produced > max_output_total) {
      return Status::InvalidArgument("brotli data decompresses to more than the declared " +
                                     std::to_string(max_output_total) + " bytes");
    }
    if (got > 0) {
      KILN_RETURN_IF_ERROR(sink(std::string_view(reinterpret_cast<const char*>(state_->buffer.get()), got)));
    }
    if (result == BROTLI_DECODER_RESULT_SUCCESS) {
      state_->ended = true;
      if (available_in > 0) return Status::InvalidArgument("data follows the end of the brotli stream");
      return Status::Ok();
    }
    // BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT goes round again.
    if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return Status::Ok();
  }
}

int64_t BrotliDecompressor::produced() const { return state_->produced; }

bool BrotliDecompressor::AtEnd() const { return !state_->started || state_->ended; }

}  // namespace kiln
