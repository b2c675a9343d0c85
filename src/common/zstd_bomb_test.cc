// A zstd "bomb" (a few KiB declaring and inflating to 1 GiB) costs the decompressor one
// fixed output buffer and a bounded window, never the declared size.
#include <zstd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "common/compression.h"

namespace kiln {
namespace {

constexpr int64_t kGiB = int64_t{1} << 30;

// One frame whose header declares `size` bytes of zeros (and which holds them).
std::string ZerosFrame(int64_t size, int window_log = 0) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, 1);
  if (window_log > 0) ZSTD_CCtx_setParameter(ctx, ZSTD_c_windowLog, window_log);
  if (window_log == 0) ZSTD_CCtx_setPledgedSrcSize(ctx, static_cast<unsigned long long>(size));
  const std::string zeros(1 << 20, '\0');
  std::string out;
  std::string step(ZSTD_CStreamOutSize(), '\0');
  int64_t fed = 0;
  while (true) {
    const size_t take = static_cast<size_t>(std::min<int64_t>(size - fed, static_cast<int64_t>(zeros.size())));
    fed += static_cast<int64_t>(take);
    const bool last = fed == size;
    ZSTD_inBuffer in{zeros.data(), take, 0};
    size_t remaining;
    do {
      ZSTD_outBuffer buffer{step.data(), step.size(), 0};
      remaining = ZSTD_compressStream2(ctx, &buffer, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      EXPECT_FALSE(ZSTD_isError(remaining)) << ZSTD_getErrorName(remaining);
      out.append(step.data(), buffer.pos);
    } while (last ? remaining != 0 : in.pos < in.size);
    if (last) break;
  }
  ZSTD_freeCCtx(ctx);
  return out;
}

TEST(ZstdBombTest, DeclaredGibibyteStreamsThroughAFixedBuffer) {
  const std::string bomb = ZerosFrame(kGiB);
  ASSERT_LT(bomb.size(), 64u << 10);
  EXPECT_EQ(ZSTD_getFrameContentSize(bomb.data(), bomb.size()), static_cast<unsigned long long>(kGiB));

  ZstdDecompressor decompressor;
  const size_t buffer_size = decompressor.output_buffer_size();
  EXPECT_LE(buffer_size, size_t{256} << 10);
  int64_t total = 0;
  size_t largest_piece = 0;
  bool all_zero = true;
  // Fed in 4 KiB chunks, as a stream would.
  for (size_t offset = 0; offset < bomb.size(); offset += 4096) {
    Status status = decompressor.Decompress(
        std::string_view(bomb).substr(offset, 4096),
        [&](std::string_view piece) {
          total += static_cast<int64_t>(piece.size());
          largest_piece = std::max(largest_piece, piece.size());
          all_zero = all_zero && std::all_of(piece.begin(), piece.end(), [](char c) { return c == 0; });
          return Status::Ok();
        },
        kGiB);
    ASSERT_TRUE(status.ok()) << status.message();
  }
  EXPECT_TRUE(decompressor.AtFrameBoundary());
  EXPECT_EQ(total, kGiB);
  EXPECT_EQ(decompressor.produced(), kGiB);
  EXPECT_LE(largest_piece, buffer_size);
  EXPECT_EQ(decompressor.output_buffer_size(), buffer_size);  // It never grew.
  EXPECT_TRUE(all_zero);
}

TEST(ZstdBombTest, OutputBeyondTheDeclaredSizeStopsAtTheLimit) {
  const std::string bomb = ZerosFrame(kGiB);
  ZstdDecompressor decompressor;
  const int64_t declared = 1 << 20;
  int64_t delivered = 0;
  Status status = decompressor.Decompress(
      bomb,
      [&](std::string_view piece) {
        delivered += static_cast<int64_t>(piece.size());
        return Status::Ok();
      },
      declared);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("more than the declared 1048576 bytes"), std::string::npos) << status.message();
  // Nothing past the declared size reached the sink, and zstd was not run to the bomb's end.
  EXPECT_LE(delivered, declared);
  EXPECT_LE(decompressor.produced(), declared + 1);
}

TEST(ZstdBombTest, SinkErrorsStopDecompression) {
  const std::string frame = ZerosFrame(1 << 20);
  ZstdDecompressor decompressor;
  int calls = 0;
  Status status = decompressor.Decompress(
      frame,
      [&](std::string_view) {
        ++calls;
        return Status::Internal("disk full");
      },
      1 << 20);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
}

TEST(ZstdBombTest, FramesWithHugeWindowsAreRefused) {
  // Content size unknown and a 128 MiB window: the decoder would allocate the window.
  const std::string frame = ZerosFrame(2 << 20, 27);  // Two pieces: the size stays unknown.
  std::string out;
  ZstdDecompressor decompressor;
  Status status = decompressor.DecompressTo(frame, &out, kGiB);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("window larger than kiln's limit of 8 MiB"), std::string::npos) << status.message();
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace kiln
