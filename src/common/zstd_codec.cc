#include "common/zstd_codec.h"

#include <zstd.h>
#include <zstd_errors.h>

namespace kiln {

struct ZstdCompressor::State {
  ZSTD_CCtx* ctx = nullptr;
};

ZstdCompressor::ZstdCompressor(int level) : state_(std::make_unique<State>()) {
  state_->ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_compressionLevel, level);
}

ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(state_->ctx); }

Status ZstdCompressor::Compress(std::string_view input, bool last, std::string* out) {
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
  const size_t step = ZSTD_CStreamOutSize();
  while (true) {
    const size_t old_size = out->size();
    out->resize(old_size + step);
    ZSTD_outBuffer buffer{out->data() + old_size, step, 0};
    const size_t remaining = ZSTD_compressStream2(state_->ctx, &buffer, &in, mode);
    out->resize(old_size + buffer.pos);
    if (ZSTD_isError(remaining)) {
      return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(remaining));
    }
    const bool input_done = in.pos == in.size;
    if (last ? remaining == 0 : input_done) return Status::Ok();
  }
}

struct ZstdDecompressor::State {
  ZSTD_DCtx* ctx = nullptr;
  int64_t produced = 0;
  bool at_boundary = true;
  std::unique_ptr<char[]> buffer;
  size_t buffer_size = 0;
};

ZstdDecompressor::ZstdDecompressor() : state_(std::make_unique<State>()) {
  state_->ctx = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(state_->ctx, ZSTD_d_windowLogMax, kMaxZstdWindowLog);
  state_->buffer_size = ZSTD_DStreamOutSize();
  state_->buffer = std::make_unique<char[]>(state_->buffer_size);
}

ZstdDecompressor::~ZstdDecompressor() { ZSTD_freeDCtx(state_->ctx); }

namespace {

Status DecompressionError(size_t code) {
  if (ZSTD_getErrorCode(code) == ZSTD_error_frameParameter_windowTooLarge) {
    return Status::InvalidArgument("zstd frame needs a window larger than kiln's limit of " +
                                   std::to_string((int64_t{1} << kMaxZstdWindowLog) >> 20) +
                                   " MiB (compressed with --long or an --ultra level?)");
  }
  return Status::InvalidArgument(std::string("corrupt zstd data: ") + ZSTD_getErrorName(code));
}

}  // namespace

Status ZstdDecompressor::Decompress(std::string_view input, const Sink& sink, int64_t max_output_total) {
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  const size_t step = state_->buffer_size;
  while (in.pos < in.size || !state_->at_boundary) {
    // Never ask zstd for more than the declared total allows, plus one byte to notice
    // output beyond it: a bomb stops at the limit instead of running on to its end.
    const size_t room = DecoderRoom(max_output_total, state_->produced, step);
    ZSTD_outBuffer buffer{state_->buffer.get(), room, 0};
    const size_t hint = ZSTD_decompressStream(state_->ctx, &buffer, &in);
    if (ZSTD_isError(hint)) return DecompressionError(hint);
    state_->produced += static_cast<int64_t>(buffer.pos);
    if (state_->produced > max_output_total) {
      return Status::InvalidArgument("zstd data decompresses to more than the declared " +
                                     std::to_string(max_output_total) + " bytes");
    }
    state_->at_boundary = hint == 0;
    if (buffer.pos > 0) KILN_RETURN_IF_ERROR(sink(std::string_view(state_->buffer.get(), buffer.pos)));
    // No progress possible until more input arrives.
    if (in.pos == in.size && buffer.pos < room) break;
  }
  return Status::Ok();
}

int64_t ZstdDecompressor::produced() const { return state_->produced; }

size_t ZstdDecompressor::output_buffer_size() const { return state_->buffer_size; }

bool ZstdDecompressor::AtFrameBoundary() const { return state_->at_boundary; }

StatusOr<std::string> ZstdCompress(std::string_view input) {
  ZstdCompressor compressor;
  std::string out;
  KILN_RETURN_IF_ERROR(compressor.Compress(input, true, &out));
  return out;
}

StatusOr<std::string> ZstdDecompress(std::string_view input, int64_t max_output) {
  ZstdDecompressor decompressor;
  std::string out;
  KILN_RETURN_IF_ERROR(decompressor.DecompressTo(input, &out, max_output));
  if (!decompressor.AtFrameBoundary()) {
    return Status::InvalidArgument("zstd data ends in the middle of a frame");
  }
  return out;
}

}  // namespace kiln
