// zstd data that clients upload to compressed-blobs/zstd/... (src/common/compression.h):
// decompressed in steps, chunk by chunk as ByteStream delivers it, with a bound on the
// output that stops a bomb. The input is one byte for the chunk size, one for the output
// bound, then the compressed stream. Checked: the output passes the bound by at most one
// step of the decoder (ZSTD_DStreamOutSize, 128 KiB), and only in a failed call; feeding it
// in chunks gives the same bytes as one call where both succeed; the one-shot decoder
// agrees. (The verdicts may differ: libzstd 1.5.4 calls a frame of many empty blocks
// corrupt when given it whole and decodes it when given it byte by byte. Harmless to kiln,
// which verifies what it decoded against the digest; regressions/zstd keeps the case.)
#include <zstd.h>

#include <string>

#include "common/compression.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  fuzz::InputReader input(data, size);
  const size_t chunk = 1 + input.Byte() * 4;
  const int64_t max_output = int64_t{1} << (input.Byte() % 24);
  const std::string_view compressed = input.Rest();

  ZstdDecompressor whole;
  std::string whole_out;
  const Status whole_status = whole.DecompressTo(compressed, &whole_out, max_output);
  const auto within = [&](const Status& status, const std::string& out) {
    const int64_t slack = status.ok() ? 0 : static_cast<int64_t>(ZSTD_DStreamOutSize());
    return static_cast<int64_t>(out.size()) <= max_output + slack;
  };
  FUZZ_CHECK(within(whole_status, whole_out));

  ZstdDecompressor stepwise;
  std::string step_out;
  Status step_status;
  for (size_t at = 0; at < compressed.size() && step_status.ok(); at += chunk) {
    step_status = stepwise.DecompressTo(compressed.substr(at, chunk), &step_out, max_output);
    FUZZ_CHECK(within(step_status, step_out));
  }
  if (whole_status.ok() && step_status.ok()) {
    FUZZ_CHECK(whole_out == step_out);
    FUZZ_CHECK(whole.AtFrameBoundary() == stepwise.AtFrameBoundary());
  }
  auto one_shot = ZstdDecompress(compressed, max_output);
  if (one_shot.ok()) {
    FUZZ_CHECK(static_cast<int64_t>(one_shot->size()) <= max_output);
    FUZZ_CHECK(whole_status.ok() && step_status.ok() && *one_shot == whole_out);
  }
  return 0;
}
