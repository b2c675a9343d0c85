// DEFLATE and BROTLI data that clients upload to compressed-blobs/{deflate,brotli}/... and
// in batch items (src/common/deflate_codec.h, brotli_codec.h): decompressed in steps, chunk
// by chunk as ByteStream delivers it, with a bound on the output that stops a bomb. The
// input is one byte choosing the codec (even: deflate, odd: brotli), one for the chunk
// size, one for the output bound, then the compressed stream. Checked: the output passes the
// bound by at most one decoder step (64 KiB), and only in a failed call; feeding it in
// chunks gives the same bytes and the same verdict as one call; the one-shot decoder agrees.
#include <string>

#include "common/compression.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  fuzz::InputReader input(data, size);
  const Compression compression = input.Byte() % 2 == 0 ? Compression::kDeflate : Compression::kBrotli;
  const size_t chunk = 1 + input.Byte() * 4;
  const int64_t max_output = int64_t{1} << (input.Byte() % 24);
  const std::string_view compressed = input.Rest();

  auto whole = NewDecompressor(compression);
  std::string whole_out;
  const Status whole_status = whole->DecompressTo(compressed, &whole_out, max_output);
  const auto within = [&](const Status& status, const std::string& out) {
    const int64_t slack = status.ok() ? 0 : int64_t{64} << 10;
    return static_cast<int64_t>(out.size()) <= max_output + slack;
  };
  FUZZ_CHECK(within(whole_status, whole_out));

  auto stepwise = NewDecompressor(compression);
  std::string step_out;
  Status step_status;
  for (size_t at = 0; at < compressed.size() && step_status.ok(); at += chunk) {
    step_status = stepwise->DecompressTo(compressed.substr(at, chunk), &step_out, max_output);
  }
  FUZZ_CHECK(within(step_status, step_out));
  FUZZ_CHECK(whole_status.ok() == step_status.ok());
  if (whole_status.ok()) {
    FUZZ_CHECK(whole_out == step_out);
    FUZZ_CHECK(whole->AtEnd() == stepwise->AtEnd());
  }
  auto one_shot = DecompressBytes(compression, compressed, max_output);
  if (one_shot.ok()) {
    FUZZ_CHECK(static_cast<int64_t>(one_shot->size()) <= max_output);
    FUZZ_CHECK(whole_status.ok() && *one_shot == whole_out && whole->AtEnd());
  }
  return 0;
}
